"""People of a tenant. Phone and ID document number are encrypted under the tenant's data key
(colo.pii) and only ever leave this module masked; they are never logged.

The service answers `PersonRead` (masked). Site access needs a person's ID document as stored
(the ciphertext, copied onto a visitor): `visitor_identity` hands out exactly that, as an internal
`PersonIdentity` that is never served.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal
from colo.logging import get_logger
from colo.paging import Keyset, PageRequest, PageResult, select_page
from colo.pii import encrypt_for_tenant, mask
from tenants import validation
from tenants.schemas import PersonCreate, PersonRead, PersonUpdate
from tenants.scope import scoped, select_one_or_404, tenant_for_write
from tenants.status import TenantStatus
from tenants.tables import ApiKey, Person, Tenant

log = get_logger(__name__)


class PersonIdentity(msgspec.Struct, frozen=True):
    """What a visit needs of a person: internal (carries the encrypted ID number), never served."""

    id: UUID
    tenant_id: UUID
    name: str
    site_access: bool
    id_document_type: str  # "" when none is on file
    id_number_ciphertext: str  # "" when none is on file
    id_number_masked: str


async def _encrypted(master_key: bytes, tenant_id: UUID, value: str | None) -> tuple[str, str]:
    """(ciphertext, masked) of a secret field; empty strings when the value is absent."""
    if not value:
        return "", ""
    ciphertext = await encrypt_for_tenant(master_key=master_key, tenant_id=tenant_id, plaintext=value)
    return ciphertext, mask(value)


def _check_document(doc_type: str | None, number: str | None) -> None:
    if (doc_type is None) != (number is None):
        raise ValidationFailed("id_number" if number is None else "id_document_type",
                               "ID document type and number go together")


async def _require_active_tenant(tenant_id: UUID) -> None:
    row = await Tenant.select(Tenant.status).where(Tenant.id == tenant_id).first()
    if row is None or row["status"] not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise Conflict("people can only be managed for an active tenant")


async def create_person(*, principal: Principal, master_key: bytes, data: PersonCreate) -> PersonRead:
    tenant_id = tenant_for_write(principal, None)
    await _require_active_tenant(tenant_id)
    name = validation.plain_text(data.name, field="name")
    email = validation.email(data.email)
    phone = validation.phone(data.phone) if data.phone is not None else None
    id_number = validation.plain_text(data.id_number, field="id_number") if data.id_number is not None else None
    doc_type = data.id_document_type.value if data.id_document_type is not None else None
    _check_document(doc_type, id_number)
    signing = validation.signing_identity(data.signing_identity) if data.signing_identity is not None else ""
    phone_ct, phone_masked = await _encrypted(master_key, tenant_id, phone)
    id_ct, id_masked = await _encrypted(master_key, tenant_id, id_number)
    now = datetime.now(UTC)
    person_id = uuid4()
    await Person.insert(Person(
        id=person_id, tenant=tenant_id, name=name, email=email, phone_ciphertext=phone_ct,
        phone_masked=phone_masked, site_access=data.site_access, id_document_type=doc_type or "",
        id_number_ciphertext=id_ct, id_number_masked=id_masked, signing_identity=signing, created_at=now,
        updated_at=now,
    ))
    log.info("person created", person_id=str(person_id), tenant_id=str(tenant_id), by=principal.key_id)
    return await get_person(principal=principal, person_id=person_id)


PERSON_KEYS = Keyset("people", (datetime, UUID))  # oldest first


async def list_people(
    *, principal: Principal, tenant_id: UUID | None = None, page: PageRequest,
) -> PageResult[PersonRead]:
    query = Person.select()
    if tenant_id is not None:
        query = query.where(Person.tenant == tenant_id)
    rows = await select_page(scoped(query, principal=principal, column=Person.tenant),
                             columns=(Person.created_at, Person.id), keyset=PERSON_KEYS, page=page)
    return rows.map(PersonRead.of)


async def _get_row(principal: Principal, person_id: UUID) -> dict[str, Any]:
    return await select_one_or_404(Person, object_id=person_id, principal=principal, resource="person",
                                   tenant_column=Person.tenant)


async def get_person(*, principal: Principal, person_id: UUID) -> PersonRead:
    return PersonRead.of(await _get_row(principal, person_id))


async def visitor_identity(*, principal: Principal, person_id: UUID) -> PersonIdentity:
    """The person's name, site access and ID document as stored; NotFound like `get_person`."""
    row = await _get_row(principal, person_id)
    return PersonIdentity(
        id=row["id"], tenant_id=row["tenant"], name=row["name"], site_access=row["site_access"],
        id_document_type=row["id_document_type"], id_number_ciphertext=row["id_number_ciphertext"],
        id_number_masked=row["id_number_masked"],
    )


