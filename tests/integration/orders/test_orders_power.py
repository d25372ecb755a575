"""Power orders against the real NetBox: headroom at order and at fulfilment, feeds, release."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from colo.errors import Conflict, ValidationFailed
from dcim.netbox import NetBoxGateway
from dcim.netbox.provisioning import ORDER_FIELD, Provisioner
from dcim.orders.fulfil import decommission, fulfil
from dcim.orders.schemas import OrderCreate, PowerSpec
from dcim.orders.service import act
from dcim.orders.states import OrderAction
from dcim.power import available_va
from tests.integration.orders.plant import OrdersPlant, approve, create_order, tenant_principal

Run = Callable[..., Awaitable[Any]]
# Tenants a and z hold a unit in the space and single racks: power goes only where a tenant holds space.
pytestmark = pytest.mark.usefixtures("power_holders")


def power(rack_id: int, kw: float, redundancy: str = "a+b", **circuit: Any) -> OrderCreate:
    return OrderCreate(spec=PowerSpec(rack_id=rack_id, kw=kw, redundancy=redundancy, **circuit))  # type: ignore[arg-type]


async def feeds_of(gateway: NetBoxGateway, order_id: Any) -> list[dict[str, Any]]:
    return [f for f in await gateway.call(lambda api: [dict(f) for f in api.dcim.power_feeds.filter(tag="colo")])
            if f["custom_fields"].get(ORDER_FIELD) == str(order_id)]


async def test_over_sell_is_refused_with_the_numbers_and_fulfilment_creates_both_feeds(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    rack = orders_plant.racks["space"]  # A and B feeds of 230 V x 16 A x 80 % = 2.944 kW each
    tenant = orders_plant.tenants["a"]
    who = tenant_principal(tenant)
    first, _ = await run_in_app(create_order, principal=who, body=power(rack, 2.0), idempotency_key=None,
                                provisioner=provisioner)
    with pytest.raises(Conflict) as caught:
        await run_in_app(create_order, principal=who, body=power(rack, 1.5), idempotency_key=None,
                         provisioner=provisioner)
    numbers = caught.value.extra
    assert (numbers["requested_kw"], numbers["available_kw"], numbers["committed_kw"]) == (1.5, 0.944, 2.0)

    await run_in_app(approve, first.id)
    row = await run_in_app(fulfil, order_id=first.id, provisioner=provisioner)
    assert row.state == "active", row.last_error
    feeds = sorted(await feeds_of(gateway, first.id), key=lambda f: f["name"])
    assert [f["type"]["value"] for f in feeds] == ["primary", "redundant"]
    assert {f["tenant"]["id"] for f in feeds} == {tenant.netbox_tenant_id}
    assert {f["rack"]["id"] for f in feeds} == {rack}
    panels = await gateway.call(lambda api: {f.id: f.power_panel.id for f in api.dcim.power_feeds.filter(rack_id=rack)})
    assert feeds[0]["power_panel"]["id"] == panels[orders_plant.feeds["space-A"]]
    assert feeds[1]["power_panel"]["id"] == panels[orders_plant.feeds["space-B"]]

    # The tenant circuits are not counted as more supply: the rack is still full.
    with pytest.raises(Conflict):
        await run_in_app(create_order, principal=who, body=power(rack, 1.0), idempotency_key=None,
                         provisioner=provisioner)
    await run_in_app(act, principal=who, order_id=first.id, action=OrderAction.REQUEST_DECOMMISSION)
    row = await run_in_app(decommission, order_id=first.id, provisioner=provisioner)
    assert row.state == "decommissioned"
    assert await feeds_of(gateway, first.id) == []
    released, _ = await run_in_app(create_order, principal=who, body=power(rack, 1.5), idempotency_key=None,
                                   provisioner=provisioner)
    await run_in_app(act, principal=who, order_id=released.id, action=OrderAction.CANCEL)


async def test_concurrent_power_orders_cannot_both_take_the_last_headroom(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    rack = orders_plant.racks["single"]  # one 2.944 kW feed
    outcomes: list[Any] = []

    async def attempt(tenant_key: str) -> None:
        try:
            outcomes.append(await run_in_app(
                create_order, principal=tenant_principal(orders_plant.tenants[tenant_key]),
                body=power(rack, 2.0, "single"), idempotency_key=None, provisioner=provisioner))
        except Conflict as exc:
            outcomes.append(exc)

    async with anyio.create_task_group() as group:
        group.start_soon(attempt, "a")
        group.start_soon(attempt, "z")
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1 and len(outcomes) == 2
    assert conflicts[0].extra["committed_kw"] == 2.0
    won = next(o for o in outcomes if isinstance(o, tuple))[0]
    owner = "a" if won.tenant_id == orders_plant.tenants["a"].id else "z"
    await run_in_app(act, principal=tenant_principal(orders_plant.tenants[owner]), order_id=won.id,
                     action=OrderAction.CANCEL)


async def test_redundant_order_needs_a_b_side_and_the_circuit_must_carry_the_load(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    who = tenant_principal(orders_plant.tenants["a"])
    with pytest.raises(Conflict) as caught:
        await run_in_app(create_order, principal=who, body=power(orders_plant.racks["single"], 1.0, "a+b"),
                         idempotency_key=None, provisioner=provisioner)
    assert caught.value.extra["sellable_kw"] == 0
    with pytest.raises(ValidationFailed) as invalid:
        await run_in_app(create_order, principal=who, body=power(orders_plant.racks["space"], 3.0),
                         idempotency_key=None, provisioner=provisioner)
    assert invalid.value.field == "kw"


async def test_fulfilment_rechecks_headroom_against_the_live_supply(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    rack, supply = orders_plant.racks["single"], orders_plant.feeds["single-A"]
    who = tenant_principal(orders_plant.tenants["z"])
    order, _ = await run_in_app(create_order, principal=who, body=power(rack, 1.0, "single"),
                                idempotency_key=None, provisioner=provisioner)
    await run_in_app(approve, order.id)
    # The supply is derated in NetBox after the order was taken: 230 V x 4 A x 80 % = 0.736 kW.
    await gateway.call(lambda api: api.dcim.power_feeds.get(supply).update({"amperage": 4}))
    try:
        row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    finally:
        await gateway.call(lambda api: api.dcim.power_feeds.get(supply).update({"amperage": 16}))
    assert row.state == "failed"
    assert "0.736 kW available" in row.last_error
    assert await feeds_of(gateway, order.id) == []
    # Retried once the supply is back: it builds.
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "active"
    assert len(await feeds_of(gateway, order.id)) == 1


@pytest.mark.parametrize(("voltage", "amperage", "utilization", "phase"), [
    (230, 16, 80, "single-phase"), (400, 32, 80, "three-phase"), (230, 32, 75, "three-phase"),
])
async def test_power_formula_matches_netbox_to_the_watt(
    orders_plant: OrdersPlant, gateway: NetBoxGateway, voltage: int, amperage: int, utilization: int, phase: str,
) -> None:
    def measure(api: Any) -> int:
        panel = next(iter(api.dcim.power_panels.filter(site_id=orders_plant.site_id)))
        feed = api.dcim.power_feeds.create(power_panel=panel.id, name=f"formula-{voltage}-{amperage}-{utilization}",
                                           phase=phase, voltage=voltage, amperage=amperage,
                                           max_utilization=utilization)
        try:
            answer = api.http_session.post(
                f"{api.base_url.removesuffix('/api')}/graphql/",
                json={"query": f"{{power_feed(id:{feed.id}){{ available_power }}}}"},
                headers={"Authorization": f"Bearer {api.token}"},
            ).json()
            return int(answer["data"]["power_feed"]["available_power"])
        finally:
            feed.delete()

    netbox_va = await gateway.call(measure)
    assert available_va(voltage=voltage, amperage=amperage, max_utilization=utilization, phase=phase) == netbox_va


async def test_panel_capacity_recorded_in_netbox_limits_every_rack_it_feeds(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    rack = orders_plant.racks["space"]
    panel_b = await gateway.call(lambda api: api.dcim.power_feeds.get(orders_plant.feeds["space-B"]).power_panel.id)
    who = tenant_principal(orders_plant.tenants["a"])
    await run_in_app(provisioner.ensure_schema)  # creates the colo_capacity_kw field on panels
    await gateway.call(lambda api: api.dcim.power_panels.get(panel_b).update(
        {"custom_fields": {"colo_capacity_kw": 1}}))
    try:
        first, _ = await run_in_app(create_order, principal=who, body=power(rack, 0.8), idempotency_key=None,
                                    provisioner=provisioner)
        with pytest.raises(Conflict) as caught:
            await run_in_app(create_order, principal=who, body=power(rack, 0.5), idempotency_key=None,
                             provisioner=provisioner)
        assert caught.value.extra["scope"] == f"power panel {panel_b}"
        assert (caught.value.extra["committed_kw"], caught.value.extra["available_kw"]) == (0.8, 0.2)
        # A single-side order is fed from panel A only: panel B's limit does not apply.
        single, _ = await run_in_app(create_order, principal=who, body=power(rack, 0.5, "single"),
                                     idempotency_key=None, provisioner=provisioner)
        for order in (first, single):
            await run_in_app(act, principal=who, order_id=order.id, action=OrderAction.CANCEL)
    finally:
        await gateway.call(lambda api: api.dcim.power_panels.get(panel_b).update(
            {"custom_fields": {"colo_capacity_kw": None}}))
