"""The order-time power check over HTTP: staff reading a power order get the power committed on its
rack beside the rack's measured draw and 7- and 30-day peaks, per feed too; the tenant reads its
order without them, another tenant gets 404; a rack no meter measures says so.

Real NetBox (the orders plant's rack with A and B feeds), real PostgreSQL; meters are BMS meters
of the rack's feeds and their readings are pushed through the staff push-ingest API (the real
roll-ups), one of them three days old so the peaks differ from the draw now.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from metering.discovery import DiscoveredMeter, sync_meters
from metering.status import MeterSource
from tests.integration.orders.plant import OrdersPlant

MakeKey = Callable[..., Awaitable[Any]]
Run = Callable[..., Awaitable[Any]]
CAPACITY_W = 2944  # 230 V x 16 A x 80 %


async def _order(client: AsyncTestClient[Litestar], headers: dict[str, str], rack: int, kw: float,
                 redundancy: str = "a+b") -> str:
    made = await client.post("/v1/orders", headers=headers, json={"spec": {
        "kind": "power", "rack_id": rack, "kw": kw, "redundancy": redundancy}})
    assert made.status_code == 201, made.text
    order_id: str = made.json()["id"]
    return order_id


@pytest.mark.usefixtures("power_holders")
async def test_staff_see_measured_peaks_beside_committed_power(
        client: AsyncTestClient[Litestar], make_key: MakeKey, run_in_app: Run, orders_plant: OrdersPlant) -> None:
    plant = orders_plant
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=plant.tenants["a"].id)).headers
    z = (await make_key(Role.TENANT_ADMIN, tenant_id=plant.tenants["z"].id)).headers
    ops = (await make_key(Role.OPS, name="power check ops")).headers
    rack = plant.racks["space"]
    tag = uuid.uuid4().hex[:8]
    keys = {"A": f"check-{tag}-a", "B": f"check-{tag}-b"}
    await run_in_app(sync_meters, [DiscoveredMeter(
        key=keys[letter], name=keys[letter], netbox_device_id=None, host="", feed_id=plant.feeds[f"space-{letter}"],
        feed_name=f"space-{letter}-{plant.suffix}", side=side, feed_capacity_w=CAPACITY_W, rack_id=rack,
        tenant_id=plant.tenants["a"].id, contracted_w=750, source=MeterSource.PUSH)
        for letter, side in (("A", "primary"), ("B", "redundant"))], deactivate_missing=False)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=20)
    old = now - timedelta(days=3)
    readings = [{"meter": keys["A"], "at": now.isoformat(), "metric": "power_w", "value": 1100},
                {"meter": keys["B"], "at": now.isoformat(), "metric": "power_w", "value": 600},
                {"meter": keys["A"], "at": old.isoformat(), "metric": "power_w", "value": 1900},
                {"meter": keys["B"], "at": old.isoformat(), "metric": "power_w", "value": 700}]
    pushed = await client.post("/v1/metering/readings", headers=ops, json={"readings": readings})
    assert pushed.status_code == 200, pushed.text
    first = await _order(client, a, rack, 1.5)
    second = await _order(client, z, rack, 0.5)
    try:
        answer = await client.get(f"/v1/orders/{first}", headers=ops)
        assert answer.status_code == 200, answer.text
        check = answer.json()["power_check"]
        assert (check["rack_id"], check["requested_w"], check["measured"]) == (rack, 1500, True)
        assert (check["meters"], check["meters_reporting"]) == (2, 2)
        assert (check["measured_now_w"], check["peak_7d_w"], check["peak_30d_w"]) == (1700, 2600, 2600)
        assert check["peak_7d_at"] is not None
        assert datetime.fromisoformat(check["peak_7d_at"]) <= old
        assert [(f["feed_id"], f["side"], f["capacity_w"], f["contracted_w"], f["measured_now_w"], f["peak_7d_w"])
                for f in check["feeds"]] == [
            (plant.feeds["space-A"], "primary", CAPACITY_W, 750, 1100, 1900),
            (plant.feeds["space-B"], "redundant", CAPACITY_W, 750, 600, 700)]
        other = (await client.get(f"/v1/orders/{second}", headers=ops)).json()["power_check"]
        # each order's committed figure is the rack's other orders: the two differ by the orders themselves
        assert check["committed_w"] - other["committed_w"] == 500 - 1500
        assert check["committed_w"] >= 500
        own = await client.get(f"/v1/orders/{first}", headers=a)
        assert own.status_code == 200 and own.json()["power_check"] is None  # staff only
        assert (await client.get(f"/v1/orders/{first}", headers=z)).status_code == 404
        listed = await client.get("/v1/orders", headers=ops, params={"kind": "power", "limit": 5})
        assert all(item["power_check"] is None for item in listed.json()["items"])  # one order's read only
    finally:
        for order_id, headers in ((first, a), (second, z)):
            await client.post(f"/v1/orders/{order_id}/cancel", headers=headers)


@pytest.mark.usefixtures("power_holders")
async def test_a_rack_no_meter_measures_says_so(
        client: AsyncTestClient[Litestar], make_key: MakeKey, orders_plant: OrdersPlant) -> None:
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers
    ops = (await make_key(Role.OPS, name="power check ops")).headers
    order_id = await _order(client, a, orders_plant.racks["single"], 0.25, "single")
    try:
        check = (await client.get(f"/v1/orders/{order_id}", headers=ops)).json()["power_check"]
        assert (check["requested_w"], check["measured"], check["meters"], check["feeds"]) == (250, False, 0, [])
        space = await client.get("/v1/orders", headers=ops, params={"kind": "space", "limit": 1})
        for item in space.json()["items"]:
            read = await client.get(f"/v1/orders/{item['id']}", headers=ops)
            assert read.json()["power_check"] is None  # a space order has none
    finally:
        await client.post(f"/v1/orders/{order_id}/cancel", headers=a)
