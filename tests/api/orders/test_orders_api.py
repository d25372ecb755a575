"""Orders over HTTP with real keys: lifecycle, idempotency, problem details, tenant isolation."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient

from colo.identity import Role
from tenants.schemas import TenantRead
from tests.integration.orders.plant import OrdersPlant

MakeKey = Callable[..., Awaitable[Any]]


async def keys_for(make_key: MakeKey, plant: OrdersPlant) -> dict[str, dict[str, str]]:
    a = await make_key(Role.TENANT_ADMIN, tenant_id=plant.tenants["a"].id)
    z = await make_key(Role.TENANT_ADMIN, tenant_id=plant.tenants["z"].id)
    member = await make_key(Role.TENANT_MEMBER, tenant_id=plant.tenants["a"].id)
    ops = await make_key(Role.OPS)
    return {"a": a.headers, "z": z.headers, "member": member.headers, "ops": ops.headers}


async def test_space_order_lifecycle_over_http(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant,
) -> None:
    keys = await keys_for(make_key, orders_plant)
    body = {"spec": {"kind": "space", "rack_id": orders_plant.racks["space"], "units": 2, "position": 30}}
    idem = {"Idempotency-Key": f"api-{uuid.uuid4().hex}"}
    created = await client.post("/v1/orders", json=body, headers={**keys["member"], **idem})
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["state"] == "submitted" and order["spec"]["units_assigned"] == [30, 31]
    replay = await client.post("/v1/orders", json=body, headers={**keys["member"], **idem})
    assert replay.status_code == 200 and replay.json()["id"] == order["id"]

    oid = order["id"]
    denied = await client.post(f"/v1/orders/{oid}/approve", headers=keys["a"])
    assert denied.status_code == 403
    for step in ("review", "approve"):
        moved = await client.post(f"/v1/orders/{oid}/{step}", headers=keys["ops"])
        assert moved.status_code == 200, moved.text
    built = await client.post(f"/v1/orders/{oid}/fulfil", headers=keys["ops"])
    assert built.status_code == 200 and built.json()["state"] == "active", built.text
    assert built.json()["netbox"]["units"] == [30, 31]
    assert built.json()["allowed_actions"] == ["request_decommission"]

    history = (await client.get(f"/v1/orders/{oid}/events", headers=keys["a"])).json()["items"]
    assert [e["to_state"] for e in history] == ["submitted", "in_review", "approved", "provisioning", "active"]
    assert history[2]["actor_role"] == "ops"

    member_decom = await client.post(f"/v1/orders/{oid}/request-decommission", headers=keys["member"])
    assert member_decom.status_code == 403  # only the tenant's admin (or ops) ends a service
    asked = await client.post(f"/v1/orders/{oid}/request-decommission", json={"reason": "moving out"},
                              headers=keys["a"])
    assert asked.status_code == 200 and asked.json()["state"] == "decommission_requested"
    gone = await client.post(f"/v1/orders/{oid}/decommission", headers=keys["ops"])
    assert gone.json()["state"] == "decommissioned"


async def test_another_tenants_order_answers_exactly_like_a_missing_one(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant,
) -> None:
    keys = await keys_for(make_key, orders_plant)
    body = {"spec": {"kind": "space", "rack_id": orders_plant.racks["space"], "units": 1, "position": 33}}
    oid = (await client.post("/v1/orders", json=body, headers=keys["a"])).json()["id"]
    missing = str(uuid.uuid4())
    for suffix in ("", "/events", "/loa"):
        theirs = await client.get(f"/v1/orders/{oid}{suffix}", headers=keys["z"])
        nothing = await client.get(f"/v1/orders/{missing}{suffix}", headers=keys["z"])
        assert theirs.status_code == nothing.status_code == 404
        strip = {"instance", "request_id"}
        assert {k: v for k, v in theirs.json().items() if k not in strip} == \
               {k: v for k, v in nothing.json().items() if k not in strip}
    cancel = await client.post(f"/v1/orders/{oid}/cancel", headers=keys["z"])
    assert cancel.status_code == 404
    listed = (await client.get("/v1/orders", headers=keys["z"])).json()
    assert oid not in {o["id"] for o in listed["items"]}
    staff_view = (await client.get("/v1/orders?state=submitted", headers=keys["ops"])).json()
    assert oid in {o["id"] for o in staff_view["items"]}
    await client.post(f"/v1/orders/{oid}/cancel", headers=keys["a"])


async def test_bad_input_is_a_problem_naming_the_field_and_stores_nothing(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant,
) -> None:
    keys = await keys_for(make_key, orders_plant)
    before = (await client.get("/v1/orders", params={"limit": 200}, headers=keys["a"])).json()
    assert before["next_cursor"] is None
    rack = orders_plant.racks["space"]
    cases = [
        ({"spec": {"kind": "space", "rack_id": rack, "units": 2, "colour": "red"}}, 400, "colour"),
        ({"spec": {"kind": "space", "rack_id": rack, "units": 0}}, 400, "spec.units"),
        ({"spec": {"kind": "teleport", "rack_id": rack}}, 400, "spec"),
        ({"spec": {"kind": "power", "rack_id": rack, "kw": 3.5}}, 422, "kw"),
        ({"spec": {"kind": "space", "rack_id": rack, "units": 4, "position": 40}}, 422, "position"),
        ({"spec": {"kind": "space", "rack_id": rack, "units": 1}, "tenant_id": str(uuid.uuid4())}, 422,
         "tenant_id"),
        ({"spec": {"kind": "cross_connect", "a_port_id": 1, "z_port_id": 1, "media": "copper",
                   "speed": "1G"}}, 422, "z_port_id"),
    ]
    for body, status, field in cases:
        response = await client.post("/v1/orders", json=body, headers=keys["a"])
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.json().get("field", "") + response.json()["detail"], response.json()
    bad_key = await client.post("/v1/orders", json=cases[0][0], headers={**keys["a"], "Idempotency-Key": "a b"})
    assert bad_key.status_code == 400
    assert (await client.get("/v1/orders", params={"limit": 200}, headers=keys["a"])).json() == before


@pytest.mark.usefixtures("power_holders")  # both tenants hold space in the rack
async def test_over_sell_is_a_409_with_the_numbers(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant,
) -> None:
    keys = await keys_for(make_key, orders_plant)
    rack = orders_plant.racks["space"]
    first = await client.post("/v1/orders", json={"spec": {"kind": "power", "rack_id": rack, "kw": 2.5}},
                              headers=keys["a"])
    assert first.status_code == 201, first.text
    refused = await client.post("/v1/orders", json={"spec": {"kind": "power", "rack_id": rack, "kw": 1.0}},
                                headers=keys["z"])
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["requested_kw"] == 1.0
    assert problem["committed_kw"] >= 2.5
    assert problem["available_kw"] <= 0.444
    await client.post(f"/v1/orders/{first.json()['id']}/cancel", headers=keys["a"])


async def test_suspension_freezes_open_orders_and_reinstatement_thaws_them(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: Callable[..., Awaitable[TenantRead]],
    orders_plant: OrdersPlant,
) -> None:
    tenant = await make_tenant()
    admin = (await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)).headers
    ops = (await make_key(Role.OPS)).headers
    order = await client.post("/v1/orders", json={"spec": {"kind": "space", "rack_id": orders_plant.racks["space"],
                                                           "units": 1, "position": 36}}, headers=admin)
    oid = order.json()["id"]
    suspended = await client.post(f"/v1/tenants/{tenant.id}/suspend", json={"reason": "unpaid invoices"},
                                  headers=ops)
    assert suspended.status_code == 200, suspended.text
    frozen = (await client.get(f"/v1/orders/{oid}", headers=ops)).json()
    assert frozen["frozen"] is True and frozen["allowed_actions"] == []
    refused = await client.post(f"/v1/orders/{oid}/review", headers=ops)
    assert refused.status_code == 409 and "frozen" in refused.json()["detail"]
    await client.post(f"/v1/tenants/{tenant.id}/reinstate", json={"reason": "paid"}, headers=ops)
    thawed = (await client.get(f"/v1/orders/{oid}", headers=ops)).json()
    assert thawed["frozen"] is False
    history = [e["action"] for e in (await client.get(f"/v1/orders/{oid}/events", headers=ops)).json()["items"]]
    assert history == ["submit", "freeze", "thaw"]
    offboarded = await client.post(f"/v1/tenants/{tenant.id}/offboard", json={"reason": "contract ended"},
                                   headers=ops)
    assert offboarded.status_code == 200, offboarded.text
    assert (await client.get(f"/v1/orders/{oid}", headers=ops)).json()["state"] == "cancelled"


async def test_two_concurrent_http_orders_for_overlapping_units(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant,
) -> None:
    keys = await keys_for(make_key, orders_plant)
    rack = orders_plant.racks["space"]
    answers: list[Any] = []

    async def order(who: str, position: int) -> None:
        body = {"spec": {"kind": "space", "rack_id": rack, "units": 2, "position": position}}
        answers.append(await client.post("/v1/orders", json=body, headers=keys[who]))

    async with anyio.create_task_group() as group:
        group.start_soon(order, "a", 16)
        group.start_soon(order, "z", 17)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    lost = next(a for a in answers if a.status_code == 409).json()
    assert lost["taken_units"] == [17] and lost["type"].endswith("/conflict")
    won = next(a for a in answers if a.status_code == 201).json()
    owner = "a" if won["tenant_id"] == str(orders_plant.tenants["a"].id) else "z"
    await client.post(f"/v1/orders/{won['id']}/cancel", headers=keys[owner])
