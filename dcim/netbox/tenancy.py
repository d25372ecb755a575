"""The NetBox tenant of a Colo tenant: created once, found again by its slug.

The slug is derived from the Colo tenant id (`colo-<uuid hex>`), so a retry after a crash or a
second approval finds the tenant it created before instead of making a duplicate. The tenant is
also tagged `colo` and its description names the Colo id, for people browsing NetBox.
A customer already in NetBox is linked instead (tenants/adoption.py): `NetBoxTenantDirectory`
finds NetBox tenants by id, name or slug for it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pynetbox

from colo.errors import NotFound
from dcim.netbox.gateway import NetBoxGateway
from tenants.adoption import NetBoxTenantInfo

COLO_TAG = {"name": "colo", "slug": "colo", "color": "2196f3",
            "description": "Created and managed by Colo"}
NAME_LIMIT = 100  # NetBox's tenant name length


def netbox_tenant_slug(colo_tenant_id: UUID) -> str:
    return f"colo-{colo_tenant_id.hex}"


def netbox_tenant_name(colo_tenant_id: UUID, legal_name: str) -> str:
    # NetBox tenant names are unique; two companies may share a legal name in different countries.
    suffix = f" ({colo_tenant_id.hex[:8]})"
    return legal_name[: NAME_LIMIT - len(suffix)] + suffix


def _ensure_tag(api: Any) -> int:
    tag = api.extras.tags.get(slug=COLO_TAG["slug"])
    if tag is None:
        try:
            tag = api.extras.tags.create(**COLO_TAG)
        except pynetbox.RequestError:
            tag = api.extras.tags.get(slug=COLO_TAG["slug"])  # created concurrently by someone else
            if tag is None:
                raise
    return int(tag.id)


async def ensure_netbox_tenant(gateway: NetBoxGateway, *, colo_tenant_id: UUID, legal_name: str) -> int:
    """The NetBox tenant id for this Colo tenant, creating it if it does not exist. Idempotent."""
    slug = netbox_tenant_slug(colo_tenant_id)

    def work(api: Any) -> int:
        existing = api.tenancy.tenants.get(slug=slug)
        if existing is not None:
            return int(existing.id)
        tag_id = _ensure_tag(api)
        try:
            created = api.tenancy.tenants.create(
                name=netbox_tenant_name(colo_tenant_id, legal_name), slug=slug,
                description=f"Colo tenant {colo_tenant_id}", tags=[tag_id],
            )
        except pynetbox.RequestError:
            existing = api.tenancy.tenants.get(slug=slug)  # a concurrent approval won the race
            if existing is None:
                raise
            return int(existing.id)
        return int(created.id)

    return await gateway.call(work, what="ensure NetBox tenant")


async def find_netbox_tenant(gateway: NetBoxGateway, *, colo_tenant_id: UUID) -> dict[str, Any] | None:
    """The NetBox tenant linked to this Colo tenant, as a dict, or None."""
    slug = netbox_tenant_slug(colo_tenant_id)

    def work(api: Any) -> dict[str, Any] | None:
        found = api.tenancy.tenants.get(slug=slug)
        return dict(found) if found is not None else None

    return await gateway.call(work, what="find NetBox tenant")


class NetBoxTenantDirectory:
    """NetBox tenants for onboarding (tenants.adoption.NetBoxTenancy): by id, by name or slug."""

    def __init__(self, gateway: NetBoxGateway) -> None:
        self.gateway = gateway

    async def get(self, netbox_tenant_id: int) -> NetBoxTenantInfo | None:
        def work(api: Any) -> NetBoxTenantInfo | None:
            found = api.tenancy.tenants.get(netbox_tenant_id)
            return NetBoxTenantInfo(int(found.id), found.name, found.slug) if found is not None else None

        try:
            return await self.gateway.call(work, what="read NetBox tenant")
        except NotFound:
            return None

    async def matching(self, *, name: str, slug: str) -> list[NetBoxTenantInfo]:
        """Tenants whose name equals `name` (ignoring case) or whose slug is `slug`."""

        def work(api: Any) -> list[NetBoxTenantInfo]:
            found = {int(t.id): t for t in api.tenancy.tenants.filter(name__ie=name, limit=50)}
            if slug:
                found.update({int(t.id): t for t in api.tenancy.tenants.filter(slug=slug, limit=50)})
            return [NetBoxTenantInfo(i, t.name, t.slug) for i, t in sorted(found.items())]

        return await self.gateway.call(work, what="find NetBox tenants by name")

    async def ensure_for(self, colo_tenant_id: UUID, legal_name: str) -> int:
        """A NetBox tenant of Colo's own (tenants.lifecycle.NetBoxLinker)."""
        return await ensure_netbox_tenant(self.gateway, colo_tenant_id=colo_tenant_id, legal_name=legal_name)
