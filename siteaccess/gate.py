"""The gate: check-in and check-out by badge (or visitor id). A check-in outside the visit's
window, with an expired badge or for a visit that is not approved is refused — and the
refusal is recorded (gate event, access-log entry, alert) before the caller hears about it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Principal
from colo.outbox import EventType, VisitorMoved, record_event
from colo.pii import TenantKeyErased, decrypt_for_tenant, encrypt_for_tenant
from siteaccess.alerts import alert_on_refusal_bursts, bucket, raise_alert
from siteaccess.journal import Journal, PhysicalEvent
from siteaccess.schemas import GateAction, GateResult, GateScan
from siteaccess.status import AlertKind, BadgeStatus, VisitStatus
from siteaccess.tables import GateEvent, Visit, Visitor


class GateRefused(Conflict):
    """The gate said no; `reason` is what the gate shows, `alert_kind` what security sees."""

    def __init__(self, reason: str, *, alert_kind: AlertKind | None = None) -> None:
        super().__init__(f"refused: {reason}", reason=reason)
        self.reason = reason
        self.alert_kind = alert_kind


async def _find(scan: GateScan) -> dict[str, Any] | None:
    if (scan.badge is None) == (scan.visitor_id is None):
        raise ValidationFailed("badge", "give exactly one of badge or visitor_id")
    where = Visitor.badge_number == scan.badge if scan.badge is not None else Visitor.id == scan.visitor_id
    return await Visitor.select().where(where).first()


def _check_in_refusal(visit: dict[str, Any], visitor: dict[str, Any], now: datetime) -> GateRefused | None:
    expires = visitor["badge_expires_at"]
    if visitor["badge_status"] == BadgeStatus.EXPIRED or (expires is not None and expires <= now):
        return GateRefused("the badge has expired", alert_kind=AlertKind.BADGE_EXPIRED)
    if visit["status"] != VisitStatus.APPROVED or visitor["badge_status"] != BadgeStatus.ISSUED:
        return GateRefused(f"the visit is {visit['status']}, not approved", alert_kind=AlertKind.NOT_APPROVED)
    if now < visit["starts_at"] or now > visit["ends_at"]:
        return GateRefused("outside the visit's time window", alert_kind=AlertKind.OUT_OF_WINDOW)
    if visitor["on_site"]:
        return GateRefused("already checked in")
    return None


async def _refuse(
    refusal: GateRefused, *, principal: Principal, journal: Journal, now: datetime, action: str,
    visitor: dict[str, Any] | None, visit: dict[str, Any] | None, scan: GateScan,
) -> GateRefused:
    visitor_id: UUID | None = visitor["id"] if visitor else None
    visit_id: UUID | None = visit["id"] if visit else None
    tenant_id: UUID | None = visitor["tenant_id"] if visitor else None
    await GateEvent.insert(GateEvent(id=uuid4(), visitor_id=visitor_id, visit_id=visit_id, tenant_id=tenant_id,
                                     kind="refused", reason=refusal.reason[:200], gate_key_id=principal.key_id,
                                     at=now))
    objects = {k: str(v) for k, v in (("visit_id", visit_id), ("visitor_id", visitor_id)) if v is not None}
    if scan.badge is not None:
        objects["badge"] = scan.badge
    await journal(PhysicalEvent(action="gate.refused", outcome="refused", tenant_id=tenant_id, actor=principal,
                                objects=objects, detail=f"{action}: {refusal.reason}"))
    if refusal.alert_kind is not None:
        # One alert per kind, visitor (or badge) and hour: repeated attempts feed the burst alert.
        subject = visitor_id or scan.badge or scan.visitor_id
        dedup = f"{refusal.alert_kind}:{subject}:{bucket(now, timedelta(hours=1))}"
        await raise_alert(kind=refusal.alert_kind, dedup_key=dedup, tenant_id=tenant_id,
                          visit_id=visit_id, visitor_id=visitor_id, now=now,
                          detail=f"{action} refused at the gate: {refusal.reason}")
    await alert_on_refusal_bursts(visitor_id=visitor_id, now=now)
    return refusal


async def _tell(type: EventType, *, visit: dict[str, Any], visitor: dict[str, Any], moment: datetime) -> None:
    """The visit's tenant learns its visitor came or left (by id: no name leaves the gate)."""
    await record_event(type=type, tenant_id=visit["tenant_id"], now=moment,
                       payload=VisitorMoved(visit_id=visit["id"], visitor_id=visitor["id"], at=moment))


