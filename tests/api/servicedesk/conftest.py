"""The service-desk tests' plant in the real NetBox (unique suffix): one site with two racks, each
held by one of two tenants (units 1-2), a power feed on each rack and a device of each tenant in
its own rack; the read model refreshed for both racks. Removed from NetBox afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from litestar import Litestar

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from dcim.readmodel.sync import refresh_racks
from devtools.demo.seed import authenticated_user_id
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey
from tests.netbox_cleanup import remove_sites

Run = Callable[..., Awaitable[Any]]


@dataclass
class DeskSide:
    tenant: TenantRead
    admin: IssuedTestKey
    member: IssuedTestKey
    rack: int
    feed: int
    device: int


@dataclass
class DeskPlant:
    a: DeskSide
    b: DeskSide
    ops: IssuedTestKey
    site: int


def _build(api: Any, suffix: str, tenants: dict[str, int]) -> dict[str, Any]:
    site = api.dcim.sites.create(name=f"Desk {suffix}", slug=f"desk-{suffix}")
    panel = api.dcim.power_panels.create(site=site.id, name=f"PP-{suffix}")
    maker = api.dcim.manufacturers.create(name=f"desk-maker-{suffix}", slug=f"desk-maker-{suffix}")
    dtype = api.dcim.device_types.create(manufacturer=maker.id, model=f"srv-{suffix}", slug=f"srv-{suffix}",
                                         u_height=1)
    role = api.dcim.device_roles.create(name=f"desk-{suffix}", slug=f"desk-{suffix}")
    user = authenticated_user_id(api)
    built: dict[str, Any] = {"site": site.id, "types": [dtype.id], "roles": [role.id], "makers": [maker.id]}
    for key, netbox_tenant in tenants.items():
        rack = api.dcim.racks.create(name=f"Desk {key} {suffix}", site=site.id, u_height=42).id
        api.dcim.rack_reservations.create(rack=rack, units=[1, 2], user=user, tenant=netbox_tenant,
                                          description=f"service desk test {suffix}")
        feed = api.dcim.power_feeds.create(power_panel=panel.id, rack=rack, name=f"F-{key}-{suffix}", status="active",
                                           type="primary", supply="ac", phase="single-phase", voltage=230,
                                           amperage=16, max_utilization=80).id
        device = api.dcim.devices.create(name=f"srv-{key}-{suffix}", device_type=dtype.id, role=role.id, site=site.id,
                                         rack=rack, position=1, face="front", tenant=netbox_tenant).id
        built[key] = {"rack": rack, "feed": feed, "device": device}
    return built


@pytest_asyncio.fixture(scope="module")
async def desk(
    app: Litestar, gateway: NetBoxGateway, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
    make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> AsyncIterator[DeskPlant]:
    suffix = uuid.uuid4().hex[:8]
    tenants = {"a": await make_tenant(), "b": await make_tenant()}
    built = await gateway.call(lambda api: _build(api, suffix, {k: t.netbox_tenant_id for k, t in tenants.items()}),
                               what="service desk plant")
    await run_in_app(refresh_racks, app.state.services.netbox, [built["a"]["rack"], built["b"]["rack"]])
    sides = {}
    for key, tenant in tenants.items():
        sides[key] = DeskSide(
            tenant=tenant, admin=await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name=f"desk {key} admin"),
            member=await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name=f"desk {key} member"),
            **built[key])
    try:
        yield DeskPlant(a=sides["a"], b=sides["b"], ops=await make_key(Role.OPS, name="desk ops"), site=built["site"])
    finally:
        await gateway.call(lambda api: remove_sites(api, [built["site"]], device_types=built["types"],
                                                    device_roles=built["roles"], manufacturers=built["makers"]),
                           what="remove service desk plant")


def hands_body(rack: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_type": "power_cycle", "title": "Power-cycle the web server", "scope": "Hard reset, it hangs",
        "where": {"rack_id": rack, "units": [1]}, "contact": {"name": "Nigar Aliyeva", "phone": "+994 12 555 0102"},
        "details": {"method": "hard", "device_label": "WEB-01"},
    }
    body.update(overrides)
    return body


def trouble_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"category": "power_loss_feed", "title": "Feed A is down", "priority": "high",
                            "description": "Our PDU on feed A lost power at 09:12", "contact": {"name": "Ops Desk"}}
    body.update(overrides)
    return body
