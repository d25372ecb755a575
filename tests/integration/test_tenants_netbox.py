"""Provisioning a tenant links exactly one real NetBox tenant, found again by its slug."""

from __future__ import annotations

from dcim.netbox.tenancy import ensure_netbox_tenant, find_netbox_tenant, netbox_tenant_slug
from tenants.lifecycle import provision_tenant


async def test_make_tenant_creates_an_active_tenant_linked_to_netbox(make_tenant, gateway) -> None:
    tenant = await make_tenant()
    assert tenant.status == "active"
    found = await find_netbox_tenant(gateway, colo_tenant_id=tenant.id)
    assert found is not None
    assert found["id"] == tenant.netbox_tenant_id
    assert found["slug"] == netbox_tenant_slug(tenant.id)
    assert str(tenant.id) in found["description"]
    assert any(tag["slug"] == "colo" for tag in found["tags"])


async def test_provisioning_twice_is_idempotent(make_tenant, gateway, run_in_app) -> None:
    tenant = await make_tenant()
    calls = []

    async def link(tenant_id, legal_name):
        calls.append(tenant_id)
        return await ensure_netbox_tenant(gateway, colo_tenant_id=tenant_id, legal_name=legal_name)

    again = await run_in_app(
        provision_tenant, tenant_id=tenant.id, legal_name="ignored", registration_number="x",
        country="DE", link_netbox=link,
    )
    assert again.netbox_tenant_id == tenant.netbox_tenant_id
    assert again.legal_name == tenant.legal_name
    assert calls == []  # already linked: NetBox is not asked again
    # and the gateway function on its own finds the same NetBox tenant instead of duplicating it
    linked = await ensure_netbox_tenant(gateway, colo_tenant_id=tenant.id, legal_name="x")
    assert linked == tenant.netbox_tenant_id
