"""colo/periodic.py: the runtimes' shared loop runs a pass every interval while its gate allows,
survives a failing pass, and stops when asked."""

from __future__ import annotations

import asyncio

from colo import periodic


async def test_passes_follow_the_gate_survive_failures_and_stop() -> None:
    calls: list[int] = []
    allowed = {"now": False}

    async def work() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("the first pass fails")

    task = periodic.start(0.01, work, name="test-loop", failed="test pass failed", leads=lambda: allowed["now"])
    await asyncio.sleep(0.1)
    assert calls == []  # not leading: no pass
    allowed["now"] = True
    for _ in range(200):
        if len(calls) >= 3:
            break
        await asyncio.sleep(0.01)
    assert len(calls) >= 3 and not task.done()  # the failing first pass did not end the loop
    await periodic.stop(task)
    assert task.cancelled()
    count = len(calls)
    await asyncio.sleep(0.05)
    assert len(calls) == count
    await periodic.stop(None)  # safe without a task
