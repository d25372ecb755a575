"""Fulfilment refreshes the racks it wrote: the tenant's rack view shows the new reservation at once.

Before, the read model learnt of the reservation only from a webhook or the periodic sync, so
right after fulfilment the tenant's own rack still answered 404. The test reads the view
straight after fulfilment: no webhook is sent and no sync is triggered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.testing import AsyncTestClient

from colo.identity import Role
from tenants.schemas import TenantRead
from tests.integration.orders.plant import OrdersPlant

MakeKey = Callable[..., Awaitable[Any]]


async def test_fulfilled_space_shows_in_the_tenants_rack_view_at_once_and_goes_with_decommissioning(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: Callable[..., Awaitable[TenantRead]],
    orders_plant: OrdersPlant, ops_key: Any,
) -> None:
    tenant = await make_tenant()
    admin = (await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)).headers
    rack_id = orders_plant.racks["space"]
    created = await client.post("/v1/orders", json={"spec": {"kind": "space", "rack_id": rack_id, "units": 1}},
                                headers=admin)
    assert created.status_code == 201, created.text
    order = created.json()
    for action in ("review", "approve"):
        moved = await client.post(f"/v1/orders/{order['id']}/{action}", headers=ops_key.headers)
        assert moved.status_code == 200, moved.text
    built = await client.post(f"/v1/orders/{order['id']}/fulfil", headers=ops_key.headers)
    assert built.status_code == 200 and built.json()["state"] == "active", built.text

    view = await client.get(f"/v1/racks/{rack_id}", headers=admin)
    assert view.status_code == 200, view.text
    mine = [u["unit"] for u in view.json()["units"] if u.get("mine")]
    assert mine == order["spec"]["units_assigned"]

    await client.post(f"/v1/orders/{order['id']}/request-decommission", headers=admin)
    gone = await client.post(f"/v1/orders/{order['id']}/decommission", headers=ops_key.headers)
    assert gone.status_code == 200 and gone.json()["state"] == "decommissioned", gone.text
    assert (await client.get(f"/v1/racks/{rack_id}", headers=admin)).status_code == 404
