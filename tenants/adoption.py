"""Onboarding customers who are already in NetBox: link, adopt, and refuse silent duplicates.

A facility adopting Colo has its customers in NetBox already (racks, devices, reservations
carrying a NetBox tenant). Ops bring each into Colo by linking a Colo tenant to the existing
NetBox tenant — at approval of its application, or directly (`adopt` creates an active Colo
tenant for a NetBox tenant, without an application). Approving an application whose legal name
or slug matches a NetBox tenant that no Colo tenant is linked to is refused (409 naming it)
unless ops say which to do: link it, or create a separate NetBox tenant on purpose.

One NetBox tenant belongs to at most one Colo tenant that is not offboarded
(`lifecycle.claim_netbox_link` enforces it under a lock); linking the same pair twice is a no-op.
tenants/ does not import dcim/: the NetBox side comes in as a `NetBoxTenancy` (dcim.netbox.tenancy
provides it; the API and the CLI pass it in).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID, uuid4

from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal, Role
from colo.logging import get_logger
from tenants import validation
from tenants.keys import KeyRing, issue_key
from tenants.lifecycle import claim_netbox_link, get_tenant, linked_elsewhere
from tenants.schemas import TenantRead
from tenants.schemas_keys import KeyIssued
from tenants.status import TenantStatus
from tenants.tables import Application, Tenant

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class NetBoxTenantInfo:
    id: int
    name: str
    slug: str


class NetBoxTenancy(Protocol):
    """What onboarding needs from NetBox (dcim.netbox.tenancy.NetBoxTenantDirectory)."""

    async def get(self, netbox_tenant_id: int) -> NetBoxTenantInfo | None: ...

    async def matching(self, *, name: str, slug: str) -> list[NetBoxTenantInfo]: ...


def slug_of(name: str) -> str:
    """NetBox's own slugify (ASCII, lower case, hyphens): how ops would have named the slug."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", ascii_name).strip().lower())[:100]


async def linked_colo_tenant(netbox_tenant_id: int, *, other_than: UUID | None = None) -> UUID | None:
    """The id of the Colo tenant (not offboarded) linked to this NetBox tenant, if any."""
    query = Tenant.select(Tenant.id).where(
        (Tenant.netbox_tenant_id == netbox_tenant_id) & (Tenant.status != TenantStatus.OFFBOARDED.value))
    if other_than is not None:
        query = query.where(Tenant.id != other_than)
    row = await query.first()
    return None if row is None else row["id"]


async def existing_netbox_tenant(netbox: NetBoxTenancy, netbox_tenant_id: int, *,
                                 for_tenant: UUID | None) -> NetBoxTenantInfo:
    """The NetBox tenant ops named, if it exists and no other Colo tenant holds it."""
    found = await netbox.get(netbox_tenant_id)  # no transaction is open here
    if found is None:
        raise ValidationFailed("netbox_tenant_id", f"NetBox has no tenant {netbox_tenant_id}")
    holder = await linked_colo_tenant(netbox_tenant_id, other_than=for_tenant)
    if holder is not None:
        raise linked_elsewhere(netbox_tenant_id, holder)
    return found


async def refuse_name_clash(netbox: NetBoxTenancy, *, legal_name: str, tenant_id: UUID) -> None:
    """409 when NetBox has an unlinked tenant of this name or slug: adopting it is ops' call."""
    clashes = []
    for found in await netbox.matching(name=legal_name, slug=slug_of(legal_name)):
        if await linked_colo_tenant(found.id, other_than=tenant_id) is None and found.slug != f"colo-{tenant_id.hex}":
            clashes.append(found)
    if clashes:
        first = clashes[0]
        raise Conflict(
            f"NetBox already has tenant {first.name!r} (id {first.id}, slug {first.slug!r}) and no Colo tenant "
            f"is linked to it: approve again with {{\"netbox_tenant_id\": {first.id}}} to link it, or with "
            "{\"create_netbox_tenant\": true} if it is a different company",
            field="netbox_tenant_id",
            netbox_tenants=[{"id": c.id, "name": c.name, "slug": c.slug} for c in clashes],
        )


@dataclass(frozen=True, slots=True)
class Link:
    tenant: TenantRead
    changed: bool  # False: the same link again, nothing was written


