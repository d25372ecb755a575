"""The loading dock: receive deliveries by tracking number, store them, deliver them to the
tenant's rack or cage or hand them over, and let approved outbound equipment leave.

A scanned tracking number is matched to an announcement (any of its numbers); a delivery nobody
announced is registered for the tenant the dock names, marked `announced: false` in the tenant's
list, and the tenant's administrators are told by e-mail (`tell`: the wording in
siteaccess/notices.py, mailed by accounts/notices.py as api/notices.py wires it when SMTP is
configured; `no_mail` otherwise). A handover — inbound collected at the dock, or outbound
equipment leaving — names who took it, kept like a visitor's identity (ciphertext under the
tenant's key plus a mask) and written to the access log as a physical event, as a gate check-in
is. Outbound equipment leaves only on an approved request: any other attempt is refused and
recorded. Deliveries held at the dock past the holding period remind the tenant (a history
entry, and an e-mail to its administrators through the same `tell`) and raise one alert each,
read by ops and security (`sweep_held`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Principal
from colo.pii import encrypt_for_tenant, mask
from siteaccess.alerts import raise_alert
from siteaccess.journal import Journal
from siteaccess.notices import Tell, held_too_long, no_mail, unannounced
from siteaccess.shipment_schemas import Handover, Receipt, ShipmentRead, Storage
from siteaccess.shipments import HOLDING_PERIOD, get_shipment, normalise, now_utc, record, shipment_row
from siteaccess.status import HELD_STATUSES, AlertKind, ShipmentDirection, ShipmentStatus
from siteaccess.tables import Shipment, ShipmentTracking
from tenants import validation
from tenants.tables import Tenant


async def _move(row: dict[str, Any], *, allowed: Sequence[str], values: dict[Any, Any], what: str) -> None:
    """Change the shipment's state if it is still in one of `allowed` (a concurrent change loses)."""
    changed = await Shipment.update(values).where(
        (Shipment.id == row["id"]) & Shipment.status.is_in(list(allowed))).returning(Shipment.id)
    if not changed:
        current = await Shipment.select(Shipment.status).where(Shipment.id == row["id"]).first()
        status = current["status"] if current else row["status"]
        raise Conflict(f"the shipment is {status}; it cannot be {what}")


async def _expected_with(number: str) -> list[dict[str, Any]]:
    ids = [t["shipment_id"] for t in await ShipmentTracking.select(ShipmentTracking.shipment_id).where(
        ShipmentTracking.tracking_number == number)]
    if not ids:
        return []
    return await Shipment.select().where(Shipment.id.is_in(ids) & (
        Shipment.direction == ShipmentDirection.INBOUND.value))


async def receive(
    *, principal: Principal, data: Receipt, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None, tell: Tell = no_mail,
) -> ShipmentRead:
    """Take a delivery in by tracking number: the matching announcement, or — with `tenant_id`
    — a new unannounced shipment of that tenant, whose administrators are told (`tell`)."""
    moment = now or now_utc()
    number = normalise(data.tracking_number)
    known = await _expected_with(number)
    if data.tenant_id is not None:
        known = [r for r in known if r["tenant_id"] == data.tenant_id]
    if any(r["status"] in HELD_STATUSES for r in known):
        raise Conflict(f"a shipment with tracking number {number} is already at the dock", field="tracking_number")
    expected = [r for r in known if r["status"] == ShipmentStatus.EXPECTED]
    if len(expected) > 1:
        raise ValidationFailed("tenant_id", "several tenants announced this tracking number; name the tenant")
    carrier = validation.plain_text(data.carrier, field="carrier") if data.carrier.strip() else ""
    if expected:
        row = expected[0]
        values: dict[Any, Any] = {Shipment.status: ShipmentStatus.RECEIVED.value, Shipment.received_at: moment}
        detail = f"matched on tracking number {number}"
        if data.boxes is not None and data.boxes != row["boxes"]:
            detail += f"; {data.boxes} box(es) arrived, {row['boxes']} announced"
        await _move(row, allowed=(ShipmentStatus.EXPECTED.value,), values=values, what="received")
    else:
        if data.tenant_id is None:
            raise ValidationFailed("tenant_id", f"no announcement carries tracking number {number}; name the "
                                   "tenant to register it as unannounced")
        if not await Tenant.exists().where(Tenant.id == data.tenant_id):
            raise NotFound("tenant", data.tenant_id, field="tenant_id")
        row = await _register_unannounced(principal, data, number=number, carrier=carrier, now=moment)
        detail = f"unannounced delivery, tracking number {number}, assigned to the tenant by the dock"
    await record(row=row, action="received", actor=principal, journal=journal, now=moment, detail=detail,
                 objects={"tracking_number": number})
    if not expected:
        await tell(row["tenant_id"], unannounced(tracking=number, boxes=data.boxes or 1))
    return await get_shipment(principal=principal, shipment_id=row["id"], master_key=master_key, holding=holding)