async def check_in(
    *, principal: Principal, scan: GateScan, journal: Journal, master_key: bytes, now: datetime | None = None,
) -> GateResult:
    moment = now or datetime.now(UTC)
    visitor = await _find(scan)
    if visitor is None:
        await _refuse(GateRefused("unknown badge", alert_kind=AlertKind.UNKNOWN_BADGE), principal=principal,
                      journal=journal, now=moment, action="check-in", visitor=None, visit=None, scan=scan)
        raise NotFound("visitor", scan.badge or scan.visitor_id)
    visit = await Visit.select().where(Visit.id == visitor["visit_id"]).first()
    assert visit is not None
    refusal = _check_in_refusal(visit, visitor, moment)
    if refusal is None:
        async with Visitor._meta.db.transaction():
            changed = await Visitor.update({Visitor.on_site: True, Visitor.checked_in_at: moment,
                                            Visitor.checked_out_at: None}).where(
                (Visitor.id == visitor["id"]) & Visitor.on_site.eq(False)).returning(Visitor.id)
            if changed:
                await _tell(EventType.VISITOR_CHECKED_IN, visit=visit, visitor=visitor, moment=moment)
        if not changed:  # a second gate checked the same badge in a moment ago
            refusal = GateRefused("already checked in")
    if refusal is not None:
        raise await _refuse(refusal, principal=principal, journal=journal, now=moment, action="check-in",
                            visitor=visitor, visit=visit, scan=scan)
    return await _accepted("check_in", principal=principal, journal=journal, now=moment, visitor=visitor, visit=visit,
                           master_key=master_key)


async def check_out(
    *, principal: Principal, scan: GateScan, journal: Journal, master_key: bytes, now: datetime | None = None,
) -> GateResult:
    moment = now or datetime.now(UTC)
    visitor = await _find(scan)
    if visitor is None:
        raise NotFound("visitor", scan.badge or scan.visitor_id)
    visit = await Visit.select().where(Visit.id == visitor["visit_id"]).first()
    assert visit is not None
    async with Visitor._meta.db.transaction():
        changed = await Visitor.update({Visitor.on_site: False, Visitor.checked_out_at: moment}).where(
            (Visitor.id == visitor["id"]) & Visitor.on_site.eq(True)).returning(Visitor.id)
        if changed:
            await _tell(EventType.VISITOR_CHECKED_OUT, visit=visit, visitor=visitor, moment=moment)
    if not changed:
        raise await _refuse(GateRefused("not checked in"), principal=principal, journal=journal, now=moment,
                            action="check-out", visitor=visitor, visit=visit, scan=scan)
    return await _accepted("check_out", principal=principal, journal=journal, now=moment, visitor=visitor,
                           visit=visit, master_key=master_key)


async def _visitor_pii(master_key: bytes, visitor: dict[str, Any]) -> str | None:
    """Who passed the gate, as ciphertext under the tenant's key for the access log: the log is
    evidence on its own, and erasing the tenant still erases the person from it."""
    tenant_id = visitor["tenant_id"]
    try:
        name = await decrypt_for_tenant(master_key=master_key, tenant_id=tenant_id,
                                        ciphertext=visitor["name_ciphertext"])
        id_number = ""
        if visitor["id_number_ciphertext"]:
            id_number = await decrypt_for_tenant(master_key=master_key, tenant_id=tenant_id,
                                                 ciphertext=visitor["id_number_ciphertext"])
    except TenantKeyErased:
        return None
    document = json.dumps({"name": name, "company": visitor["company"],
                           "id_document_type": visitor["id_document_type"], "id_number": id_number},
                          sort_keys=True)
    return await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id, plaintext=document)


async def _accepted(
    action: GateAction, *, principal: Principal, journal: Journal, now: datetime, visitor: dict[str, Any],
    visit: dict[str, Any], master_key: bytes,
) -> GateResult:
    await GateEvent.insert(GateEvent(id=uuid4(), visitor_id=visitor["id"], visit_id=visit["id"],
                                     tenant_id=visitor["tenant_id"], kind=action, gate_key_id=principal.key_id,
                                     at=now))
    await journal(PhysicalEvent(
        action=f"gate.{action}", outcome="recorded", tenant_id=visitor["tenant_id"], actor=principal,
        objects={"visit_id": str(visit["id"]), "visitor_id": str(visitor["id"]),
                 **({"badge": visitor["badge_number"]} if visitor["badge_number"] else {})},
        detail="escort required" if visit["escort_required"] and action == "check_in" else None,
        pii=await _visitor_pii(master_key, visitor),
    ))
    return GateResult.of(action, visitor=visitor, visit=visit, at=now)
