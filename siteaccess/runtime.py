"""Site access in a running app: the journal that writes its physical events to the access log,
its tenant-status hook, and the monitor that turns overstays, bursts of failed API
authentications and deliveries held at the dock past the holding period into alerts.

The services take a `journal` callable (siteaccess/journal.py); this module adapts it to the
access log (durably: the event is committed before the caller is answered). The app's lifespan
starts one SiteAccessRuntime (api/plugin.py) and stops it with its other components.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog

from audit.encoding import EntryDraft
from audit.service import AccessLog
from audit.signals import failed_authentication_bursts
from colo import periodic
from colo.leader import Gate, always
from colo.logging import get_logger
from siteaccess.alerts import alert_on_auth_failures, sweep_overstays
from siteaccess.dock import sweep_held
from siteaccess.hooks import HOOK_NAME, tenant_status_hook
from siteaccess.journal import Journal, PhysicalEvent
from siteaccess.notices import Tell, no_mail
from siteaccess.shipments import HOLDING_PERIOD
from tenants.events import TenantHooks

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


async def sweep(
    access_log: AccessLog, *, now: datetime | None = None, holding: timedelta = HOLDING_PERIOD, tell: Tell = no_mail,
) -> int:
    """One pass of the monitor: overstays, failed-authentication bursts and deliveries held at
    the dock longer than `holding` → alerts."""
    moment = now or datetime.now(UTC)
    created = await sweep_overstays(now=moment)
    created += await sweep_held(journal=access_log_journal(access_log), now=moment, holding=holding, tell=tell)
    bursts = await failed_authentication_bursts(
        store=access_log.store,
        since_us=int((moment - AUTH_WINDOW).timestamp() * 1_000_000), threshold=AUTH_THRESHOLD)
    return created + await alert_on_auth_failures(bursts=bursts, window=AUTH_WINDOW, now=moment)


class SiteAccessRuntime:
    """The long-lived part of site access in the app: the journal its services write to, the
    tenant-status hook (registered on the app's hooks), and `sweep` every MONITOR_INTERVAL seconds."""

    def __init__(
        self, access_log: AccessLog, *, hooks: TenantHooks, interval: float = MONITOR_INTERVAL,
        holding: timedelta = HOLDING_PERIOD, tell: Tell = no_mail, run_loop: bool = True, leads: Gate = always,
    ) -> None:
        self.access_log = access_log
        self.holding = holding  # how long a delivery may wait at the dock (COLO_SHIPMENT_HOLDING_DAYS)
        self.tell: Tell = tell  # mails a tenant's administrators about its shipments (or nothing)
        self.journal: Journal = access_log_journal(access_log)
        self.hooks = hooks  # the app's (tenants/events.py): never another app's
        self.interval = interval
        # The monitor is a cluster-wide singleton (colo/leader.py): it passes unless `leads()`.
        self.run_loop, self.leads = run_loop, leads
        self.task: asyncio.Task[None] | None = None

    async def sweep(self, *, now: datetime | None = None) -> int:
        return await sweep(self.access_log, now=now, holding=self.holding, tell=self.tell)

    async def start(self) -> None:
        """Register the visits' tenant-status hook and start the monitor."""
        self.hooks.register(HOOK_NAME, tenant_status_hook(self.journal))
        if self.run_loop:
            self.task = periodic.start(self.interval, self.sweep, name="site-monitor",
                                       failed="site-access sweep failed", leads=self.leads)

    async def stop(self) -> None:
        self.hooks.unregister(HOOK_NAME)
        await periodic.stop(self.task)
