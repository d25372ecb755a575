"""Starting and stopping the app's long-lived components, shared by `colo serve` and `colo worker`.

Both processes build the same components (handlers read their settings, journals and hooks);
`loops` says whether this process also runs the background loops. `colo serve` passes
COLO_RUN_WORKERS (default true: the embedded install runs everything in one process); `colo
worker` always runs them. Singletons among the loops act only while this process leads them
(colo/leader.py): the read model (webhook queue, full sync/reconcile, webhook-health check), the
site monitor, the SLA sweep and metering. Order fulfilment (row leases) and notification dispatch
(SKIP LOCKED) are safe in every process and run wherever loops run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from api.metering_plant import discover as discover_meters
from api.notices import tenant_notices
from api.services import AppServices
from audit.service import open_access_log
from colo.leader import METERING, READ_MODEL, SITE_MONITOR, SLA_SWEEP, Gate, Leadership, never
from colo.logging import get_logger
from colo.mail import Mailer
from dcim.netbox.provisioning import Provisioner
from dcim.orders.worker import OrdersRuntime
from dcim.readmodel.refresher import ReadModelRefresher
from metering.config import MeteringConfig
from metering.runtime import MeteringRuntime
from notify.config import NotifyConfig
from notify.runtime import NotifyRuntime
from servicedesk.config import ServiceDeskConfig
from servicedesk.runtime import ServiceDeskRuntime
from siteaccess.runtime import SiteAccessRuntime

log = get_logger(__name__)


@asynccontextmanager
async def running(services: AppServices, *, loops: bool) -> AsyncIterator[Leadership | None]:
    """Start every component in order (with its loops when `loops`), yield, stop them in reverse,
    then give up leadership. The engine must already be bound (colo.db.bound_engine)."""
    settings = services.settings
    # Test runs drive fulfilment, metering polls and notification dispatch explicitly, so they do
    # not race a background worker; the read-model refresher and the monitors do run.
    drive = loops and settings.env != "test"
    # Contends only once every component has started (below): a start-up that fails holds no lock.
    leadership = Leadership(settings.database_url) if loops else None

    def gate(name: str) -> Gate:
        return leadership.gate(name) if leadership is not None else never

    # First component, so it stops last: the others' shutdown is still logged.
    services.access_log = await open_access_log(settings=settings, keys=services.keys)
    # Site access: its journal into the access log, its tenant hook and alert monitor.
    services.site_access = SiteAccessRuntime(
        services.access_log, hooks=services.tenant_hooks, holding=timedelta(days=settings.shipment_holding_days),
        tell=tenant_notices(settings), run_loop=loops, leads=gate(SITE_MONITOR))
    await services.site_access.start()
    # Keeps the plant read model fresh: webhook work (queued in the database), plus a periodic reconcile.
    services.read_model = ReadModelRefresher(
        services.netbox, reconcile_seconds=settings.reconcile_seconds,
        webhook_grace_seconds=settings.webhook_grace_seconds, run_loop=loops, leads=gate(READ_MODEL))
    await services.read_model.start()
    # Orders: tenant status hooks, and the fulfilment worker (leases: safe in every process).
    services.orders = OrdersRuntime(
        Provisioner(services.netbox), facility=settings.facility_name, run_worker=drive,
        hooks=services.tenant_hooks, signed_decommissions="decommissions" in settings.signed_approvals)
    await services.orders.start()
    # Service desk: its settings, and the sweep that raises SLA alerts for ops.
    services.service_desk = ServiceDeskRuntime(ServiceDeskConfig.of(settings), run_loop=loops,
                                               leads=gate(SLA_SWEEP))
    await services.service_desk.start()
    # Metering: PDUs discovered from NetBox, polled every interval (unless COLO_METERING=off).
    metering_config = MeteringConfig.of(settings)
    services.metering = MeteringRuntime(
        metering_config if settings.env != "test" else metering_config.off(), master_key=services.keys.master_key,
        discover=lambda: discover_meters(services.netbox, metering_config), run_loop=drive, leads=gate(METERING))
    await services.metering.start()
    # Notifications: the outbox dispatcher (webhooks, e-mail; SKIP LOCKED: safe in every process).
    services.notify = NotifyRuntime(NotifyConfig.of(settings), master_key=services.keys.master_key,
                                    run_loop=drive, mailer=Mailer.of(settings), facility=settings.facility_name)
    await services.notify.start()
    services.started = True
    if leadership is not None:  # until now every singleton loop's gate said no
        await leadership.start()
    try:
        yield leadership
    finally:
        for name, component in reversed(services.stoppable()):
            await component.stop()
            log.info("stopped component", component=name)
        if leadership is not None:  # last: no singleton loop runs any more when another takes over
            await leadership.stop()
            log.info("released leadership")
