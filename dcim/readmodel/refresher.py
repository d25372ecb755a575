"""The long-lived component that applies webhook work and reconciles periodically.

Webhooks only enqueue (the endpoint answers at once) into the database (dcim/readmodel/queue.py),
on whichever replica NetBox reached. The read-model leader (colo/leader.py: one process in the
cluster) claims what arrived within a short window and applies it as one rack-scoped refresh, runs
at most one full sync per window, and does a full sync every `reconcile_seconds` (measured from
the last full sync recorded in the database, so a new leader keeps the cadence) to catch anything
a lost webhook missed — and then checks NetBox's changelog for changes no webhook announced
(dcim/readmodel/webhook_health.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from colo import periodic
from colo.db import DATABASE_UNREACHABLE
from colo.errors import ColoError
from colo.leader import Gate, always
from colo.logging import get_logger
from dcim.netbox.gateway import NetBoxGateway
from dcim.readmodel import queue, store
from dcim.readmodel.sync import WATCHED_TYPES, EventPlan, full_sync, refresh_objects, refresh_racks
from dcim.readmodel.webhook_health import check_webhooks

log = get_logger(__name__)
DEFAULT_RECONCILE_SECONDS = 300.0
DEBOUNCE_SECONDS = 0.5
POLL_SECONDS = 1.0  # how often the leader looks for work other replicas queued
FOLLOWER_LOOK_SECONDS = 1.0  # how often a follower checks whether it leads now
DEFAULT_WEBHOOK_GRACE_SECONDS = 120.0


class ReadModelRefresher:
    def __init__(self, gateway: NetBoxGateway, *, reconcile_seconds: float = DEFAULT_RECONCILE_SECONDS,
                 debounce_seconds: float = DEBOUNCE_SECONDS, poll_seconds: float = POLL_SECONDS,
                 webhook_grace_seconds: float = DEFAULT_WEBHOOK_GRACE_SECONDS, run_loop: bool = True,
                 leads: Gate = always) -> None:
        self.gateway = gateway
        self.webhook_grace_seconds = webhook_grace_seconds
        self.started_at: datetime | None = None
        self.reconcile_seconds = reconcile_seconds
        self.debounce_seconds = debounce_seconds
        self.poll_seconds = poll_seconds
        # The loop runs where background work runs (`run_loop`) and acts only while this process
        # leads the read model (`leads`, colo/leader.py); enqueuing works everywhere.
        self.run_loop, self.leads = run_loop, leads
        self._wake = asyncio.Event()
        self._busy = False
        self._task: asyncio.Task[None] | None = None
        self._failures = 0

    async def enqueue(self, plan: EventPlan) -> None:
        """Queue a webhook's work in the database (any replica); the leader applies it."""
        if await queue.enqueue(plan):
            self._wake.set()  # this process may be the leader: no need to wait for its next poll

    async def start(self) -> None:
        self.started_at = datetime.now(UTC)  # changes before this could not reach this process
        if self.run_loop and self._task is None:
            self._task = asyncio.create_task(self._run(), name="read-model-refresher")

    async def stop(self) -> None:
        await periodic.stop(self._task)
        self._task = None

    async def drained(self, wait_seconds: float = 30.0) -> None:
        """Wait until everything queued so far has been applied, by this process or the leader
        elsewhere (tests, shutdown)."""
        async def empty() -> None:
            while self._busy or await queue.depth():
                self._wake.set()
                await asyncio.sleep(0.05)
        await asyncio.wait_for(empty(), wait_seconds)

    async def _check_webhooks(self) -> None:
        """Did webhooks announce what NetBox changed? (/readyz, metrics, freshness.) A failure
        here is logged, never a reason to repeat the sync."""
        try:
            await check_webhooks(self.gateway, grace_seconds=self.webhook_grace_seconds, object_types=WATCHED_TYPES,
                                 since=self.started_at)
        except ColoError as exc:
            log.warning("could not check whether NetBox's webhooks arrive", error=exc.detail)

    async def _reconcile_due(self) -> bool:
        last = (await store.last_sync()).get("full")
        if last is None:
            return True
        if isinstance(last, str):
            last = datetime.fromisoformat(last)
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return (datetime.now(UTC) - last).total_seconds() >= self.reconcile_seconds

    async def _run(self) -> None:
        while True:
            # A follower looks again each second (no query: leads() is in memory), so it acts at once
            # when it takes over; the leader polls the queue every poll_seconds or when woken.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(),
                                       timeout=self.poll_seconds if self.leads() else FOLLOWER_LOOK_SECONDS)
            self._wake.clear()
            if not self.leads():
                continue
            try:
                await self._pass()
            except DATABASE_UNREACHABLE as exc:  # the database away: the next poll retries
                log.warning("read model refresh could not reach the database", error=type(exc).__name__)
                self._busy = False
                await asyncio.sleep(self.poll_seconds)
            except Exception:
                log.exception("read model refresh crashed")
                self._busy = False
                await asyncio.sleep(self.poll_seconds)

    async def _pass(self) -> None:
        reconcile_due = await self._reconcile_due()
        if not reconcile_due and not await queue.depth():
            return
        self._busy = True
        await asyncio.sleep(self.debounce_seconds)  # let a burst of events arrive
        claimed = await queue.claim()
        racks, objects, full = sorted(claimed.racks), claimed.objects, claimed.full or reconcile_due
        try:
            if full:  # a full sync covers every rack and object queued meanwhile
                await full_sync(self.gateway)
                await self._check_webhooks()
            else:
                if racks:
                    await refresh_racks(self.gateway, racks)
                if objects:
                    await refresh_objects(self.gateway, objects)
        except ColoError as exc:  # NetBox down: keep serving the last good data, retry later
            log.warning("read model refresh failed", error=exc.detail, racks=racks[:20], full=full)
            await queue.release(claimed)
            self._failures += 1
            self._busy = False
            await asyncio.sleep(min(60.0, 5.0 * self._failures))
            self._wake.set()
            return
        await queue.done(claimed)
        self._failures = 0
        self._busy = False