async def _register_unannounced(
    principal: Principal, data: Receipt, *, number: str, carrier: str, now: datetime,
) -> dict[str, Any]:
    assert data.tenant_id is not None
    row = Shipment(
        id=uuid4(), tenant_id=data.tenant_id, direction=ShipmentDirection.INBOUND.value,
        status=ShipmentStatus.RECEIVED.value, announced=False, requested_by=principal.key_id, carrier=carrier,
        boxes=data.boxes or 1, received_at=now, created_at=now,
    )
    async with Shipment._meta.db.transaction():
        await Shipment.insert(row)
        await ShipmentTracking.insert(ShipmentTracking(id=uuid4(), shipment_id=row.id, tracking_number=number))
    return {"id": row.id, "tenant_id": row.tenant_id, "status": row.status}


async def store(
    *, principal: Principal, shipment_id: UUID, data: Storage, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None,
) -> ShipmentRead:
    """Put a received delivery on a dock shelf (or move it to another)."""
    moment = now or now_utc()
    row = await shipment_row(principal, shipment_id)
    location = validation.plain_text(data.location, field="location")
    await _move(row, allowed=HELD_STATUSES, what="stored",
                values={Shipment.status: ShipmentStatus.STORED.value, Shipment.location: location})
    await record(row=row, action="stored", actor=principal, journal=journal, now=moment, detail=location)
    return await get_shipment(principal=principal, shipment_id=shipment_id, master_key=master_key, holding=holding)


async def deliver(
    *, principal: Principal, shipment_id: UUID, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None,
) -> ShipmentRead:
    """Take a delivery to the rack or cage its announcement names."""
    moment = now or now_utc()
    row = await shipment_row(principal, shipment_id)
    if row["deliver_to"] is None:
        raise Conflict("this shipment is held at the dock for collection: hand it over instead")
    await _move(row, allowed=HELD_STATUSES, what="delivered",
                values={Shipment.status: ShipmentStatus.DELIVERED_TO_CAGE.value, Shipment.completed_at: moment})
    await record(row=row, action="delivered_to_cage", actor=principal, journal=journal, now=moment,
                 detail=f"to {row['deliver_to']}",
                 objects={"area": row["deliver_to"]})
    return await get_shipment(principal=principal, shipment_id=shipment_id, master_key=master_key, holding=holding)


