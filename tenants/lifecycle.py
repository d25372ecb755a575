"""Tenant lifecycle: provision (pending → active), suspend, reinstate, offboard.

Provisioning records the tenant first, commits, then links the NetBox tenant (outside any
transaction) and records the outcome — so a NetBox outage leaves a `pending` tenant that a
repeated approval finishes, never a half-written one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

from piccolo.custom_types import Combinable
from piccolo.engine.postgres import PostgresEngine

from colo.errors import Conflict, NotFound
from colo.identity import Principal
from colo.logging import get_logger
from colo.paging import Keyset, PageRequest, PageResult, select_page
from colo.pii import ERASED, erase_tenant_key
from tenants.events import TenantHooks, TenantStatusChange
from tenants.keys import revoke_tenant_keys
from tenants.schemas import TenantRead
from tenants.scope import scoped, select_one_or_404
from tenants.status import TenantStatus
from tenants.tables import Application, Person, Tenant

log = get_logger(__name__)

# Links a Colo tenant to its NetBox tenant and returns the NetBox id (dcim.netbox.tenancy
# provides it; passed in because tenants/ does not import dcim/).
NetBoxLinker = Callable[[UUID, str], Awaitable[int]]

# Advisory lock key space ("COLO" + 2) for NetBox tenant links; orders use 0 and 1.
NETBOX_LINK_LOCK = 0x434F4C4F_0002_0000


async def provision_tenant(
    *, tenant_id: UUID, legal_name: str, registration_number: str, country: str,
    link_netbox: NetBoxLinker,
) -> TenantRead:
    """Create (or finish creating) an active tenant with its NetBox tenant. Idempotent."""
    now = datetime.now(UTC)
    await Tenant.insert(Tenant(
        id=tenant_id, legal_name=legal_name, registration_number=registration_number,
        country=country, status=TenantStatus.PENDING.value, created_at=now, updated_at=now,
    )).on_conflict(action="DO NOTHING")
    tenant = await _get(tenant_id)
    if tenant.status != TenantStatus.PENDING and tenant.netbox_tenant_id is not None:
        return tenant  # already provisioned: approving twice changes nothing
    netbox_id = await link_netbox(tenant_id, tenant.legal_name)  # no transaction open here
    tenant = await claim_netbox_link(tenant_id=tenant_id, netbox_tenant_id=netbox_id)
    log.info("tenant provisioned", tenant_id=str(tenant_id), netbox_tenant_id=netbox_id)
    return tenant


def linked_elsewhere(netbox_tenant_id: int, holder: UUID) -> Conflict:
    return Conflict(f"NetBox tenant {netbox_tenant_id} is already linked to Colo tenant {holder}",
                    field="netbox_tenant_id", netbox_tenant_id=netbox_tenant_id, linked_tenant_id=str(holder))


async def claim_netbox_link(*, tenant_id: UUID, netbox_tenant_id: int, replace: bool = False) -> TenantRead:
    """Link the tenant to a NetBox tenant and activate it if pending, in one short transaction.

    A NetBox tenant belongs to at most one Colo tenant that is not offboarded: the check and the
    write run under a per-NetBox-tenant lock (PostgreSQL advisory lock; SQLite has one writer).
    Without `replace`, a tenant already linked to another NetBox tenant is refused.
    """
    async with Tenant._meta.db.transaction():
        if isinstance(Tenant._meta.db, PostgresEngine):
            await Tenant.raw("SELECT pg_advisory_xact_lock({})", NETBOX_LINK_LOCK + netbox_tenant_id)
        holder = await Tenant.select(Tenant.id).where(
            (Tenant.netbox_tenant_id == netbox_tenant_id) & (Tenant.status != TenantStatus.OFFBOARDED.value)
            & (Tenant.id != tenant_id)).first()
        if holder is not None:
            raise linked_elsewhere(netbox_tenant_id, holder["id"])
        target: Combinable = Tenant.id == tenant_id
        if not replace:
            target &= Tenant.netbox_tenant_id.is_null() | (Tenant.netbox_tenant_id == netbox_tenant_id)
        changed = await Tenant.update({Tenant.netbox_tenant_id: netbox_tenant_id,
                                       Tenant.updated_at: datetime.now(UTC)}).where(target).returning(Tenant.id)
        if not changed:
            raise Conflict("the tenant is linked to another NetBox tenant", field="netbox_tenant_id")
        await Tenant.update({Tenant.status: TenantStatus.ACTIVE.value}).where(
            (Tenant.id == tenant_id) & (Tenant.status == TenantStatus.PENDING.value))
    return await _get(tenant_id)


async def _get(tenant_id: UUID) -> TenantRead:
    row = await Tenant.select().where(Tenant.id == tenant_id).first()
    if row is None:
        raise NotFound("tenant", tenant_id)
    return TenantRead.of(row)


TENANT_KEYS = Keyset("tenants", (datetime, UUID))  # oldest first


async def list_tenants(
    *, principal: Principal, status: str | None = None, page: PageRequest,
) -> PageResult[TenantRead]:
    query = Tenant.select()
    if status is not None:
        query = query.where(Tenant.status == status)
    rows = await select_page(scoped(query, principal=principal, column=Tenant.id),
                             columns=(Tenant.created_at, Tenant.id), keyset=TENANT_KEYS, page=page)
    return rows.map(TenantRead.of)


async def get_tenant(*, principal: Principal, tenant_id: UUID) -> TenantRead:
    return TenantRead.of(await select_one_or_404(Tenant, object_id=tenant_id, principal=principal,
                                                 resource="tenant", tenant_column=Tenant.id))


async def _transition(
    *, principal: Principal, tenant_id: UUID, allowed_from: tuple[TenantStatus, ...], to: TenantStatus, reason: str,
) -> tuple[TenantRead, TenantStatus]:
    """Move the tenant to `to` if its status is one of `allowed_from`; return (tenant, previous status)."""
    tenant = await get_tenant(principal=principal, tenant_id=tenant_id)
    previous = tenant.status
    if previous == to:
        return tenant, previous
    if previous not in allowed_from:
        raise Conflict(f"a {previous} tenant cannot become {to}", current_status=previous.value)
    changed = await Tenant.update({
        Tenant.status: to.value, Tenant.status_reason: reason, Tenant.updated_at: datetime.now(UTC),
    }).where((Tenant.id == tenant_id) & (Tenant.status == previous.value)).returning(Tenant.id)
    if not changed:
        raise Conflict("the tenant changed status concurrently; retry", current_status=previous.value)
    log.info("tenant status changed", tenant_id=str(tenant_id), previous=previous.value, current=to.value,
             by=principal.key_id)
    return await _get(tenant_id), previous


async def suspend_tenant(*, principal: Principal, tenant_id: UUID, reason: str,
                         hooks: TenantHooks) -> TenantRead:
    """Suspend: every key of the tenant fails from the next request on (auth checks the status)."""
    tenant, previous = await _transition(principal=principal, tenant_id=tenant_id, allowed_from=(TenantStatus.ACTIVE,),
                                         to=TenantStatus.SUSPENDED, reason=reason)
    if previous != TenantStatus.SUSPENDED:
        await hooks.fire(TenantStatusChange(tenant_id, previous.value, TenantStatus.SUSPENDED.value, reason,
                                            principal.key_id))
    return tenant


async def reinstate_tenant(*, principal: Principal, tenant_id: UUID, reason: str,
                           hooks: TenantHooks) -> TenantRead:
    tenant, previous = await _transition(principal=principal, tenant_id=tenant_id,
                                         allowed_from=(TenantStatus.SUSPENDED,), to=TenantStatus.ACTIVE, reason=reason)
    if previous != TenantStatus.ACTIVE:
        await hooks.fire(TenantStatusChange(tenant_id, previous.value, TenantStatus.ACTIVE.value, reason,
                                            principal.key_id))
    return tenant


async def offboard_tenant(*, principal: Principal, tenant_id: UUID, reason: str,
                          hooks: TenantHooks) -> TenantRead:
    """Offboard: revoke every key, let other domains wind down, then crypto-erase personal data.

    Repeating an offboarding re-runs the hooks and the erasure (both idempotent), so a hook
    that failed the first time can be retried.
    """
    tenant, previous = await _transition(
        principal=principal, tenant_id=tenant_id, to=TenantStatus.OFFBOARDED, reason=reason,
        allowed_from=(TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.PENDING))
    revoked = await revoke_tenant_keys(tenant_id=tenant_id, reason="tenant offboarded")
    failed = await hooks.fire(
        TenantStatusChange(tenant_id, previous.value, TenantStatus.OFFBOARDED.value, reason, principal.key_id)
    )
    await erase_people(tenant_id=tenant_id)
    erased = await erase_tenant_key(tenant_id=tenant_id)
    # The company may apply again later: free its registration number.
    await Application.update({Application.registration_key: None}).where(Application.tenant_id == tenant_id)
    log.info("tenant offboarded", tenant_id=str(tenant_id), keys_revoked=revoked,
             data_key_erased=erased, failed_hooks=failed)
    return tenant


async def erase_people(*, tenant_id: UUID) -> None:
    """Blank the plaintext personal fields; the encrypted ones die with the tenant's data key."""
    await Person.update({
        Person.name: ERASED, Person.email: ERASED, Person.phone_masked: ERASED,
        Person.id_number_masked: ERASED, Person.site_access: False,
        Person.updated_at: datetime.now(UTC),
    }).where(Person.tenant == tenant_id)
