"""Applications: a company applies, ops review, the applicant follows with a tracking secret.

submitted → action_required ⇄ submitted → approved | rejected. The application id becomes the
tenant id, so the contacts (encrypted under that id's data key from the start) are erased with
the tenant, and approving twice finds the same tenant. The first tenant-admin key is minted when
the applicant collects it — exactly once — so no plaintext key ever waits in the database.

The service answers schemas: the applicant sees `ApplicationStatus`, ops `ApplicationRead`
(contacts decrypted here, the one place that holds the master key for them). The tracking digest
never leaves this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from colo.crypto import constant_time_equal, hmac_sha256
from colo.db import violates_unique
from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Principal, Role
from colo.logging import get_logger
from colo.paging import Keyset, PageRequest, PageResult, select_page
from colo.pii import ERASED, TenantKeyErased, decrypt_for_tenant, encrypt_for_tenant, erase_tenant_key
from tenants import validation
from tenants.adoption import NetBoxTenancy, existing_netbox_tenant, refuse_name_clash
from tenants.keyformat import random_secret
from tenants.keys import KeyRing, issue_key
from tenants.lifecycle import NetBoxLinker, provision_tenant
from tenants.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationSummary,
    ApprovalResult,
)
from tenants.schemas_keys import KeyIssued
from tenants.status import TenantStatus
from tenants.tables import Application, Tenant

log = get_logger(__name__)
TRACKING_PREFIX = "cat_"  # "colo application tracking"
LIVE = ("submitted", "action_required")


def _tracking_digest(pepper: bytes, application_id: UUID, secret: str) -> str:
    return hmac_sha256(pepper, b"application:" + application_id.bytes + secret.encode()).hex()


async def submit_application(
    *, data: ApplicationCreate, ring: KeyRing, master_key: bytes,
) -> ApplicationSubmitted:
    """Validate and store an application; the answer carries the tracking secret, shown once."""
    country = validation.country(data.country)
    number = validation.registration_number(data.registration_number, country_code=country)
    legal_name = validation.plain_text(data.legal_name, field="legal_name")
    details = {"address": msgspec.to_builtins(data.address)}
    for role in ("billing_contact", "technical_contact"):
        contact = getattr(data, role)
        details[role] = {
            "name": validation.plain_text(contact.name, field=f"{role}.name"),
            "email": validation.email(contact.email, field=f"{role}.email"),
            "phone": validation.phone(contact.phone, field=f"{role}.phone"),
        }
    for part in ("street", "postal_code", "city"):
        validation.plain_text(getattr(data.address, part), field=f"address.{part}")
    registration_key = f"{country}:{number}"
    await _refuse_duplicate(country, number, registration_key)

    services = sorted({s.value for s in data.services_of_interest})
    application_id = uuid4()
    secret = TRACKING_PREFIX + random_secret()
    now = datetime.now(UTC)
    try:
        async with Application._meta.db.transaction():
            ciphertext = await encrypt_for_tenant(master_key=master_key, tenant_id=application_id,
                                                  plaintext=json.dumps(details))
            await Application.insert(Application(
                id=application_id, legal_name=legal_name, registration_number=number, country=country,
                registration_key=registration_key, services=json.dumps(services),
                details_ciphertext=ciphertext, status="submitted",
                tracking_digest=_tracking_digest(ring.peppers[ring.current_id], application_id, secret),
                tracking_pepper_id=ring.current_id, created_at=now, updated_at=now,
            ))
    except Exception as exc:
        if violates_unique(exc, Application.registration_key):  # a concurrent submission for the same number won
            raise _duplicate() from None
        raise
    log.info("application submitted", application_id=str(application_id), country=country)
    return ApplicationSubmitted.of(await _get_row(application_id), tracking_secret=secret)


def _duplicate() -> Conflict:
    return Conflict("an application or tenant with this registration number already exists",
                    field="registration_number")


async def _refuse_duplicate(country: str, number: str, registration_key: str) -> None:
    if await Application.exists().where(Application.registration_key == registration_key):
        raise _duplicate()
    if await Tenant.exists().where(
        (Tenant.country == country) & (Tenant.registration_number == number)
        & (Tenant.status != TenantStatus.OFFBOARDED.value)
    ):
        raise _duplicate()


async def _get_row(application_id: UUID) -> dict[str, Any]:
    row = await Application.select().where(Application.id == application_id).first()
    if row is None:
        raise NotFound("application", application_id)
    return row


async def _read(row: dict[str, Any], master_key: bytes) -> ApplicationRead:
    return ApplicationRead.of(row, details=await _details(row, master_key=master_key))


# ------------------------------------------------------------------ the applicant's side


async def track(*, application_id: UUID, secret: str, ring: KeyRing) -> ApplicationStatus:
    """The application's status if the tracking secret matches; NotFound otherwise (same for missing)."""
    return ApplicationStatus.of(await _tracked_row(application_id, secret, ring))


