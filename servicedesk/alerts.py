"""SLA alerts for ops: a ticket that has used most of its target (COLO_SLA_WARN_PERCENT), and
one that is past due. One alert per ticket, kind and clock (`dedup_key`: a reopened ticket's new
clock may alert again), raised by a periodic sweep (servicedesk/runtime.py) and whenever ops
list them; acknowledged by ops. Kept in the service desk's own table, not site access's.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from colo.errors import NotFound
from colo.identity import Principal
from colo.paging import Keyset, PageRequest, PageResult, select_page
from servicedesk.config import ServiceDeskConfig
from servicedesk.schemas import SlaAlertRead, clock_of
from servicedesk.service import now_utc
from servicedesk.status import OPEN_STATES, SlaAlertKind
from servicedesk.tables import SlaAlert, Ticket

ALERT_KEYS = Keyset("service_sla_alerts", (datetime, UUID), descending=True)  # newest first


async def raise_alert(*, kind: SlaAlertKind, ticket_id: UUID, tenant_id: UUID, clock_started: datetime,
                      detail: str, now: datetime) -> bool:
    inserted = await SlaAlert.insert(SlaAlert(
        id=uuid4(), ticket_id=ticket_id, tenant_id=tenant_id, kind=kind.value, detail=detail[:500],
        dedup_key=f"sla:{kind.value}:{ticket_id}:{int(clock_started.timestamp())}", created_at=now,
    )).on_conflict(target=SlaAlert.dedup_key, action="DO NOTHING").returning(SlaAlert.id)
    return bool(inserted)


async def sweep(*, config: ServiceDeskConfig, now: datetime | None = None) -> int:
    """Alerts for every running clock (open, not paused, not stopped) near or past due; returns
    how many were created."""
    moment = now or now_utc()
    rows = await Ticket.select().where(
        Ticket.state.is_in([state.value for state in OPEN_STATES]) & Ticket.sla_stopped_at.is_null()
        & Ticket.sla_paused_since.is_null())
    created = 0
    for row in rows:
        clock = clock_of(row)
        left = clock.time_left(moment)
        if left.total_seconds() <= 0:
            due = clock.due(moment)
            kind, detail = SlaAlertKind.BREACHED, f"{row['title']}: SLA breached, due {due:%Y-%m-%d %H:%M} UTC"
        elif clock.used(moment) * 100 >= config.sla.warn_percent:
            minutes = int(left.total_seconds() // 60)
            kind, detail = SlaAlertKind.APPROACHING, f"{row['title']}: {minutes} min left of the SLA"
        else:
            continue
        created += await raise_alert(kind=kind, ticket_id=row["id"], tenant_id=row["tenant_id"],
                                     clock_started=clock.started_at, detail=detail, now=moment)
    return created


async def list_alerts(*, open_only: bool = True, kind: SlaAlertKind | None = None,
                      page: PageRequest) -> PageResult[SlaAlertRead]:
    query = SlaAlert.select()
    if open_only:
        query = query.where(SlaAlert.acknowledged_at.is_null())
    if kind is not None:
        query = query.where(SlaAlert.kind == kind.value)
    rows = await select_page(query, columns=(SlaAlert.created_at, SlaAlert.id), keyset=ALERT_KEYS, page=page)
    return rows.map(SlaAlertRead.of)


async def acknowledge(*, principal: Principal, alert_id: UUID, now: datetime | None = None) -> SlaAlertRead:
    """Mark the alert handled; the first acknowledgement stands."""
    await SlaAlert.update({SlaAlert.acknowledged_at: now or now_utc(), SlaAlert.acknowledged_by: principal.key_id}
                          ).where((SlaAlert.id == alert_id) & SlaAlert.acknowledged_at.is_null())
    row = await SlaAlert.select().where(SlaAlert.id == alert_id).first()
    if row is None:
        raise NotFound("alert", alert_id)
    return SlaAlertRead.of(row)
