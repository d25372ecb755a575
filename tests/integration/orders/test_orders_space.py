"""Space orders against the real NetBox and PostgreSQL: reserve, race, refuse, resume, release."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from litestar import Litestar

from colo.errors import Conflict, ValidationFailed
from colo.paging import PageRequest
from dcim.netbox import NetBoxGateway
from dcim.netbox.provisioning import ORDER_FIELD, Provisioner
from dcim.orders import store
from dcim.orders.fulfil import decommission, fulfil
from dcim.orders.schemas import OrderCreate, SpaceSpec
from dcim.orders.service import act
from dcim.orders.states import OrderAction
from tests.integration.orders.plant import OPS, OrdersPlant, approve, create_order, tenant_principal

Run = Callable[..., Awaitable[Any]]


def space(rack_id: int, units: int, position: int | None = None) -> OrderCreate:
    return OrderCreate(spec=SpaceSpec(rack_id=rack_id, units=units, position=position))


async def reservations_on(gateway: NetBoxGateway, rack_id: int) -> list[dict[str, Any]]:
    return await gateway.call(lambda api: [dict(r) for r in api.dcim.rack_reservations.filter(rack_id=rack_id)])


async def test_space_order_reserves_in_netbox_and_decommission_releases(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    tenant = orders_plant.tenants["a"]
    who = tenant_principal(tenant)
    order, created = await run_in_app(create_order, principal=who, body=space(orders_plant.racks["space"], 4, 1),
                                      idempotency_key=None, provisioner=provisioner)
    assert created and order.state == "submitted" and order.spec["units_assigned"] == [1, 2, 3, 4]
    await run_in_app(approve, order.id)
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "active", row.last_error

    found = [r for r in await reservations_on(gateway, orders_plant.racks["space"])
             if r["custom_fields"][ORDER_FIELD] == str(order.id)]
    assert len(found) == 1
    assert sorted(found[0]["units"]) == [1, 2, 3, 4]
    assert found[0]["tenant"]["id"] == tenant.netbox_tenant_id
    assert [t["slug"] for t in found[0]["tags"]] == ["colo"]

    events = await run_in_app(store.events, order_id=order.id, page=PageRequest())
    history = [(e.action, e.to_state, e.actor) for e in events.items]
    assert [h[0] for h in history] == ["submit", "review", "approve", "start_provisioning", "activate"]
    assert history[0][2] == who.name and history[2][2] == OPS.name and history[4][2] == "colo-fulfilment"

    await run_in_app(act, principal=who, order_id=order.id, action=OrderAction.REQUEST_DECOMMISSION)
    row = await run_in_app(decommission, order_id=order.id, provisioner=provisioner)
    assert row.state == "decommissioned"
    assert not [r for r in await reservations_on(gateway, orders_plant.racks["space"])
                if r["custom_fields"][ORDER_FIELD] == str(order.id)]
    # The units are free again for the next order.
    again, _ = await run_in_app(create_order, principal=who, body=space(orders_plant.racks["space"], 4, 1),
                                idempotency_key=None, provisioner=provisioner)
    assert again.spec["units_assigned"] == [1, 2, 3, 4]
    await run_in_app(act, principal=who, order_id=again.id, action=OrderAction.CANCEL)


async def test_two_orders_racing_for_overlapping_units_exactly_one_wins(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    rack = orders_plant.racks["space"]
    a, z = tenant_principal(orders_plant.tenants["a"]), tenant_principal(orders_plant.tenants["z"])
    outcomes: list[Any] = []

    async def attempt(who: Any, position: int) -> None:
        try:
            outcomes.append(await run_in_app(create_order, principal=who, body=space(rack, 6, position),
                                             idempotency_key=None, provisioner=provisioner))
        except Conflict as exc:
            outcomes.append(exc)

    async with anyio.create_task_group() as group:
        group.start_soon(attempt, a, 20)
        group.start_soon(attempt, z, 23)  # overlaps 23..25
    wins = [o[0] for o in outcomes if isinstance(o, tuple)]
    losses = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert set(losses[0].extra["taken_units"]) <= {23, 24, 25}

    await run_in_app(approve, wins[0].id)
    assert (await run_in_app(fulfil, order_id=wins[0].id, provisioner=provisioner)).state == "active"
    overlapping = [r for r in await reservations_on(gateway, rack) if set(r["units"]) & set(range(20, 29))]
    assert len(overlapping) == 1


async def test_units_reserved_in_netbox_behind_colos_back_fail_fulfilment_cleanly(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    rack = orders_plant.racks["space"]
    who = tenant_principal(orders_plant.tenants["a"])
    order, _ = await run_in_app(create_order, principal=who, body=space(rack, 2, 40),
                                idempotency_key=None, provisioner=provisioner)
    user_id = await run_in_app(provisioner.token_user_id)
    await gateway.call(lambda api: api.dcim.rack_reservations.create(
        rack=rack, units=[41], user=user_id, description="laid without authorisation"))
    await run_in_app(approve, order.id)
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "failed"
    assert "[41]" in row.last_error and "no longer free" in row.last_error
    mine = [r for r in await reservations_on(gateway, rack) if r["custom_fields"][ORDER_FIELD] == str(order.id)]
    assert mine == []


async def test_order_for_taken_units_is_refused_with_the_units(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    rack = orders_plant.racks["kit"]  # tenant panels sit at units 28, 30 and 40
    with pytest.raises(Conflict) as caught:
        await run_in_app(create_order, principal=tenant_principal(orders_plant.tenants["a"]),
                         body=space(rack, 3, 27), idempotency_key=None, provisioner=provisioner)
    assert caught.value.extra["taken_units"] == [28]


async def test_fulfilment_resumes_after_a_crash_without_a_twin(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    rack = orders_plant.racks["space"]
    tenant = orders_plant.tenants["z"]
    order, _ = await run_in_app(create_order, principal=tenant_principal(tenant), body=space(rack, 2, 10),
                                idempotency_key=None, provisioner=provisioner)
    await run_in_app(approve, order.id)
    # A previous run took the order and created the reservation, then died before recording it.
    await run_in_app(store.transition, order.id, OrderAction.START_PROVISIONING, actor=store.SYSTEM)
    made = await run_in_app(provisioner.create_reservation, order_id=order.id, rack_id=rack, units=[10, 11],
                            netbox_tenant_id=tenant.netbox_tenant_id, description="first attempt")
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "active"
    assert row.netbox["reservation_id"] == made.id
    mine = [r for r in await reservations_on(gateway, rack) if r["custom_fields"][ORDER_FIELD] == str(order.id)]
    assert [r["id"] for r in mine] == [made.id]


async def test_netbox_down_leaves_the_order_waiting_visibly_then_it_resumes(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    rack = orders_plant.racks["space"]
    order, _ = await run_in_app(create_order, principal=tenant_principal(orders_plant.tenants["a"]),
                                body=space(rack, 1, 15), idempotency_key=None, provisioner=provisioner)
    await run_in_app(approve, order.id)
    # A NetBox nobody listens on: the connection is refused, exactly as when it is down.
    down = await run_in_app(_down_provisioner)
    row = await run_in_app(fulfil, order_id=order.id, provisioner=down)
    assert row.state == "provisioning"
    assert row.last_error.startswith("waiting for NetBox")
    assert row.next_attempt_at is not None and (await run_in_app(store.load, order.id)).lease_until is None
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "active" and row.last_error == "" and row.attempts == 2


async def _down_provisioner() -> Provisioner:
    return Provisioner(NetBoxGateway(url="http://127.0.0.1:9", token="nbt_x.y", connect_timeout=1, read_timeout=1))


async def test_idempotency_key_returns_the_same_order(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    who = tenant_principal(orders_plant.tenants["z"])
    key = f"order-{uuid.uuid4().hex}"
    body = space(orders_plant.racks["space"], 1, 35)
    first, created = await run_in_app(create_order, principal=who, body=body, idempotency_key=key,
                                      provisioner=provisioner)
    second, created_again = await run_in_app(create_order, principal=who, body=body, idempotency_key=key,
                                             provisioner=provisioner)
    assert created and not created_again and first.id == second.id
    with pytest.raises(ValidationFailed) as caught:
        await run_in_app(create_order, principal=who, body=space(orders_plant.racks["space"], 1, 36),
                         idempotency_key=key, provisioner=provisioner)
    assert caught.value.field == "Idempotency-Key"


async def test_space_anywhere_in_a_hall_uses_the_capacity_search_then_the_live_rack(
    run_in_app: Run, app: Litestar, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    from dcim.readmodel.sync import refresh_racks

    hall_racks = [orders_plant.racks[k] for k in ("space", "single", "kit")]
    await run_in_app(refresh_racks, app.state.services.netbox, hall_racks)
    who = tenant_principal(orders_plant.tenants["a"])
    # The plant's halls are not in the read model's location table (no full sync): search by site.
    wanted = OrderCreate(spec=SpaceSpec(units=3, site_id=orders_plant.site_id, redundant=False))
    order, _ = await run_in_app(create_order, principal=who, body=wanted, idempotency_key=None,
                                provisioner=provisioner)
    assert order.spec["rack_id"] in hall_racks
    assert len(order.spec["units_assigned"]) == 3
    await run_in_app(act, principal=who, order_id=order.id, action=OrderAction.CANCEL)
    with pytest.raises(Conflict, match="no rack matching"):
        await run_in_app(create_order, principal=who, idempotency_key=None, provisioner=provisioner,
                         body=OrderCreate(spec=SpaceSpec(units=3, hall=f"Nowhere {orders_plant.suffix}")))
    with pytest.raises(ValidationFailed) as caught:
        await run_in_app(create_order, principal=who, idempotency_key=None, provisioner=provisioner,
                         body=OrderCreate(spec=SpaceSpec(units=3, position=4)))
    assert caught.value.field == "position"
