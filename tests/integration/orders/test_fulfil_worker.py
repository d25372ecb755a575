"""Fulfilment beyond the happy path: the worker picks work up, leases stop twin runs, NetBox
down at order time stores nothing, offboarding sends built services to decommissioning."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest

from colo.errors import Unavailable
from colo.paging import PageRequest
from dcim.netbox import NetBoxGateway
from dcim.netbox.provisioning import ORDER_FIELD, Provisioner
from dcim.orders import store
from dcim.orders.fulfil import fulfil
from dcim.orders.schemas import OrderCreate, SpaceSpec
from dcim.orders.states import OrderAction
from dcim.orders.tables import Order
from dcim.orders.worker import FulfilmentWorker, on_tenant_status
from tenants.events import TenantStatusChange
from tenants.schemas import TenantRead
from tests.integration.orders.plant import OrdersPlant, approve, create_order, tenant_principal

Run = Callable[..., Awaitable[Any]]


async def _order(run_in_app: Run, plant: OrdersPlant, provisioner: Provisioner, position: int,
                 tenant: dict[str, Any] | None = None) -> Any:
    order, _ = await run_in_app(create_order, principal=tenant_principal(tenant or plant.tenants["a"]),
                                # The "single" rack's units: the space tests own the "space" rack's.
                                body=OrderCreate(spec=SpaceSpec(rack_id=plant.racks["single"], units=1,
                                                                position=position)),
                                idempotency_key=None, provisioner=provisioner)
    return order


async def _reservations(gateway: NetBoxGateway, order_id: Any) -> list[int]:
    found = await gateway.call(lambda api: [dict(r) for r in api.dcim.rack_reservations.filter(tag="colo")])
    return [r["id"] for r in found if r["custom_fields"].get(ORDER_FIELD) == str(order_id)]


async def test_worker_builds_approved_orders_resumes_stale_runs_and_respects_back_off(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    approved = await _order(run_in_app, orders_plant, provisioner, 1)
    stale = await _order(run_in_app, orders_plant, provisioner, 2)
    waiting = await _order(run_in_app, orders_plant, provisioner, 3)
    for order in (approved, stale, waiting):
        await run_in_app(approve, order.id)
    # `stale`: a run took it and died (its lease ran out); `waiting`: NetBox failed, retry later.
    await run_in_app(store.transition, stale.id, OrderAction.START_PROVISIONING, actor=store.SYSTEM)
    await run_in_app(store.record, stale.id, {Order.lease_until: store.now() - timedelta(seconds=1)})
    await run_in_app(store.record, waiting.id, {Order.next_attempt_at: store.now() + timedelta(hours=1)})

    worker = FulfilmentWorker(provisioner, batch=50)
    await run_in_app(worker.run_once)
    states = {o.id: (await run_in_app(store.load, o.id)).state for o in (approved, stale, waiting)}
    assert states == {approved.id: "active", stale.id: "active", waiting.id: "approved"}
    assert len(await _reservations(gateway, stale.id)) == 1


async def test_two_simultaneous_fulfilment_runs_build_once(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    order = await _order(run_in_app, orders_plant, provisioner, 4)
    await run_in_app(approve, order.id)
    results: list[Any] = []

    async def run() -> None:
        try:
            results.append((await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)).state)
        except Exception as exc:  # the loser may see the order already moved
            results.append(type(exc).__name__)

    async with anyio.create_task_group() as group:
        group.start_soon(run)
        group.start_soon(run)
    assert "active" in results, results
    assert (await run_in_app(store.load, order.id)).state == "active"
    assert len(await _reservations(gateway, order.id)) == 1


async def test_netbox_down_when_ordering_stores_nothing(
    run_in_app: Run, orders_plant: OrdersPlant,
) -> None:
    async def dead() -> Provisioner:
        return Provisioner(NetBoxGateway(url="http://127.0.0.1:9", token="nbt_x.y", connect_timeout=1,
                                         read_timeout=1))

    down = await run_in_app(dead)
    tenant = orders_plant.tenants["z"]

    async def count() -> int:
        return await Order.count().where(Order.tenant_id == tenant.id)

    before = await run_in_app(count)
    with pytest.raises(Unavailable):
        await run_in_app(create_order, principal=tenant_principal(tenant), idempotency_key="down-1",
                         body=OrderCreate(spec=SpaceSpec(rack_id=orders_plant.racks["space"], units=1)),
                         provisioner=down)
    assert await run_in_app(count) == before


async def test_offboarding_sends_built_services_to_decommission_and_cancels_the_rest(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
    make_tenant: Callable[..., Awaitable[TenantRead]],
) -> None:
    leaving = await make_tenant()
    built = await _order(run_in_app, orders_plant, provisioner, 5, tenant=leaving)
    await run_in_app(approve, built.id)
    assert (await run_in_app(fulfil, order_id=built.id, provisioner=provisioner)).state == "active"
    pending = await _order(run_in_app, orders_plant, provisioner, 6, tenant=leaving)
    change = TenantStatusChange(leaving.id, "active", "offboarded", "contract ended", "ops")
    # The hook is idempotent: an operator may repeat an offboarding.
    await run_in_app(on_tenant_status, change)
    await run_in_app(on_tenant_status, change)
    assert (await run_in_app(store.load, built.id)).state == "decommission_requested"
    assert (await run_in_app(store.load, pending.id)).state == "cancelled"
    reasons = [e.reason for e in (await run_in_app(store.events, order_id=built.id, page=PageRequest())).items]
    assert reasons[-1] == "tenant offboarded: contract ended"
