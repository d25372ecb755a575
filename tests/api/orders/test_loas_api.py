"""LOA workflow over HTTP: who may decide, refusal, visibility to both sides only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.testing import AsyncTestClient

from colo.identity import Role
from tenants.schemas import TenantRead
from tests.integration.orders.plant import OrdersPlant

MakeKey = Callable[..., Awaitable[Any]]


async def test_only_the_z_side_admin_decides_and_a_refusal_blocks_approval(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: Callable[..., Awaitable[TenantRead]],
    orders_plant: OrdersPlant,
) -> None:
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers
    z_admin = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["z"].id)).headers
    z_member = (await make_key(Role.TENANT_MEMBER, tenant_id=orders_plant.tenants["z"].id)).headers
    stranger = (await make_key(Role.TENANT_ADMIN, tenant_id=(await make_tenant()).id)).headers
    ops = (await make_key(Role.OPS)).headers
    body = {"spec": {"kind": "cross_connect", "a_port_id": orders_plant.ports["a"][1],
                     "z_port_id": orders_plant.ports["z"][1], "media": "copper", "speed": "10G"}}
    created = await client.post("/v1/orders", json=body, headers=a)
    assert created.status_code == 201, created.text
    order = created.json()
    loa = (await client.get(f"/v1/orders/{order['id']}/loa", headers=a)).json()

    listed = (await client.get("/v1/loas?status=loa_pending", headers=z_admin)).json()["items"]
    assert loa["id"] in {item["id"] for item in listed}
    # before deciding, the Z side reads what it is asked to authorise (the portal shows the same)
    terms = await client.get(f"/v1/loas/{loa['id']}/terms", headers=z_member)
    assert terms.status_code == 200, terms.text
    assert terms.json()["z_port"]["id"] == orders_plant.ports["z"][1]
    assert terms.json()["a_port"]["id"] == orders_plant.ports["a"][1] and terms.json()["speed"] == "10G"
    assert terms.json()["a_party"] == orders_plant.tenants["a"].legal_name
    assert (await client.get(f"/v1/loas/{loa['id']}/terms", headers=stranger)).status_code == 404
    strangers = (await client.get("/v1/loas", params={"limit": 200}, headers=stranger)).json()
    assert strangers["next_cursor"] is None and loa["id"] not in {item["id"] for item in strangers["items"]}
    assert (await client.post(f"/v1/loas/{loa['id']}/grant", headers=stranger)).status_code == 404
    assert (await client.post(f"/v1/loas/{loa['id']}/grant", headers=z_member)).status_code == 403
    assert (await client.post(f"/v1/loas/{loa['id']}/grant", headers=ops)).status_code == 403  # Z has an account
    too_short = await client.post(f"/v1/loas/{loa['id']}/grant", json={"valid_days": 0}, headers=z_admin)
    assert too_short.status_code == 400 and too_short.json()["field"] == "valid_days"
    missing_reason = await client.post(f"/v1/loas/{loa['id']}/refuse", json={}, headers=z_admin)
    assert missing_reason.status_code == 400 and missing_reason.json()["field"] == "reason"

    refused = await client.post(f"/v1/loas/{loa['id']}/refuse", json={"reason": "port promised elsewhere"},
                                headers=z_admin)
    assert refused.status_code == 200 and refused.json()["status"] == "loa_refused"
    await client.post(f"/v1/orders/{order['id']}/review", headers=ops)
    blocked = await client.post(f"/v1/orders/{order['id']}/approve", headers=ops)
    assert blocked.status_code == 409 and blocked.json()["loa_status"] == "loa_refused"
    again = await client.post(f"/v1/loas/{loa['id']}/grant", headers=z_admin)
    assert again.status_code == 409
    rejected = await client.post(f"/v1/orders/{order['id']}/reject", json={"reason": "LOA refused"}, headers=ops)
    assert rejected.json()["state"] == "rejected"
