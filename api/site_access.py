"""Wiring site visits to the access log and running the site-access monitor.

Site visits (tenants/visits) do not import the access log; this module gives them a journal
that appends their physical events to it (durably: the event is committed before the caller
is answered), registers their tenant-status hook, and runs the monitor that turns overstays and
bursts of failed API authentications into alerts.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from audit.encoding import EntryDraft
from audit.service import AccessLog
from audit.signals import failed_authentication_bursts
from colo.logging import get_logger
from siteaccess.alerts import alert_on_auth_failures, sweep_overstays
from siteaccess.hooks import HOOK_NAME, tenant_status_hook
from siteaccess.journal import Journal, PhysicalEvent

if TYPE_CHECKING:
    from api.services import AppServices

AUTH_WINDOW = timedelta(minutes=5)
AUTH_THRESHOLD = 20  # 401s from one address within the window
MONITOR_INTERVAL = 30.0
log = get_logger(__name__)


def access_log_journal(access_log: AccessLog) -> Journal:
    async def record(event: PhysicalEvent) -> None:
        actor = event.actor
        await access_log.record_durably(EntryDraft(
            kind="physical", action=event.action, outcome=event.outcome,
            request_id=structlog.contextvars.get_contextvars().get("request_id"),
            actor_key_id=actor.key_id if actor else None,
            actor_person_id=str(actor.person_id) if actor and actor.person_id else None,
            tenant_id=str(event.tenant_id) if event.tenant_id else None,
            role=actor.role.value if actor else None, objects=event.objects, detail=event.detail, pii=event.pii,
        ))

    return record


def journal_of(services: AppServices) -> Journal:
    return access_log_journal(services.access_log)


async def sweep(services: AppServices, *, now: datetime | None = None) -> int:
    """One pass of the monitor: overstays and failed-authentication bursts → alerts."""
    moment = now or datetime.now(UTC)
    created = await sweep_overstays(now=moment)
    bursts = await failed_authentication_bursts(
        store=services.access_log.store,
        since_us=int((moment - AUTH_WINDOW).timestamp() * 1_000_000), threshold=AUTH_THRESHOLD)
    return created + await alert_on_auth_failures(bursts=bursts, window=AUTH_WINDOW, now=moment)


class SiteMonitor:
    """Runs `sweep` every MONITOR_INTERVAL seconds for the life of the app."""

    def __init__(self, services: AppServices) -> None:
        self.services = services
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(MONITOR_INTERVAL)
            try:
                await sweep(self.services)
            except Exception as exc:  # the next pass retries; never take the app down
                log.error("site-access sweep failed", error=type(exc).__name__)

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="site-monitor")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


async def install_site_access(services: AppServices) -> SiteMonitor:
    """Register the visits' tenant-status hook and start the monitor (the caller stops it)."""
    services.tenant_hooks.register(HOOK_NAME, tenant_status_hook(journal_of(services)))
    monitor = SiteMonitor(services)
    await monitor.start()
    return monitor
