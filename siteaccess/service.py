"""Visit requests and security's decisions.

Tenants request visits for their own people (who must have site access) or for guests; the
window is at most 14 days. Security approves — every visitor gets a badge expiring at the end
of the window — or denies, with a reason. Every step is a physical event in the access log.
All reads are filtered by the caller's tenant in the query: another tenant's visit is "not found".
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Principal
from colo.outbox import EventType, VisitDecided, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
from colo.pii import ERASED, TenantKeyErased, decrypt_for_tenant, encrypt_for_tenant, mask
from siteaccess.journal import Journal, PhysicalEvent
from siteaccess.schemas import VisitCreate, VisitorRead, VisitRead
from siteaccess.status import OPEN_STATUSES, BadgeStatus, VisitStatus
from siteaccess.tables import Visit, Visitor
from tenants import validation
from tenants.people import visitor_identity
from tenants.scope import scoped, select_one_or_404, tenant_for_write
from tenants.status import TenantStatus
from tenants.tables import Tenant

MAX_WINDOW = timedelta(days=14)
MAX_LEAD_TIME = timedelta(days=180)
PAST_TOLERANCE = timedelta(minutes=15)


def now_utc() -> datetime:
    return datetime.now(UTC)


def new_badge_number() -> str:
    return "B-" + base64.b32encode(os.urandom(10)).decode()[:10]


def _check_window(data: VisitCreate, now: datetime) -> tuple[datetime, datetime]:
    starts, ends = data.starts_at, data.ends_at
    if starts.tzinfo is None:
        raise ValidationFailed("starts_at", "must include a time zone (e.g. 2026-12-01T08:00:00Z)")
    if ends.tzinfo is None:
        raise ValidationFailed("ends_at", "must include a time zone (e.g. 2026-12-01T18:00:00Z)")
    if ends <= starts:
        raise ValidationFailed("ends_at", "must be after starts_at")
    if ends - starts > MAX_WINDOW:
        raise ValidationFailed("ends_at", "a visit lasts at most 14 days")
    if starts < now - PAST_TOLERANCE:
        raise ValidationFailed("starts_at", "must not be in the past")
    if starts > now + MAX_LEAD_TIME:
        raise ValidationFailed("starts_at", "must be within 180 days")
    return starts.astimezone(UTC), ends.astimezone(UTC)


async def _visitor_rows(
    *, principal: Principal, master_key: bytes, tenant_id: UUID, visit_id: UUID, data: VisitCreate,
) -> list[Visitor]:
    rows: list[Visitor] = []
    seen_people: set[UUID] = set()
    for position, visitor in enumerate(data.visitors):
        field = f"visitors[{position}]"
        if (visitor.person_id is None) == (visitor.guest is None):
            raise ValidationFailed(field, "give exactly one of person_id or guest")
        if visitor.person_id is not None:
            if visitor.person_id in seen_people:
                raise ValidationFailed(f"{field}.person_id", "this person is already on the visit")
            seen_people.add(visitor.person_id)
            try:
                person = await visitor_identity(principal=principal, person_id=visitor.person_id)
            except NotFound:
                raise ValidationFailed(f"{field}.person_id", "no such person in your tenant") from None
            if not person.site_access:
                raise ValidationFailed(f"{field}.person_id", "this person has no site access")
            name, company = person.name, ""
            doc_type, id_ct, id_masked = person.id_document_type, person.id_number_ciphertext, person.id_number_masked
        else:
            guest = visitor.guest
            assert guest is not None
            name = validation.plain_text(guest.name, field=f"{field}.guest.name")
            company = validation.plain_text(guest.company, field=f"{field}.guest.company")
            doc_type = guest.id_document_type.value
            id_ct = await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id, plaintext=guest.id_number)
            id_masked = mask(guest.id_number)
        rows.append(Visitor(
            id=uuid4(), visit_id=visit_id, tenant_id=tenant_id, person_id=visitor.person_id,
            name_ciphertext=await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id, plaintext=name),
            name_masked=mask(name, visible=3), company=company, id_document_type=doc_type,
            id_number_ciphertext=id_ct, id_number_masked=id_masked,
        ))
    return rows


async def _require_active(tenant_id: UUID) -> None:
    row = await Tenant.select(Tenant.status).where(Tenant.id == tenant_id).first()
    if row is None or row["status"] != TenantStatus.ACTIVE:
        raise Conflict("visits can only be requested while the tenant is active")


async def request_visit(
    *, principal: Principal, master_key: bytes, data: VisitCreate, journal: Journal,
    now: datetime | None = None,
) -> VisitRead:
    tenant_id = tenant_for_write(principal, None)
    await _require_active(tenant_id)
    starts, ends = _check_window(data, now or now_utc())
    visit_id = uuid4()
    visitors = await _visitor_rows(principal=principal, master_key=master_key, tenant_id=tenant_id,
                                   visit_id=visit_id, data=data)
    visit = Visit(
        id=visit_id, tenant_id=tenant_id, requested_by=principal.key_id, starts_at=starts, ends_at=ends,
        areas=json.dumps(sorted(set(data.areas))), escort_required=data.escort_required,
        purpose=data.purpose.strip(), status=VisitStatus.PENDING.value, created_at=now_utc(),
    )
    async with Visit._meta.db.transaction():  # the visit and all its visitors, or nothing
        await Visit.insert(visit)
        await Visitor.insert(*visitors)
    await journal(PhysicalEvent(
        action="visit.requested", outcome="recorded", tenant_id=tenant_id, actor=principal,
        objects={"visit_id": str(visit_id)}, detail=f"{len(visitors)} visitor(s), {starts:%Y-%m-%d %H:%M} to "
        f"{ends:%Y-%m-%d %H:%M} UTC, areas {', '.join(sorted(set(data.areas)))}",
    ))
    return await get_visit(principal=principal, visit_id=visit_id, master_key=master_key)


async def _visit_row(principal: Principal, visit_id: UUID) -> dict[str, Any]:
    return await select_one_or_404(Visit, object_id=visit_id, principal=principal, resource="visit",
                                   tenant_column=Visit.tenant_id)


async def _name(master_key: bytes, row: dict[str, Any]) -> str:
    try:
        return await decrypt_for_tenant(master_key=master_key, tenant_id=row["tenant_id"],
                                        ciphertext=row["name_ciphertext"])
    except TenantKeyErased:
        return ERASED


async def _read_visit(row: dict[str, Any], visitors: list[dict[str, Any]], master_key: bytes) -> VisitRead:
    """A visit row and its visitors' rows as the schema (names decrypted under the tenant's key)."""
    return VisitRead.of(row, visitors=[VisitorRead.of(v, name=await _name(master_key, v)) for v in visitors])


async def get_visit(*, principal: Principal, visit_id: UUID, master_key: bytes) -> VisitRead:
    row = await _visit_row(principal, visit_id)
    visitors = await Visitor.select().where(Visitor.visit_id == visit_id).order_by(Visitor.name_masked)
    return await _read_visit(row, visitors, master_key)


VISIT_KEYS = Keyset("visits", (datetime, UUID), descending=True)  # latest start first


async def list_visits(
    *, principal: Principal, master_key: bytes, status: VisitStatus | None = None, page: PageRequest,
) -> PageResult[VisitRead]:
    query = Visit.select()
    if status is not None:
        query = query.where(Visit.status == status)
    rows = await select_page(scoped(query, principal=principal, column=Visit.tenant_id),
                             columns=(Visit.starts_at, Visit.id), keyset=VISIT_KEYS, page=page)
    ids = [r["id"] for r in rows.items]
    visitors = await Visitor.select().where(Visitor.visit_id.is_in(ids)) if ids else []  # an empty page: no query
    by_visit: dict[UUID, list[dict[str, Any]]] = {}
    for visitor in visitors:
        by_visit.setdefault(visitor["visit_id"], []).append(visitor)
    reads = [await _read_visit(r, by_visit.get(r["id"], []), master_key) for r in rows.items]
    return PageResult(reads, rows.next_key, rows.keyset)


SIGNATURE_REQUIRED = "this facility requires visit approvals signed with the approver's certificate"


async def decide_visit(
    *, principal: Principal, visit_id: UUID, approve: bool, reason: str, master_key: bytes, journal: Journal,
    require_signature: bool, signer_sha256: str = "", now: datetime | None = None,
) -> VisitRead:
    """Security approves (badges issued, expiring at the window's end) or denies, with a reason.
    Where approvals must be signed (COLO_SIGNED_APPROVALS=visits) an approval carries the
    approver's certificate fingerprint (`signer_sha256`, checked by siteaccess.approvals)."""
    moment = now or now_utc()
    if approve and require_signature and not signer_sha256:
        raise Conflict(f"{SIGNATURE_REQUIRED}: download GET /v1/visits/{{visit_id}}/approval-pdf, sign it and "
                       "upload it to POST /v1/visits/{visit_id}/approve-signed")
    row = await _visit_row(principal, visit_id)
    if row["status"] != VisitStatus.PENDING:
        raise Conflict(f"the visit is {row['status']}; only pending visits can be decided")
    if approve and row["ends_at"] <= moment:
        raise Conflict("the visit's window has already ended")
    status = (VisitStatus.APPROVED if approve else VisitStatus.DENIED).value
    visitors = await Visitor.select(Visitor.id).where(Visitor.visit_id == visit_id)
    badges = {v["id"]: new_badge_number() for v in visitors} if approve else {}
    async with Visit._meta.db.transaction():
        changed = await Visit.update({
            Visit.status: status, Visit.decided_by: principal.key_id, Visit.decided_at: moment,
            Visit.decision_reason: reason.strip(), Visit.approval_signer_sha256: signer_sha256,
        }).where((Visit.id == visit_id) & (Visit.status == VisitStatus.PENDING.value)).returning(Visit.id)
        if not changed:  # someone else decided first
            raise Conflict("the visit was decided concurrently")
        for visitor_id, badge in badges.items():
            await Visitor.update({
                Visitor.badge_number: badge, Visitor.badge_expires_at: row["ends_at"],
                Visitor.badge_status: BadgeStatus.ISSUED.value,
            }).where(Visitor.id == visitor_id)
        await record_event(type=EventType.VISIT_DECIDED, tenant_id=row["tenant_id"], now=moment,
                           payload=VisitDecided(visit_id=visit_id, status=status))
    objects = {"visit_id": str(visit_id)}
    signed = {"signer_certificate_sha256": signer_sha256} if signer_sha256 else {}
    await journal(PhysicalEvent(action=f"visit.{status}", outcome="recorded", tenant_id=row["tenant_id"],
                                actor=principal, objects={**objects, **signed}, detail=reason.strip()))
    for visitor_id, badge in badges.items():
        await journal(PhysicalEvent(
            action="badge.issued", outcome="recorded", tenant_id=row["tenant_id"], actor=principal,
            objects={**objects, "visitor_id": str(visitor_id), "badge": badge},
            detail=f"expires {row['ends_at']:%Y-%m-%d %H:%M} UTC",
        ))
    return await get_visit(principal=principal, visit_id=visit_id, master_key=master_key)


async def cancel_visit(
    *, principal: Principal, visit_id: UUID, master_key: bytes, journal: Journal, reason: str = "",
) -> VisitRead:
    """The tenant withdraws a visit that nobody has entered yet; its badges expire."""
    row = await _visit_row(principal, visit_id)
    if row["status"] not in OPEN_STATUSES:
        raise Conflict(f"the visit is {row['status']} and cannot be cancelled")
    if await Visitor.exists().where((Visitor.visit_id == visit_id) & (Visitor.checked_in_at.is_not_null())):
        raise Conflict("someone on this visit has already checked in")
    await expire_visit(visit_id=visit_id, tenant_id=row["tenant_id"], status=VisitStatus.CANCELLED, actor=principal,
                       reason=reason or "cancelled by the tenant", journal=journal)
    return await get_visit(principal=principal, visit_id=visit_id, master_key=master_key)


async def expire_visit(
    *, visit_id: UUID, tenant_id: UUID, status: VisitStatus, actor: Principal | None, reason: str,
    journal: Journal,
) -> None:
    """Close a visit (cancelled) and expire its issued badges, recording both."""
    moment = now_utc()
    async with Visit._meta.db.transaction():
        await Visit.update({Visit.status: status.value, Visit.decision_reason: reason[:500]}).where(
            Visit.id == visit_id)
        expired = await Visitor.update({
            Visitor.badge_status: BadgeStatus.EXPIRED.value, Visitor.badge_expires_at: moment}).where(
            (Visitor.visit_id == visit_id) & (Visitor.badge_status == BadgeStatus.ISSUED.value)
        ).returning(Visitor.id, Visitor.badge_number)
    await journal(PhysicalEvent(action=f"visit.{status.value}", outcome="recorded", tenant_id=tenant_id, actor=actor,
                                objects={"visit_id": str(visit_id)}, detail=reason[:500]))
    for badge in expired:
        await journal(PhysicalEvent(
            action="badge.expired", outcome="recorded", tenant_id=tenant_id, actor=actor,
            objects={"visit_id": str(visit_id), "visitor_id": str(badge["id"]), "badge": badge["badge_number"]},
            detail=reason[:500],
        ))