async def hand_over(
    *, principal: Principal, shipment_id: UUID, data: Handover, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None,
) -> ShipmentRead:
    """Someone takes the shipment at the dock: an inbound delivery is collected, or approved
    outbound equipment leaves. Anything else is refused, and the refusal recorded."""
    moment = now or now_utc()
    row = await shipment_row(principal, shipment_id)
    name = validation.plain_text(data.name, field="name")
    company = validation.plain_text(data.company, field="company")
    id_number = validation.plain_text(data.id_number, field="id_number")
    inbound = row["direction"] == ShipmentDirection.INBOUND
    if not inbound and row["status"] != ShipmentStatus.APPROVED:
        reason = f"the outbound request is {row['status']}; equipment leaves only with an approved request"
        await record(row=row, action="handover_refused", actor=principal, journal=journal, now=moment,
                     outcome="refused", detail=reason)
        raise Conflict(reason)
    tenant_id = row["tenant_id"]
    person = json.dumps({"name": name, "company": company, "id_document_type": data.id_document_type.value,
                         "id_number": id_number}, sort_keys=True)
    status = ShipmentStatus.COLLECTED if inbound else ShipmentStatus.HANDED_OVER
    allowed = HELD_STATUSES if inbound else (ShipmentStatus.APPROVED.value,)
    await _move(row, allowed=allowed, what="handed over", values={
        Shipment.status: status.value, Shipment.completed_at: moment,
        Shipment.taken_by_name_ciphertext: await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id,
                                                                    plaintext=name),
        Shipment.taken_by_name_masked: mask(name, visible=3), Shipment.taken_by_company: company,
        Shipment.taken_by_id_document_type: data.id_document_type.value,
        Shipment.taken_by_id_number_ciphertext: await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id,
                                                                         plaintext=id_number),
        Shipment.taken_by_id_number_masked: mask(id_number),
    })
    await record(row=row, action=status.value, actor=principal, journal=journal, now=moment,
                 detail=f"taken by {mask(name, visible=3)} ({company}), {data.id_document_type.value} "
                 f"{mask(id_number)}",
                 pii=await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id, plaintext=person))
    return await get_shipment(principal=principal, shipment_id=shipment_id, master_key=master_key, holding=holding)


async def decide(
    *, principal: Principal, shipment_id: UUID, approve: bool, reason: str, journal: Journal, master_key: bytes,
    holding: timedelta = HOLDING_PERIOD, now: datetime | None = None,
) -> ShipmentRead:
    """Security or ops let requested outbound equipment leave, or refuse it, with a reason."""
    moment = now or now_utc()
    row = await shipment_row(principal, shipment_id)
    if row["direction"] != ShipmentDirection.OUTBOUND:
        raise Conflict("only outbound shipments are approved or refused")
    status = ShipmentStatus.APPROVED if approve else ShipmentStatus.REFUSED
    values: dict[Any, Any] = {Shipment.status: status.value, Shipment.decided_by: principal.key_id,
                              Shipment.decision_reason: reason.strip()[:500]}
    if not approve:
        values[Shipment.completed_at] = moment
    await _move(row, allowed=(ShipmentStatus.REQUESTED.value,), values=values,
                what="approved" if approve else "refused")
    await record(row=row, action=status.value, actor=principal, journal=journal, now=moment, detail=reason.strip())
    return await get_shipment(principal=principal, shipment_id=shipment_id, master_key=master_key, holding=holding)


async def sweep_held(
    *, journal: Journal, now: datetime | None = None, holding: timedelta = HOLDING_PERIOD, tell: Tell = no_mail,
) -> int:
    """Deliveries at the dock longer than the holding period: one alert each (for ops and
    security), a reminder in the shipment's history and to its administrators (`tell`) for the
    tenant. Returns alerts created."""
    moment = now or now_utc()
    rows = await Shipment.select().where(Shipment.status.is_in(list(HELD_STATUSES))
                                         & (Shipment.received_at < moment - holding))
    created = 0
    for row in rows:
        days = (moment - row["received_at"]).days
        if not await raise_alert(
            kind=AlertKind.SHIPMENT_HELD_TOO_LONG, dedup_key=f"held:{row['id']}", tenant_id=row["tenant_id"],
            now=moment, detail=f"shipment {row['id']} has been at the dock {days} day(s), past the holding "
            f"period of {holding.days} day(s)" + (f" (shelf {row['location']})" if row["location"] else ""),
        ):
            continue
        created += 1
        await record(row=row, action="reminder", actor=None, journal=journal, now=moment,
                     detail=f"at the dock for {days} day(s), past the holding period of {holding.days} day(s): "
                     "please arrange collection or delivery")
        numbers = await ShipmentTracking.select(ShipmentTracking.tracking_number).where(
            ShipmentTracking.shipment_id == row["id"])
        await tell(row["tenant_id"], held_too_long(tracking=", ".join(n["tracking_number"] for n in numbers),
                                                   days=days, holding=holding.days))
    return created

