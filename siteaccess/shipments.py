"""Shipments, the tenant's side: announce a delivery, request that equipment leave, read and
cancel them, and the monthly tally the service report counts.

A delivery is announced with its carrier and tracking numbers (the dock matches any of them,
siteaccess/dock.py) and is either delivered to one of the tenant's racks or cages or held at
the dock. Equipment leaves only on a request security or ops approved. Every step is a row of
the shipment's history (what the tenant reads) and a physical event in the access log. All
reads are filtered by the caller's tenant in the query: another tenant's shipment is "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal
from colo.outbox import EventType, ShipmentUpdated, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
from colo.pii import ERASED, TenantKeyErased, decrypt_for_tenant, encrypt_for_tenant, mask
from siteaccess.journal import Journal, PhysicalEvent
from siteaccess.shipment_schemas import InboundCreate, OutboundCreate, ShipmentEventRead, ShipmentRead, ShipmentTally
from siteaccess.status import HELD_STATUSES, ShipmentDirection, ShipmentStatus
from siteaccess.tables import Shipment, ShipmentEvent, ShipmentTracking
from tenants import validation
from tenants.scope import scoped, select_one_or_404, tenant_for_write
from tenants.status import TenantStatus
from tenants.tables import Tenant

HOLDING_PERIOD = timedelta(days=5)  # the default of COLO_SHIPMENT_HOLDING_DAYS
MAX_LEAD_DAYS = 180
PAST_TOLERANCE = timedelta(minutes=15)
CANCELLABLE = {ShipmentDirection.INBOUND: (ShipmentStatus.EXPECTED.value,),
               ShipmentDirection.OUTBOUND: (ShipmentStatus.REQUESTED.value, ShipmentStatus.APPROVED.value)}


def now_utc() -> datetime:
    return datetime.now(UTC)


def normalise(tracking_number: str) -> str:
    return tracking_number.strip().upper()


async def record(
    *, row: dict[str, Any], action: str, actor: Principal | None, detail: str, journal: Journal,
    now: datetime, outcome: str = "recorded", pii: str | None = None, objects: dict[str, str] | None = None,
) -> None:
    """One step of a shipment: a history row (the tenant's view), then the access-log entry."""
    async with ShipmentEvent._meta.db.transaction():  # the tenant's history row and its outbox event
        await ShipmentEvent.insert(ShipmentEvent(id=uuid4(), shipment_id=row["id"], at=now, action=action[:32],
                                                 actor=actor.key_id if actor else "", detail=detail[:500]))
        await record_event(type=EventType.SHIPMENT_UPDATED, tenant_id=row["tenant_id"], now=now,
                           payload=ShipmentUpdated(shipment_id=row["id"], action=action[:32], at=now))
    await journal(PhysicalEvent(action=f"shipment.{action}", outcome=outcome, tenant_id=row["tenant_id"],
                                actor=actor, objects={"shipment_id": str(row["id"]), **(objects or {})},
                                detail=detail[:500], pii=pii))


async def _require_active(tenant_id: UUID) -> None:
    status = await Tenant.select(Tenant.status).where(Tenant.id == tenant_id).first()
    if status is None or status["status"] != TenantStatus.ACTIVE:
        raise Conflict("shipments can only be announced or requested while the tenant is active")


async def announce_inbound(
    *, principal: Principal, data: InboundCreate, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None,
) -> ShipmentRead:
    """`data.deliver_to` must already name one of the tenant's own racks as `rack:<id>` (the API
    resolves it against the plant read model, which this package may not import)."""
    moment = now or now_utc()
    tenant_id = tenant_for_write(principal, None)
    await _require_active(tenant_id)
    carrier = validation.plain_text(data.carrier, field="carrier")
    numbers = [normalise(n) for n in data.tracking_numbers]
    for position, number in enumerate(numbers):
        if number in numbers[:position]:
            raise ValidationFailed(f"tracking_numbers[{position}]", "this tracking number is already listed")
    today = moment.date()
    if data.expected_on < today - timedelta(days=1):
        raise ValidationFailed("expected_on", "must not be in the past")
    if data.expected_on > today + timedelta(days=MAX_LEAD_DAYS):
        raise ValidationFailed("expected_on", f"must be within {MAX_LEAD_DAYS} days")
    row = Shipment(
        id=uuid4(), tenant_id=tenant_id, direction=ShipmentDirection.INBOUND.value,
        status=ShipmentStatus.EXPECTED.value, announced=True, requested_by=principal.key_id, carrier=carrier,
        boxes=data.boxes, expected_on=data.expected_on, deliver_to=data.deliver_to,
        description=data.description.strip(), created_at=moment,
    )
    async with Shipment._meta.db.transaction():
        await Shipment.insert(row)
        await ShipmentTracking.insert(*[ShipmentTracking(id=uuid4(), shipment_id=row.id, tracking_number=n)
                                        for n in numbers])
    where = data.deliver_to or "hold at the dock"
    await record(row={"id": row.id, "tenant_id": tenant_id}, action="announced", actor=principal, journal=journal,
                 now=moment, detail=f"{carrier}, {data.boxes} box(es), expected {data.expected_on}, {where}")
    return await get_shipment(principal=principal, shipment_id=row.id, master_key=master_key, holding=holding)


async def request_outbound(
    *, principal: Principal, data: OutboundCreate, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None,
) -> ShipmentRead:
    moment = now or now_utc()
    tenant_id = tenant_for_write(principal, None)
    await _require_active(tenant_id)
    description = data.description.strip()
    if len(description) < 3:
        raise ValidationFailed("description", "say what leaves (at least 3 characters)")
    name = validation.plain_text(data.collector.name, field="collector.name")
    company = validation.plain_text(data.collector.company, field="collector.company")
    if data.collect_at.tzinfo is None:
        raise ValidationFailed("collect_at", "must include a time zone (e.g. 2026-12-01T10:00:00Z)")
    if data.collect_at < moment - PAST_TOLERANCE:
        raise ValidationFailed("collect_at", "must not be in the past")
    if data.collect_at > moment + timedelta(days=MAX_LEAD_DAYS):
        raise ValidationFailed("collect_at", f"must be within {MAX_LEAD_DAYS} days")
    row = Shipment(
        id=uuid4(), tenant_id=tenant_id, direction=ShipmentDirection.OUTBOUND.value,
        status=ShipmentStatus.REQUESTED.value, announced=True, requested_by=principal.key_id,
        boxes=data.boxes, description=description, collect_at=data.collect_at.astimezone(UTC),
        collector_name_ciphertext=await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id,
                                                           plaintext=name),
        collector_name_masked=mask(name, visible=3), collector_company=company, created_at=moment,
    )
    await Shipment.insert(row)
    await record(row={"id": row.id, "tenant_id": tenant_id}, action="requested", actor=principal, journal=journal,
                 now=moment, detail=f"{data.boxes} box(es) to be collected {row.collect_at:%Y-%m-%d %H:%M} UTC "
                 f"by {mask(name, visible=3)} ({company})")
    return await get_shipment(principal=principal, shipment_id=row.id, master_key=master_key, holding=holding)


