"""Power figures that stay true: after each power order (made, approved and fulfilled through the
API against the real NetBox) the rack view, the utilization report, capacity search and the
order-time check name the same sellable, committed and free power (dcim.power).

The rack is built here: A and B supply feeds of 230 V x 16 A x 80 % (2 944 VA each), and a server
of the house plugged into feed A with 400 W allocated draw — load booked in NetBox that Colo did
not sell. The buyer holds U1-U2 of the rack, a neighbour U3, each through a NetBox reservation;
the neighbour's circuit counts in the rack's committed power but never shows in the buyer's view.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from dcim.readmodel.sync import refresh_racks
from devtools.demo.seed import authenticated_user_id
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey
from tests.netbox_cleanup import remove_sites

Run = Callable[..., Awaitable[Any]]
SIDE_VA = 2944  # 230 V x 16 A x 80 %
BOOKED_W = 400  # the house server's allocated draw on feed A
ORDER_KW = 0.5


def _build(api: Any, s: str, buyer_netbox_tenant: int, neighbour_netbox_tenant: int) -> dict[str, int]:
    site = api.dcim.sites.create(name=f"Power agree {s}", slug=f"power-agree-{s}").id
    rack = api.dcim.racks.create(name=f"Rack P {s}", site=site, u_height=42).id
    feeds = {}
    for side, kind in (("A", "primary"), ("B", "redundant")):
        panel = api.dcim.power_panels.create(site=site, name=f"PP {side} {s}").id
        feeds[side] = api.dcim.power_feeds.create(
            power_panel=panel, rack=rack, name=f"P {s}-{side}", status="active", type=kind, supply="ac",
            phase="single-phase", voltage=230, amperage=16, max_utilization=80).id
    maker = api.dcim.manufacturers.create(name=f"maker {s}", slug=f"pmaker-{s}").id
    dtype = api.dcim.device_types.create(manufacturer=maker, model=f"srv {s}", slug=f"psrv-{s}", u_height=1).id
    role = api.dcim.device_roles.create(name=f"srv {s}", slug=f"psrv-{s}").id
    server = api.dcim.devices.create(name=f"house-srv-{s}", device_type=dtype, role=role, site=site, rack=rack,
                                     position=40, face="front").id
    port = api.dcim.power_ports.create(device=server, name="PSU1", allocated_draw=BOOKED_W, maximum_draw=BOOKED_W)
    api.dcim.cables.create(a_terminations=[{"object_type": "dcim.powerport", "object_id": port.id}],
                           b_terminations=[{"object_type": "dcim.powerfeed", "object_id": feeds["A"]}],
                           status="connected", label=f"P-{s}")
    for units, tenant in (([1, 2], buyer_netbox_tenant), ([3], neighbour_netbox_tenant)):
        api.dcim.rack_reservations.create(rack=rack, units=units, user=authenticated_user_id(api),
                                          tenant=tenant, description=f"power agree {s}")
    return {"site": site, "rack": rack, "maker": maker, "dtype": dtype, "role": role}


def _teardown(api: Any, built: dict[str, int]) -> None:
    remove_sites(api, [built["site"]], device_types=[built["dtype"]], device_roles=[built["role"]],
                 manufacturers=[built["maker"]])


@pytest_asyncio.fixture
async def plant(
    app: Litestar, gateway: NetBoxGateway, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
    make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> AsyncIterator[dict[str, Any]]:
    tenant, neighbour = await make_tenant(), await make_tenant()
    s = uuid.uuid4().hex[:8]
    built: dict[str, Any] = await gateway.call(
        lambda api: _build(api, s, tenant.netbox_tenant_id, neighbour.netbox_tenant_id), what="power agree plant")
    await run_in_app(refresh_racks, app.state.services.netbox, [built["rack"]])
    built["buyer"] = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="power buyer")
    built["neighbour"] = await make_key(Role.TENANT_ADMIN, tenant_id=neighbour.id, name="power neighbour")
    built["ops"] = await make_key(Role.OPS, name="power ops")
    try:
        yield built
    finally:
        await gateway.call(lambda api: _teardown(api, built), what="remove power agree plant")


async def _figures(client: AsyncTestClient, plant: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """(sellable, committed, free) in W from each of the four; capacity search shows free only."""
    ops, rack = plant["ops"].headers, plant["rack"]
    view = (await client.get(f"/v1/racks/{rack}", headers=ops)).json()["rack"]["power"]
    report = (await client.get("/v1/power/utilization", params={"site_id": plant["site"]}, headers=ops)).json()
    row = next(r for r in report["racks"] if r["netbox_id"] == rack)
    search = await client.post("/v1/capacity/search", headers=plant["buyer"].headers,
                               json={"units": 1, "kw": 0, "redundant": True, "site_id": plant["site"]})
    placement = next(p for p in search.json()["placements"] if p["rack_id"] == rack)
    # The order-time check: one watt more than free (on a circuit big enough to carry it) is
    # refused, naming its figures.
    over = {"kind": "power", "rack_id": rack, "kw": (view["free_va"] + 1) / 1000, "redundancy": "a+b", "amperage": 32}
    refused = await client.post("/v1/orders", headers=plant["buyer"].headers, json={"spec": over})
    assert refused.status_code == 409, refused.text
    check = refused.json()
    return {
        "rack view": (view["sellable_va"], view["committed_va"], view["free_va"]),
        "utilization": (row["derated_va"], row["committed_va"], row["available_va"]),
        "capacity search": (placement["power_free_va"],),
        "order check": (round(check["sellable_kw"] * 1000), round(check["committed_kw"] * 1000),
                        round(check["available_kw"] * 1000)),
    }


async def _order_power(app: Litestar, client: AsyncTestClient, run_in_app: Run, plant: dict[str, Any],
                       key: IssuedTestKey) -> None:
    """A 0.5 kW A+B order, reviewed, approved and fulfilled; then the rack re-read."""
    made = await client.post("/v1/orders", headers=key.headers,
                             json={"spec": {"kind": "power", "rack_id": plant["rack"], "kw": ORDER_KW,
                                            "redundancy": "a+b"}})
    assert made.status_code == 201, made.text
    for step in ("review", "approve", "fulfil"):
        moved = await client.post(f"/v1/orders/{made.json()['id']}/{step}", headers=plant["ops"].headers)
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "active", moved.text
    # The circuits now exist in NetBox (an A and a B feed, carrying the order id): re-read the rack.
    await run_in_app(refresh_racks, app.state.services.netbox, [plant["rack"]])


async def _circuits(client: AsyncTestClient, plant: dict[str, Any], key: IssuedTestKey) -> list[bool]:
    feeds = (await client.get(f"/v1/racks/{plant['rack']}", headers=key.headers)).json()["feeds"]
    return sorted(f["tenant_circuit"] for f in feeds)


async def test_sellable_committed_and_free_agree_across_all_four_after_each_order(
    app: Litestar, client: AsyncTestClient, run_in_app: Run, plant: dict[str, Any],
) -> None:
    order_w = round(ORDER_KW * 1000)
    await _order_power(app, client, run_in_app, plant, plant["neighbour"])
    for n in range(4):
        committed = BOOKED_W + order_w + n * order_w  # the house server, the neighbour, n orders
        expected = (SIDE_VA, committed, SIDE_VA - committed)
        figures = await _figures(client, plant)
        assert figures == {"rack view": expected, "utilization": expected, "capacity search": expected[2:],
                           "order check": expected}, f"after {n} orders"
        # Ops see both supply feeds and every circuit; the buyer the supply and its own circuits.
        assert await _circuits(client, plant, plant["ops"]) == [False] * 2 + [True] * 2 * (n + 1)
        assert await _circuits(client, plant, plant["buyer"]) == [False] * 2 + [True] * 2 * n
        if n < 3:
            await _order_power(app, client, run_in_app, plant, plant["buyer"])


async def test_a_power_order_counts_in_the_rack_view_from_the_moment_it_is_made_until_cancelled(
    client: AsyncTestClient, plant: dict[str, Any],
) -> None:
    """The rack views cache Colo's open power orders per read-model generation: making, moving and
    cancelling a power order bump it, so no view shows a committed figure older than the order book."""
    ops, rack = plant["ops"].headers, plant["rack"]

    async def committed() -> int:
        detail = await client.get(f"/v1/racks/{rack}", headers=ops)
        listed = await client.get("/v1/racks", params={"site_id": plant["site"]}, headers=ops)
        [row] = [r for r in listed.json()["items"] if r["netbox_id"] == rack]
        assert detail.json()["rack"]["power"]["committed_va"] == row["power"]["committed_va"]
        return int(row["power"]["committed_va"])

    before = await committed()  # also fills the caches the order must invalidate
    made = await client.post("/v1/orders", headers=plant["buyer"].headers,
                             json={"spec": {"kind": "power", "rack_id": rack, "kw": ORDER_KW, "redundancy": "a+b"}})
    assert made.status_code == 201, made.text
    assert await committed() == before + round(ORDER_KW * 1000)  # submitted: no NetBox write, no sync
    cancelled = await client.post(f"/v1/orders/{made.json()['id']}/cancel", headers=plant["buyer"].headers,
                                  json={"reason": "changed our mind"})
    assert cancelled.status_code == 200, cancelled.text
    assert await committed() == before
