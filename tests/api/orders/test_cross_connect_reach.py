"""A cross-connect that fulfilment could never build is refused when it is ordered, naming the field.

Before, an order between ports at two sites (or at a site without a meet-me room) was accepted,
waited for the Z side's LOA and ops' approval, and only then failed in fulfilment.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from tests.integration.orders.plant import OrdersPlant
from tests.netbox_cleanup import remove_sites

MakeKey = Callable[..., Awaitable[Any]]


def _build(api: Any, suffix: str, tenants: dict[str, int]) -> dict[str, Any]:
    """A second site with a hall but no meet-me room; a panel of tenant A and one of tenant Z."""
    site = api.dcim.sites.create(name=f"XC Far {suffix}", slug=f"xc-far-{suffix}")
    hall = api.dcim.locations.create(name=f"Far Hall {suffix}", slug=f"far-hall-{suffix}", site=site.id)
    maker = api.dcim.manufacturers.create(name=f"xc-maker-{suffix}", slug=f"xc-maker-{suffix}")
    dtype = api.dcim.device_types.create(manufacturer=maker.id, model=f"xc-panel-{suffix}",
                                         slug=f"xc-panel-{suffix}", u_height=1)
    role = api.dcim.device_roles.create(name=f"xc-role-{suffix}", slug=f"xc-role-{suffix}")
    ports = {}
    for key in ("a", "z"):
        device = api.dcim.devices.create(name=f"far-{key}-{suffix}", device_type=dtype.id, role=role.id,
                                         site=site.id, location=hall.id, tenant=tenants[key])
        rear = api.dcim.rear_ports.create(device=device.id, name="R1", type="8p8c", positions=1)
        ports[key] = api.dcim.front_ports.create(
            device=device.id, name="1", type="8p8c", positions=1,
            rear_ports=[{"position": 1, "rear_port": rear.id, "rear_port_position": 1}]).id
    return {"site": site.id, "ports": ports, "type": dtype.id, "role": role.id, "maker": maker.id}


def _teardown(api: Any, built: dict[str, Any]) -> None:
    remove_sites(api, [built["site"]], device_types=[built["type"]], device_roles=[built["role"]],
                 manufacturers=[built["maker"]])


@pytest_asyncio.fixture(scope="module")
async def far_site(gateway: NetBoxGateway, orders_plant: OrdersPlant) -> AsyncIterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    tenants = {key: orders_plant.tenants[key].netbox_tenant_id for key in ("a", "z")}
    built = await gateway.call(lambda api: _build(api, suffix, tenants), what="build far site")
    try:
        yield built
    finally:
        await gateway.call(lambda api: _teardown(api, built), what="remove far site")


def xc(a_port: int, z_port: int) -> dict[str, Any]:
    return {"spec": {"kind": "cross_connect", "a_port_id": a_port, "z_port_id": z_port, "media": "copper",
                     "speed": "1G"}}


async def test_ports_at_two_sites_are_refused_at_order_time_naming_z_port_id(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant, far_site: dict[str, Any],
) -> None:
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers
    response = await client.post("/v1/orders", json=xc(orders_plant.ports["a"][2], far_site["ports"]["z"]), headers=a)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "z_port_id"
    assert "another site" in problem["detail"]
    listed = await client.get("/v1/orders", params={"kind": "cross_connect"}, headers=a)
    assert far_site["ports"]["z"] not in {o["spec"]["z_port"]["id"] for o in listed.json()["items"]}


async def test_a_site_without_a_meet_me_room_is_refused_at_order_time_naming_a_port_id(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant, far_site: dict[str, Any],
) -> None:
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers
    response = await client.post("/v1/orders", json=xc(far_site["ports"]["a"], far_site["ports"]["z"]), headers=a)
    assert response.status_code == 409, response.text
    assert response.json()["field"] == "a_port_id"
    assert "no meet-me room" in response.json()["detail"]


async def test_a_reachable_pair_at_one_site_is_still_accepted(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant,
) -> None:
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers
    response = await client.post("/v1/orders", json=xc(orders_plant.ports["a"][2], orders_plant.ports["carrier"][2]),
                                 headers=a)
    assert response.status_code == 201, response.text
    assert response.json()["loa_status"] == "loa_pending"