async def shipment_row(principal: Principal, shipment_id: UUID) -> dict[str, Any]:
    return await select_one_or_404(Shipment, object_id=shipment_id, principal=principal, resource="shipment",
                                   tenant_column=Shipment.tenant_id)


async def _plain(master_key: bytes, tenant_id: UUID, ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return await decrypt_for_tenant(master_key=master_key, tenant_id=tenant_id, ciphertext=ciphertext)
    except TenantKeyErased:
        return ERASED


async def read_shipments(
    rows: Sequence[dict[str, Any]], *, master_key: bytes, holding: timedelta,
) -> list[ShipmentRead]:
    """Rows as the schema: tracking numbers and history in one query each, names decrypted."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    tracking: dict[UUID, list[str]] = {}
    for t in await ShipmentTracking.select().where(ShipmentTracking.shipment_id.is_in(ids)).order_by(
            ShipmentTracking.tracking_number):
        tracking.setdefault(t["shipment_id"], []).append(t["tracking_number"])
    history: dict[UUID, list[ShipmentEventRead]] = {}
    for e in await ShipmentEvent.select().where(ShipmentEvent.shipment_id.is_in(ids)).order_by(
            ShipmentEvent.at).order_by(ShipmentEvent.id):
        history.setdefault(e["shipment_id"], []).append(ShipmentEventRead.of(e))
    reads = []
    for row in rows:
        held = row["status"] in HELD_STATUSES and row["received_at"] is not None
        reads.append(ShipmentRead.of(
            row, tracking=tracking.get(row["id"], []), history=history.get(row["id"], []),
            collector_name=await _plain(master_key, row["tenant_id"], row["collector_name_ciphertext"]),
            taken_by_name=await _plain(master_key, row["tenant_id"], row["taken_by_name_ciphertext"]),
            held_until=row["received_at"] + holding if held else None,
        ))
    return reads


async def get_shipment(
    *, principal: Principal, shipment_id: UUID, master_key: bytes, holding: timedelta = HOLDING_PERIOD,
) -> ShipmentRead:
    row = await shipment_row(principal, shipment_id)
    return (await read_shipments([row], master_key=master_key, holding=holding))[0]


SHIPMENT_KEYS = Keyset("shipments", (datetime, UUID), descending=True)  # newest first


async def list_shipments(
    *, principal: Principal, master_key: bytes, page: PageRequest, direction: ShipmentDirection | None = None,
    status: ShipmentStatus | None = None, expected_on: date | None = None, holding: timedelta = HOLDING_PERIOD,
) -> PageResult[ShipmentRead]:
    """The caller's tenant's shipments (every tenant's for the dock, security and ops), newest first."""
    query = Shipment.select()
    if direction is not None:
        query = query.where(Shipment.direction == direction.value)
    if status is not None:
        query = query.where(Shipment.status == status.value)
    if expected_on is not None:
        query = query.where(Shipment.expected_on == expected_on)
    rows = await select_page(scoped(query, principal=principal, column=Shipment.tenant_id),
                             columns=(Shipment.created_at, Shipment.id), keyset=SHIPMENT_KEYS, page=page)
    reads = await read_shipments(rows.items, master_key=master_key, holding=holding)
    return PageResult(reads, rows.next_key, rows.keyset)


async def cancel_shipment(
    *, principal: Principal, shipment_id: UUID, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None,
) -> ShipmentRead:
    """The tenant withdraws an announcement not yet at the dock, or an outbound request not yet
    handed over."""
    moment = now or now_utc()
    row = await shipment_row(principal, shipment_id)
    allowed = CANCELLABLE[ShipmentDirection(row["direction"])]
    changed = await Shipment.update({Shipment.status: ShipmentStatus.CANCELLED.value,
                                     Shipment.completed_at: moment}).where(
        (Shipment.id == shipment_id) & Shipment.status.is_in(list(allowed))).returning(Shipment.id)
    if not changed:
        raise Conflict(f"the shipment is {row['status']} and can no longer be cancelled")
    await record(row=row, action="cancelled", actor=principal, journal=journal, now=moment,
                 detail="cancelled by the tenant")
    return await get_shipment(principal=principal, shipment_id=shipment_id, master_key=master_key, holding=holding)


async def monthly_tally(*, tenant_id: UUID, start: datetime, end: datetime) -> ShipmentTally:
    """The tenant's shipments handled in [start, end): deliveries received at the dock (of which
    unannounced) and outbound shipments handed over. For the monthly service report."""
    inbound = (Shipment.tenant_id == tenant_id) & (Shipment.direction == ShipmentDirection.INBOUND.value) & (
        Shipment.received_at >= start) & (Shipment.received_at < end)
    received = await Shipment.count().where(inbound)
    unannounced = await Shipment.count().where(inbound & Shipment.announced.eq(False))
    handed = await Shipment.count().where(
        (Shipment.tenant_id == tenant_id) & (Shipment.direction == ShipmentDirection.OUTBOUND.value)
        & (Shipment.status == ShipmentStatus.HANDED_OVER.value) & (Shipment.completed_at >= start)
        & (Shipment.completed_at < end))
    return ShipmentTally(inbound_received=received, inbound_unannounced=unannounced, outbound_handed_over=handed)