async def link_tenant(
    *, principal: Principal, tenant_id: UUID, netbox_tenant_id: int, netbox: NetBoxTenancy,
    replace: bool = False,
) -> Link:
    """Link an existing Colo tenant to an existing NetBox tenant. Idempotent."""
    tenant = await get_tenant(principal=principal, tenant_id=tenant_id)
    if tenant.netbox_tenant_id == netbox_tenant_id:
        if await linked_colo_tenant(netbox_tenant_id, other_than=tenant_id) is None:
            return Link(tenant, changed=False)  # the same link again: nothing to do
    if tenant.status == TenantStatus.OFFBOARDED:
        raise Conflict("an offboarded tenant cannot be linked", current_status=tenant.status.value)
    if tenant.netbox_tenant_id not in (None, netbox_tenant_id) and not replace:
        raise Conflict(f"the tenant is linked to NetBox tenant {tenant.netbox_tenant_id} already; "
                       "send \"replace\": true to link it to another", field="netbox_tenant_id",
                       current_netbox_tenant_id=tenant.netbox_tenant_id)
    await existing_netbox_tenant(netbox, netbox_tenant_id, for_tenant=tenant_id)
    tenant = await claim_netbox_link(tenant_id=tenant_id, netbox_tenant_id=netbox_tenant_id, replace=replace)
    log.info("tenant linked to NetBox tenant", tenant_id=str(tenant_id), netbox_tenant_id=netbox_tenant_id,
             by=principal.key_id)
    return Link(tenant, changed=True)


@dataclass(frozen=True, slots=True)
class Adoption:
    tenant: TenantRead
    created: bool
    first_key: KeyIssued | None  # the first tenant-admin key: only when created, and asked for


async def adopt_tenant(
    *, principal: Principal, netbox_tenant_id: int, registration_number: str, country: str,
    legal_name: str | None, netbox: NetBoxTenancy, ring: KeyRing | None = None,
) -> Adoption:
    """An active Colo tenant for an existing NetBox tenant, without an application.

    With `ring` (the host's command line only: the API never hands ops a tenant credential) the
    tenant's first tenant-admin key is minted too, shown once. Adopting the same NetBox tenant
    with the same registration again returns the same tenant (and no new key).
    """
    code = validation.country(country)
    number = validation.registration_number(registration_number, country_code=code)
    found = await netbox.get(netbox_tenant_id)
    if found is None:
        raise ValidationFailed("netbox_tenant_id", f"NetBox has no tenant {netbox_tenant_id}")
    holder = await linked_colo_tenant(netbox_tenant_id)
    if holder is not None:
        same = await Tenant.select().where((Tenant.id == holder) & (Tenant.country == code)
                                           & (Tenant.registration_number == number)).first()
        if same is not None:
            return Adoption(TenantRead.of(same), created=False, first_key=None)
        raise linked_elsewhere(netbox_tenant_id, holder)
    if await Tenant.exists().where((Tenant.country == code) & (Tenant.registration_number == number)
                                   & (Tenant.status != TenantStatus.OFFBOARDED.value)):
        raise Conflict("a tenant with this registration number exists already: link it instead",
                       field="registration_number")
    if await Application.exists().where(Application.registration_key == f"{code}:{number}"):
        raise Conflict("an application with this registration number is open: approve it with "
                       f"{{\"netbox_tenant_id\": {netbox_tenant_id}}} instead", field="registration_number")
    name = validation.plain_text(legal_name if legal_name is not None else found.name, field="legal_name")
    tenant_id, now = uuid4(), datetime.now(UTC)
    await Tenant.insert(Tenant(id=tenant_id, legal_name=name, registration_number=number, country=code,
                               status=TenantStatus.PENDING.value, created_at=now, updated_at=now))
    try:
        tenant = await claim_netbox_link(tenant_id=tenant_id, netbox_tenant_id=netbox_tenant_id)
    except Conflict:
        # lost a race
        await Tenant.delete().where((Tenant.id == tenant_id) & (Tenant.status == TenantStatus.PENDING.value))
        raise
    issued = None
    if ring is not None:
        issued = await issue_key(ring=ring, name="first tenant admin key", role=Role.TENANT_ADMIN,
                                 tenant_id=tenant_id, created_by=f"adoption by {principal.key_id}")
    log.info("NetBox tenant adopted", tenant_id=str(tenant_id), netbox_tenant_id=netbox_tenant_id,
             by=principal.key_id, key_id=str(issued.key.id) if issued else None)
    return Adoption(tenant, created=True, first_key=issued)