async def _tracked_row(application_id: UUID, secret: str, ring: KeyRing) -> dict[str, Any]:
    row = await Application.select().where(Application.id == application_id).first()
    pepper = ring.peppers.get(row["tracking_pepper_id"]) if row else None
    if row is None or pepper is None or not constant_time_equal(
        _tracking_digest(pepper, application_id, secret).encode(), row["tracking_digest"].encode()
    ):
        raise NotFound("application", application_id)
    return row


async def answer_application(
    *, application_id: UUID, secret: str, ring: KeyRing, answer: str,
) -> ApplicationStatus:
    """The applicant answers ops' question; the application goes back to review."""
    await _tracked_row(application_id, secret, ring)
    text = validation.plain_text(answer, field="answer")
    changed = await Application.update({
        Application.applicant_answer: text, Application.status: "submitted",
        Application.updated_at: datetime.now(UTC),
    }).where((Application.id == application_id) & (Application.status == "action_required")).returning(
        Application.id)
    if not changed:
        raise Conflict("the application is not waiting for an answer")
    return ApplicationStatus.of(await _get_row(application_id))


async def _approved_row(application_id: UUID, secret: str, ring: KeyRing) -> dict[str, Any]:
    """The application behind a matching tracking secret, approved, with its tenant active."""
    row = await _tracked_row(application_id, secret, ring)
    if row["status"] != "approved" or row["tenant_id"] is None:
        raise Conflict("the application is not approved (yet)", current_status=row["status"])
    tenant = await Tenant.select(Tenant.status).where(Tenant.id == row["tenant_id"]).first()
    if tenant is None or tenant["status"] != TenantStatus.ACTIVE:
        raise Conflict("the tenant is not active", current_status=tenant["status"] if tenant else "missing")
    return row


async def collect_first_key(*, application_id: UUID, secret: str, ring: KeyRing) -> KeyIssued:
    """Mint the tenant's first tenant-admin key — once. A second collection answers Conflict."""
    row = await _approved_row(application_id, secret, ring)
    async with Application._meta.db.transaction():
        claimed = await Application.update({Application.key_collected_at: datetime.now(UTC)}).where(
            (Application.id == application_id) & Application.key_collected_at.is_null()
        ).returning(Application.id)
        if not claimed:
            raise Conflict("the first API key of this application was already collected")
        issued = await issue_key(ring=ring, name="first tenant admin key", role=Role.TENANT_ADMIN,
                                 tenant_id=row["tenant_id"], created_by=f"application:{application_id}")
    log.info("first tenant key collected", application_id=str(application_id), key_id=str(issued.key.id))
    return issued


@dataclass(frozen=True, slots=True)
class ApprovedApplicant:
    """An approved application's tenant and the technical contact it names."""

    tenant_id: UUID
    contact_name: str
    contact_email: str


async def approved_applicant(*, application_id: UUID, secret: str, ring: KeyRing,
                             master_key: bytes) -> ApprovedApplicant:
    """Who applied, proven by the tracking secret, once the application is approved and its tenant
    active: the person the company's first portal account is for (accounts/first_admin.py)."""
    row = await _approved_row(application_id, secret, ring)
    contact = (await _details(row, master_key=master_key))["technical_contact"]
    if contact["email"] == ERASED:
        raise Conflict("the application's contacts were erased")
    return ApprovedApplicant(tenant_id=row["tenant_id"], contact_name=str(contact["name"]),
                             contact_email=str(contact["email"]))


# ------------------------------------------------------------------ ops review


APPLICATION_KEYS = Keyset("applications", (datetime, UUID))  # oldest first: the review queue's order


async def list_applications(*, status: str | None = None, page: PageRequest) -> PageResult[ApplicationSummary]:
    query = Application.select()
    if status is not None:
        query = query.where(Application.status == status)
    rows = await select_page(query, columns=(Application.created_at, Application.id), keyset=APPLICATION_KEYS,
                             page=page)
    return rows.map(ApplicationSummary.of)


async def get_application(*, application_id: UUID, master_key: bytes) -> ApplicationRead:
    return await _read(await _get_row(application_id), master_key)


async def _details(row: dict[str, Any], *, master_key: bytes) -> dict[str, Any]:
    """Address and contacts as submitted, or `[erased]` in every field once crypto-erased."""
    try:
        text = await decrypt_for_tenant(master_key=master_key, tenant_id=row["id"],
                                        ciphertext=row["details_ciphertext"])
    except TenantKeyErased:
        erased = {"name": ERASED, "email": ERASED, "phone": ERASED}
        return {"address": {"street": ERASED, "postal_code": ERASED, "city": ERASED, "region": ERASED},
                "billing_contact": erased, "technical_contact": erased}
    details: dict[str, Any] = json.loads(text)  # the JSON object the application was stored with
    return details


