"""A small private plant in the real NetBox for order tests, shaped like the demo datacenter.

One site with a data hall and a meet-me room (MMR). The MMR's facility panel reaches the hall's
zone panel over rear-port trunks; a carrier panel sits in the MMR; two tenants have panels in
the hall. Racks: SPACE (42U, A+B feeds), SINGLE (A feed only), KIT (tenant panels). Every name
carries a unique suffix, so parallel sessions and the shared demo seed never collide.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Principal, Role
from dcim.netbox import NetBoxGateway
from dcim.netbox.provisioning import Provisioner
from tenants.schemas import TenantRead
from tests.netbox_cleanup import remove_sites

PORT_COUNT = 4


@dataclass
class OrdersPlant:
    suffix: str
    site_id: int
    racks: dict[str, int]
    feeds: dict[str, int]
    tenants: dict[str, TenantRead]  # "a", "z": Colo tenants
    ports: dict[str, list[int]] = field(default_factory=dict)  # device key → front port ids
    mmr_location_id: int = 0


def _build(api: Any, suffix: str, tenant_ids: dict[str, int]) -> OrdersPlant:
    s = suffix
    site = api.dcim.sites.create(name=f"orders-{s}", slug=f"orders-{s}")
    if api.extras.tags.get(slug="meet-me-room") is None:
        try:
            api.extras.tags.create(name="meet-me-room", slug="meet-me-room")
        except Exception:  # another session created it meanwhile: then it exists now
            assert api.extras.tags.get(slug="meet-me-room") is not None
    hall = api.dcim.locations.create(name=f"Hall {s}", slug=f"hall-{s}", site=site.id)
    mmr = api.dcim.locations.create(name=f"Meet-Me {s}", slug=f"mmr-{s}", site=site.id,
                                    tags=[{"slug": "meet-me-room"}])
    racks = {}
    for key, location in (("space", hall), ("single", hall), ("kit", hall), ("mmr", mmr)):
        racks[key] = api.dcim.racks.create(name=f"{key}-{s}", site=site.id, location=location.id, u_height=42).id
    panel_a = api.dcim.power_panels.create(site=site.id, name=f"PP-A-{s}")
    panel_b = api.dcim.power_panels.create(site=site.id, name=f"PP-B-{s}")
    feeds = {}
    for key, rack, panel, kind in (("space-A", "space", panel_a, "primary"), ("space-B", "space", panel_b, "redundant"),
                                   ("single-A", "single", panel_a, "primary")):
        feeds[key] = api.dcim.power_feeds.create(
            power_panel=panel.id, rack=racks[rack], name=f"{key}-{s}", status="active", type=kind, supply="ac",
            phase="single-phase", voltage=230, amperage=16, max_utilization=80,
        ).id
    maker = api.dcim.manufacturers.create(name=f"maker-{s}", slug=f"maker-{s}")
    dtype = api.dcim.device_types.create(manufacturer=maker.id, model=f"panel-{s}", slug=f"panel-{s}", u_height=1)
    role = api.dcim.device_roles.create(name=f"panel-{s}", slug=f"panel-{s}")
    devices = {}
    for key, location, rack, position, tenant in (
        ("zone", hall, "kit", 40, None), ("cage", mmr, "mmr", 40, None),
        ("carrier", mmr, "mmr", 38, "carrier"), ("a", hall, "kit", 30, "a"), ("z", hall, "kit", 28, "z"),
    ):
        devices[key] = api.dcim.devices.create(
            name=f"{key}-{s}", device_type=dtype.id, role=role.id, site=site.id, location=location.id,
            rack=racks[rack], position=position, face="front",
            tenant=tenant_ids[tenant] if tenant else None,
        ).id
    plant = OrdersPlant(suffix=s, site_id=site.id, racks=racks, feeds=feeds, tenants={},
                        mmr_location_id=mmr.id)
    rears: dict[str, list[int]] = {}
    for key, device in devices.items():
        rears[key] = [r.id for r in api.dcim.rear_ports.create(
            [{"device": device, "name": f"R{i}", "type": "8p8c", "positions": 1} for i in range(1, PORT_COUNT + 1)])]
        plant.ports[key] = [f.id for f in api.dcim.front_ports.create([
            {"device": device, "name": f"{i}", "type": "8p8c", "positions": 1,
             "rear_ports": [{"position": 1, "rear_port": rears[key][i - 1], "rear_port_position": 1}]}
            for i in range(1, PORT_COUNT + 1)])]
    # The trunk between the MMR's facility panel and the hall's zone panel.
    api.dcim.cables.create([
        {"a_terminations": [{"object_type": "dcim.rearport", "object_id": rears["cage"][i]}],
         "b_terminations": [{"object_type": "dcim.rearport", "object_id": rears["zone"][i]}],
         "status": "connected", "type": "cat6a", "label": f"TRUNK-{s}-{i + 1}"}
        for i in range(PORT_COUNT)])
    return plant


def _teardown(api: Any, site_id: int) -> None:
    """Best effort: remove everything the plant (and the tests) left at its site."""
    remove_sites(api, [site_id])


@asynccontextmanager
async def private_orders_plant(
    gateway: NetBoxGateway, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> AsyncIterator[OrdersPlant]:
    """A new plant with its own tenants, removed from NetBox afterwards."""
    suffix = uuid.uuid4().hex[:8]
    tenant_a = await make_tenant(f"Orders A {suffix} AG")
    tenant_z = await make_tenant(f"Orders Z {suffix} AG")
    carrier_id = await gateway.call(
        lambda api: api.tenancy.tenants.create(name=f"Carrier {suffix}", slug=f"carrier-{suffix}").id)
    ids = {"a": tenant_a.netbox_tenant_id, "z": tenant_z.netbox_tenant_id, "carrier": carrier_id}
    plant = await gateway.call(lambda api: _build(api, suffix, ids), what="build orders test plant")
    plant.tenants = {"a": tenant_a, "z": tenant_z}  # the carrier is a NetBox tenant only (ids["carrier"])
    try:
        yield plant
    finally:
        await gateway.call(lambda api: _teardown(api, plant.site_id), what="tear down orders test plant")
        await gateway.call(lambda api: api.tenancy.tenants.delete([carrier_id]))


@pytest_asyncio.fixture(scope="session")
async def orders_plant(
    gateway: NetBoxGateway, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> AsyncIterator[OrdersPlant]:
    """The order tests' plant, shared by the session (each test uses its own units and ports)."""
    async with private_orders_plant(gateway, make_tenant) as plant:
        yield plant


