"""Site-access alerts for security: refused gate attempts, bursts of them, overstays, and
bursts of failed API authentications. One alert per incident (`dedup_key`), acknowledged by
a security officer with a note of what was done about it, kept on the alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from colo.errors import NotFound
from colo.identity import Principal
from colo.outbox import AccessAlertRaised, EventType, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
from siteaccess.schemas import AlertRead
from siteaccess.status import AlertKind
from siteaccess.tables import Alert, GateEvent, Visit, Visitor

BURST_WINDOW = timedelta(minutes=10)
VISITOR_BURST = 3  # refused attempts by one visitor within the window
GATE_BURST = 10  # refused attempts at the gate overall within the window
NOTE_LIMIT = 500  # characters of an acknowledgement's note (the column's length)


def bucket(moment: datetime, width: timedelta) -> int:
    return int(moment.timestamp() // width.total_seconds())


async def raise_alert(
    *, kind: AlertKind, dedup_key: str, detail: str, tenant_id: UUID | None = None, visit_id: UUID | None = None,
    visitor_id: UUID | None = None, now: datetime | None = None,
) -> bool:
    """Create the alert unless one with the same dedup key exists; True when created. An alert about
    a tenant's visit (`tenant_id` set, e.g. an overstay) tells that tenant in the same transaction:
    the alert's kind and the visit's and visitor's ids, not the detail (it may name people)."""
    kind = AlertKind(kind)  # an unknown kind is a ValueError, never a stored alert
    moment = now or datetime.now(UTC)
    async with Alert._meta.db.transaction():
        inserted = await Alert.insert(Alert(
            id=uuid4(), kind=kind.value, tenant_id=tenant_id, visit_id=visit_id, visitor_id=visitor_id,
            detail=detail[:500], dedup_key=dedup_key[:200], created_at=moment,
        )).on_conflict(target=Alert.dedup_key, action="DO NOTHING").returning(Alert.id)
        if inserted and tenant_id is not None:
            await record_event(type=EventType.ACCESS_ALERT_RAISED, tenant_id=tenant_id, now=moment,
                               payload=AccessAlertRaised(alert_id=inserted[0]["id"], kind=kind.value,
                                                         visit_id=visit_id, visitor_id=visitor_id, at=moment))
    return bool(inserted)


async def alert_on_refusal_bursts(*, visitor_id: UUID | None, now: datetime) -> None:
    since = now - BURST_WINDOW
    slot = bucket(now, BURST_WINDOW)
    if visitor_id is not None:
        mine = await GateEvent.count().where((GateEvent.kind == "refused") & (GateEvent.at >= since)
                                             & (GateEvent.visitor_id == visitor_id))
        if mine >= VISITOR_BURST:
            await raise_alert(kind=AlertKind.REFUSED_BURST, dedup_key=f"burst:{visitor_id}:{slot}",
                              visitor_id=visitor_id, now=now,
                              detail=f"{mine} refused gate attempts by one visitor within 10 minutes")
    overall = await GateEvent.count().where((GateEvent.kind == "refused") & (GateEvent.at >= since))
    if overall >= GATE_BURST:
        await raise_alert(kind=AlertKind.REFUSED_BURST, dedup_key=f"burst:gate:{slot}", now=now,
                          detail=f"{overall} refused gate attempts within 10 minutes")


async def sweep_overstays(*, now: datetime | None = None) -> int:
    """Alert for everyone still on site after their visit's window ended; returns alerts created."""
    moment = now or datetime.now(UTC)
    on_site = await Visitor.select(Visitor.id, Visitor.visit_id, Visitor.tenant_id).where(Visitor.on_site.eq(True))
    if not on_site:
        return 0
    ended = {v["id"]: v for v in await Visit.select(Visit.id, Visit.ends_at).where(
        Visit.id.is_in([v["visit_id"] for v in on_site]) & (Visit.ends_at < moment))}
    created = 0
    for visitor in on_site:
        visit = ended.get(visitor["visit_id"])
        if visit is not None:
            created += await raise_alert(
                kind=AlertKind.OVERSTAY, dedup_key=f"overstay:{visitor['id']}", tenant_id=visitor["tenant_id"],
                visit_id=visitor["visit_id"], visitor_id=visitor["id"], now=moment,
                detail=f"still on site; the visit ended {visit['ends_at']:%Y-%m-%d %H:%M} UTC without check-out",
            )
    return created


async def alert_on_auth_failures(*, bursts: list[tuple[str, int]], window: timedelta, now: datetime) -> int:
    """One alert per source address and window that failed authentication too often."""
    created = 0
    for source, count in bursts:
        created += await raise_alert(
            kind=AlertKind.AUTH_FAILURE_BURST, dedup_key=f"auth:{source}:{bucket(now, window)}", now=now,
            detail=f"{count} failed API authentications from {source} within {int(window.total_seconds() // 60)} min",
        )
    return created


ALERT_KEYS = Keyset("alerts", (datetime, UUID), descending=True)  # newest first


async def list_alerts(*, open_only: bool = True, kind: str | None = None, page: PageRequest) -> PageResult[AlertRead]:
    query = Alert.select()
    if open_only:
        query = query.where(Alert.acknowledged_at.is_null())
    if kind is not None:
        query = query.where(Alert.kind == kind)
    rows = await select_page(query, columns=(Alert.created_at, Alert.id), keyset=ALERT_KEYS, page=page)
    return rows.map(AlertRead.of)


ACKNOWLEDGED_KEYS = Keyset("acknowledged_alerts", (datetime, UUID), descending=True)  # latest handled first


async def list_acknowledged(*, kind: str | None = None, page: PageRequest) -> PageResult[AlertRead]:
    """Handled alerts, the most recently acknowledged first: who, when and the note."""
    query = Alert.select().where(Alert.acknowledged_at.is_not_null())
    if kind is not None:
        query = query.where(Alert.kind == kind)
    rows = await select_page(query, columns=(Alert.acknowledged_at, Alert.id), keyset=ACKNOWLEDGED_KEYS, page=page)
    return rows.map(AlertRead.of)


async def acknowledge_alert(*, principal: Principal, alert_id: UUID, note: str = "") -> AlertRead:
    """Mark the alert handled, with what was done about it (`note`, kept on the alert). The
    first acknowledgement stands: acknowledging again changes nothing and answers the alert."""
    await Alert.update({Alert.acknowledged_at: datetime.now(UTC), Alert.acknowledged_by: principal.key_id,
                        Alert.acknowledgement_note: note.strip()[:NOTE_LIMIT]}).where(
        (Alert.id == alert_id) & Alert.acknowledged_at.is_null())
    row = await Alert.select().where(Alert.id == alert_id).first()
    if row is None:
        raise NotFound("alert", alert_id)
    return AlertRead.of(row)
