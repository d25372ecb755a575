"""Reacting to tenant status changes (tenants/events.py): a suspended or offboarded tenant's
open visits are cancelled and every badge it holds expires at once."""

from __future__ import annotations

from siteaccess.journal import Journal
from siteaccess.service import expire_visit
from siteaccess.status import OPEN_STATUSES, VisitStatus
from siteaccess.tables import Visit
from tenants.events import TenantHook, TenantStatusChange
from tenants.status import TenantStatus

HOOK_NAME = "visits.close_on_suspension"


def tenant_status_hook(journal: Journal) -> TenantHook:
    async def close_visits(change: TenantStatusChange) -> None:
        if change.current not in (TenantStatus.SUSPENDED, TenantStatus.OFFBOARDED):
            return  # reinstated tenants request new visits; nothing reopens by itself
        open_visits = await Visit.select(Visit.id).where(
            (Visit.tenant_id == change.tenant_id) & Visit.status.is_in(list(OPEN_STATUSES)))
        for visit in open_visits:  # idempotent: a re-run finds nothing open
            await expire_visit(visit_id=visit["id"], tenant_id=change.tenant_id, status=VisitStatus.CANCELLED,
                               actor=None, reason=f"tenant {change.current}: {change.reason}"[:500], journal=journal)

    return close_visits