# Units the tenants reserve (outside Colo) so that they hold the power racks: a power order goes
# only where its tenant holds space (dcim.readmodel.holdings).
POWER_HOLDINGS = (("space", "a", 34), ("space", "z", 35), ("single", "a", 37), ("single", "z", 38))


@pytest_asyncio.fixture(scope="module")
async def power_holders(
    app: Litestar, run_in_app: Callable[..., Awaitable[Any]], gateway: NetBoxGateway, orders_plant: OrdersPlant,
) -> AsyncIterator[None]:
    """Tenants a and z hold one unit each in the space and single racks while a module runs
    (NetBox reservations, read model refreshed), so they may order power there."""
    from dcim.readmodel.sync import refresh_racks

    user = await run_in_app(Provisioner(app.state.services.netbox).token_user_id)
    made = [await gateway.call(lambda api, r=rack, t=tenant, u=unit: api.dcim.rack_reservations.create(
        rack=orders_plant.racks[r], units=[u], user=user,
        tenant=orders_plant.tenants[t].netbox_tenant_id, description="holds space for power tests").id)
        for rack, tenant, unit in POWER_HOLDINGS]
    racks = sorted({orders_plant.racks[rack] for rack, _t, _u in POWER_HOLDINGS})
    await run_in_app(refresh_racks, app.state.services.netbox, racks)
    yield
    await gateway.call(lambda api: api.dcim.rack_reservations.delete(made))
    await run_in_app(refresh_racks, app.state.services.netbox, racks)


# ---- helpers shared by the order tests -------------------------------------------------------

OPS = Principal(key_id="ops-test", role=Role.OPS, name="ops tester")


def tenant_principal(tenant: TenantRead, role: Role = Role.TENANT_ADMIN) -> Principal:
    return Principal(key_id=f"key-{tenant.id.hex[:8]}", role=role, name=f"admin of {tenant.legal_name}",
                     tenant_id=tenant.id)


async def approve(order_id: uuid.UUID) -> None:
    """Ops review and approve (on the app's loop: call through run_in_app)."""
    from dcim.orders.service import act
    from dcim.orders.states import OrderAction

    await act(principal=OPS, order_id=order_id, action=OrderAction.REVIEW)
    await act(principal=OPS, order_id=order_id, action=OrderAction.APPROVE, reason="capacity checked")


async def create_order(**arguments: Any) -> Any:
    """dcim.orders.service.create_order with a read-model cache of its own (on the app's loop: call
    through run_in_app). The cache checks the read model's generation, so any cache answers alike."""
    from dcim.orders.service import create_order as create
    from dcim.readmodel.cache import ReadModelCache

    return await create(cache=ReadModelCache(), **arguments)


@pytest_asyncio.fixture(scope="session")
async def provisioner(app: Litestar, client: AsyncTestClient) -> Provisioner:
    """The app's own provisioner (its gateway lives on the app's event loop)."""
    return Provisioner(app.state.services.netbox)