async def update_person(
    *, principal: Principal, master_key: bytes, person_id: UUID, data: PersonUpdate,
) -> PersonRead:
    row = await _get_row(principal, person_id)
    tenant_id: UUID = row["tenant"]
    await _require_active_tenant(tenant_id)
    values: dict[Any, Any] = {}
    if data.name is not msgspec.UNSET:
        values[Person.name] = validation.plain_text(data.name, field="name")
    if data.email is not msgspec.UNSET:
        values[Person.email] = validation.email(data.email)
    if data.site_access is not msgspec.UNSET:
        values[Person.site_access] = data.site_access
    if data.signing_identity is not msgspec.UNSET:
        values[Person.signing_identity] = validation.signing_identity(data.signing_identity) \
            if data.signing_identity is not None else ""
    if data.phone is not msgspec.UNSET:
        phone = validation.phone(data.phone) if data.phone is not None else None
        values[Person.phone_ciphertext], values[Person.phone_masked] = await _encrypted(master_key, tenant_id, phone)
    if data.id_document_type is not msgspec.UNSET or data.id_number is not msgspec.UNSET:
        doc_type = row["id_document_type"] or None
        if data.id_document_type is not msgspec.UNSET:
            doc_type = data.id_document_type.value if data.id_document_type is not None else None
        has_number = bool(row["id_number_ciphertext"])
        if data.id_number is not msgspec.UNSET:
            number = validation.plain_text(data.id_number, field="id_number") if data.id_number else None
            has_number = number is not None
            values[Person.id_number_ciphertext], values[Person.id_number_masked] = await _encrypted(
                master_key, tenant_id, number)
        _check_document(doc_type, "present" if has_number else None)
        values[Person.id_document_type] = doc_type or ""
    if values:
        values[Person.updated_at] = datetime.now(UTC)
        await scoped(Person.update(values).where(Person.id == person_id), principal=principal, column=Person.tenant)
        log.info("person updated", person_id=str(person_id), fields=sorted(c._meta.name for c in values),
                 by=principal.key_id)
    return await get_person(principal=principal, person_id=person_id)


async def delete_person(*, principal: Principal, person_id: UUID) -> None:
    """Remove a person; keys bound to them are revoked, since their holder left."""
    await _get_row(principal, person_id)
    async with Person._meta.db.transaction():
        await ApiKey.update({ApiKey.revoked_at: datetime.now(UTC), ApiKey.revoked_reason: "person removed"}).where(
            (ApiKey.person_id == person_id) & ApiKey.revoked_at.is_null()
        )
        await scoped(Person.delete().where(Person.id == person_id), principal=principal, column=Person.tenant)
    log.info("person deleted", person_id=str(person_id), by=principal.key_id)


async def signing_identities(*, tenant_id: UUID) -> list[tuple[str, str]]:
    """(name, signing identity) of the tenant's people who may sign LOAs with a certificate."""
    rows = await Person.select(Person.name, Person.signing_identity).where(
        (Person.tenant == tenant_id) & (Person.signing_identity != "")).order_by(Person.created_at)
    return [(r["name"], r["signing_identity"]) for r in rows]
