"""The long-lived component that applies webhook work and reconciles periodically.

Webhooks only enqueue (the endpoint answers at once); this loop batches what arrived within a
short window into one rack-scoped refresh, runs at most one full sync per window, and does a
full sync every `reconcile_seconds` to catch anything a lost webhook missed — and then checks
NetBox's changelog for changes no webhook announced (dcim/readmodel/webhook_health.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

from colo.errors import ColoError
from colo.logging import get_logger
from dcim.netbox.gateway import NetBoxGateway
from dcim.readmodel.sync import WATCHED_TYPES, EventPlan, full_sync, refresh_objects, refresh_racks
from dcim.readmodel.webhook_health import check_webhooks

log = get_logger(__name__)
DEFAULT_RECONCILE_SECONDS = 300.0
DEBOUNCE_SECONDS = 0.5
DEFAULT_WEBHOOK_GRACE_SECONDS = 120.0


class ReadModelRefresher:
    def __init__(self, gateway: NetBoxGateway, *, reconcile_seconds: float = DEFAULT_RECONCILE_SECONDS,
                 debounce_seconds: float = DEBOUNCE_SECONDS,
                 webhook_grace_seconds: float = DEFAULT_WEBHOOK_GRACE_SECONDS) -> None:
        self.gateway = gateway
        self.webhook_grace_seconds = webhook_grace_seconds
        self.started_at: datetime | None = None
        self.reconcile_seconds = reconcile_seconds
        self.debounce_seconds = debounce_seconds
        self._racks: set[int] = set()
        self._objects: set[tuple[str, int]] = set()
        self._full = False
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._last_full = 0.0
        self._failures = 0

    def submit(self, plan: EventPlan) -> None:
        if not plan.rack_ids and not plan.full_sync and not plan.objects:
            return
        self._racks |= plan.rack_ids
        self._objects |= plan.objects
        self._full = self._full or plan.full_sync
        self._idle.clear()
        self._wake.set()

    async def start(self) -> None:
        self.started_at = datetime.now(UTC)  # changes before this could not reach this process
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="read-model-refresher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def drained(self, wait_seconds: float = 30.0) -> None:
        """Wait until everything submitted so far has been applied (tests, shutdown)."""
        await asyncio.wait_for(self._idle.wait(), wait_seconds)

    async def _check_webhooks(self) -> None:
        """Did webhooks announce what NetBox changed? (/readyz, metrics, freshness.) A failure
        here is logged, never a reason to repeat the sync."""
        try:
            await check_webhooks(self.gateway, grace_seconds=self.webhook_grace_seconds, object_types=WATCHED_TYPES,
                                 since=self.started_at)
        except ColoError as exc:
            log.warning("could not check whether NetBox's webhooks arrive", error=exc.detail)

    async def _run(self) -> None:
        while True:
            wait = max(0.0, self._last_full + self.reconcile_seconds - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            await asyncio.sleep(self.debounce_seconds)  # let a burst of events arrive
            self._wake.clear()
            reconcile_due = time.monotonic() >= self._last_full + self.reconcile_seconds
            racks, objects, full = sorted(self._racks), set(self._objects), self._full or reconcile_due
            self._racks, self._objects, self._full = set(), set(), False
            try:
                if full:  # a full sync covers every rack and object queued meanwhile
                    await full_sync(self.gateway)
                    self._last_full = time.monotonic()
                    await self._check_webhooks()
                else:
                    if racks:
                        await refresh_racks(self.gateway, racks)
                    if objects:
                        await refresh_objects(self.gateway, objects)
            except ColoError as exc:  # NetBox down: keep serving the last good data, retry later
                log.warning("read model refresh failed", error=exc.detail, racks=racks[:20], full=full)
                self._racks |= set(racks)
                self._objects |= objects
                self._full = self._full or full
                self._failures += 1
                await asyncio.sleep(min(60.0, 5.0 * self._failures))
                self._wake.set()
                continue
            except Exception:
                log.exception("read model refresh crashed", racks=racks[:20], full=full)
            self._failures = 0
            if not self._racks and not self._objects and not self._full:
                self._idle.set()
