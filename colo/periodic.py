"""The periodic loop the runtimes share: wait an interval, run one pass when this process may
(its leadership gate, colo/leader.py), log a failed pass and carry on; and the cancel-and-wait
that stops it. One loop, so every runtime behaves alike on errors and shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from colo.leader import Gate, always
from colo.logging import get_logger

log = get_logger(__name__)


async def every(interval: float, work: Callable[[], Awaitable[object]], *, failed: str,
                leads: Gate = always) -> None:
    """Forever: sleep `interval`, then `work()` if `leads()`. A failing pass is logged as `failed`
    (with the error's type only) and never ends the loop: the next pass retries."""
    while True:
        await asyncio.sleep(interval)
        if not leads():
            continue
        try:
            await work()
        except Exception as exc:  # never take the process down
            log.error(failed, error=type(exc).__name__)


def start(interval: float, work: Callable[[], Awaitable[object]], *, name: str, failed: str,
          leads: Gate = always) -> asyncio.Task[None]:
    return asyncio.create_task(every(interval, work, failed=failed, leads=leads), name=name)


async def stop(task: asyncio.Task[None] | None) -> None:
    """Cancel the loop and wait for it to end (safe with None or an ended task)."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