async def _review(application_id: UUID, *, to: str, reason: str, allowed_from: tuple[str, ...],
                  extra: dict[Any, Any] | None = None) -> dict[str, Any]:
    row = await _get_row(application_id)
    if row["status"] not in allowed_from:
        raise Conflict(f"a {row['status']} application cannot become {to}", current_status=row["status"])
    values = {Application.status: to, Application.review_reason: validation.plain_text(reason, field="reason"),
              Application.updated_at: datetime.now(UTC), **(extra or {})}
    changed = await Application.update(values).where(
        (Application.id == application_id) & (Application.status == row["status"])
    ).returning(Application.id)
    if not changed:
        raise Conflict("the application changed concurrently; retry")
    return await _get_row(application_id)


async def reject_application(
    *, principal: Principal, application_id: UUID, reason: str, master_key: bytes,
) -> ApplicationRead:
    # Freeing the registration key lets the company apply again later.
    row = await _review(application_id, to="rejected", reason=reason, allowed_from=LIVE,
                        extra={Application.registration_key: None})
    # No tenant will ever need the contacts: crypto-erase them (the company data stays for the record).
    await erase_tenant_key(tenant_id=application_id)
    log.info("application rejected", application_id=str(application_id), by=principal.key_id)
    return await _read(row, master_key)  # the contacts read back as erased


async def request_more_info(
    *, principal: Principal, application_id: UUID, question: str, master_key: bytes,
) -> ApplicationRead:
    row = await _review(application_id, to="action_required", reason=question, allowed_from=("submitted",))
    log.info("application needs more information", application_id=str(application_id), by=principal.key_id)
    return await _read(row, master_key)


async def approve_application(
    *, principal: Principal, application_id: UUID, master_key: bytes, link_netbox: NetBoxLinker,
    netbox: NetBoxTenancy | None = None, netbox_tenant_id: int | None = None, create_netbox_tenant: bool = False,
) -> ApprovalResult:
    """Approve: record the decision, commit, then provision the tenant (Colo + NetBox).

    The NetBox side: `netbox_tenant_id` links an existing NetBox tenant (the customer is in
    NetBox already); otherwise a NetBox tenant of Colo's own is created — unless NetBox has an
    unlinked tenant of the same name or slug, which answers 409 (tenants.adoption) until ops
    either link it or say `create_netbox_tenant`.
    Idempotent: approving an approved application finishes a provisioning that NetBox
    interrupted, or returns the same tenant.
    """
    row = await _get_row(application_id)
    if row["status"] not in ("approved", "submitted"):
        raise Conflict(f"a {row['status']} application cannot be approved", current_status=row["status"])
    if netbox_tenant_id is not None and create_netbox_tenant:
        raise ValidationFailed("create_netbox_tenant", "give either netbox_tenant_id or create_netbox_tenant")
    existing = await Tenant.select(Tenant.netbox_tenant_id).where(Tenant.id == application_id).first()
    linked = existing["netbox_tenant_id"] if existing else None
    if linked is not None:
        if netbox_tenant_id not in (None, linked):
            raise Conflict(f"the tenant is linked to NetBox tenant {linked} already; relink it with "
                           f"POST /v1/tenants/{application_id}/netbox-link", field="netbox_tenant_id")
    elif netbox_tenant_id is not None:
        if netbox is None:
            raise ValidationFailed("netbox_tenant_id", "linking needs NetBox")
        chosen = (await existing_netbox_tenant(netbox, netbox_tenant_id, for_tenant=application_id)).id

        async def link_existing(_tenant_id: UUID, _legal_name: str) -> int:
            return chosen

        link_netbox = link_existing
    elif netbox is not None and not create_netbox_tenant:
        await refuse_name_clash(netbox, legal_name=row["legal_name"], tenant_id=application_id)
    if row["status"] != "approved":
        changed = await Application.update({
            Application.status: "approved", Application.tenant_id: application_id,
            Application.updated_at: datetime.now(UTC),
        }).where((Application.id == application_id) & (Application.status == "submitted")).returning(
            Application.id)
        if not changed:
            raise Conflict("the application changed concurrently; retry")
        log.info("application approved", application_id=str(application_id), by=principal.key_id)
    tenant = await provision_tenant(
        tenant_id=application_id, legal_name=row["legal_name"],
        registration_number=row["registration_number"], country=row["country"], link_netbox=link_netbox,
    )
    return ApprovalResult(application=await _read(await _get_row(application_id), master_key), tenant=tenant)

