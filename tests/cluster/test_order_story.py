"""A tenant's whole order story through a real load balancer in front of two API replicas, with
the fulfilment done by a separate `colo worker`: the company applies, ops approve it, the tenant
orders rack space, ops review and approve, the worker makes the reservation in NetBox, and the
tenant sees the order active — every request through HAProxy, so consecutive requests land on
different replicas and nothing may depend on which one answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from dcim.netbox import NetBoxGateway
from devtools.netbox.paths import NetBoxState
from tests.cluster.conftest import netbox_reservations_of_order, rows, running_cluster, wait_for
from tests.cluster.harness import Cluster, Plant, approve_order, onboard_tenant, space_order

pytestmark = pytest.mark.timeout(300)


@pytest_asyncio.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory, netbox_state: NetBoxState,
                  gateway: NetBoxGateway) -> AsyncIterator[tuple[Cluster, Plant]]:
    async with running_cluster(tmp_path_factory, netbox_state, gateway, workers=1) as started:
        yield started


async def test_a_tenant_orders_rack_space_through_the_proxy_and_the_worker_fulfils_it(
    cluster: tuple[Cluster, Plant], netbox_state: NetBoxState,
) -> None:
    colo, plant = cluster
    async with colo.client() as http:
        tenant = await onboard_tenant(http, colo.ops_headers)
        me = await http.get("/v1/auth/whoami", headers=tenant.headers)
        assert me.status_code == 200 and me.json()["tenant_id"] == tenant.id, me.text

        rack = plant.racks[0]
        created = await http.post("/v1/orders", json=space_order(rack, position=10, units=2),
                                  headers={**tenant.headers, "Idempotency-Key": "story-1"})
        assert created.status_code == 201, created.text
        order_id = created.json()["id"]
        await approve_order(http, order_id, colo.ops_headers)

        async def active() -> dict[str, Any] | None:
            order = (await http.get(f"/v1/orders/{order_id}", headers=tenant.headers)).json()
            return order if order["state"] == "active" else None

        done = await wait_for(active, within=120, what=f"the worker fulfilling the order\n{colo.logs()}")
        events = (await http.get(f"/v1/orders/{order_id}/events", headers=tenant.headers)).json()["items"]
        listed = (await http.get("/v1/orders", headers=tenant.headers)).json()["items"]

    made = await netbox_reservations_of_order(netbox_state, order_id)
    assert len(made) == 1 and made[0]["rack"]["id"] == rack and sorted(made[0]["units"]) == [10, 11], made
    assert made[0]["tenant"]["id"] == tenant.netbox_tenant_id
    assert done["netbox"]["reservation_id"] == made[0]["id"]
    assert [e["to_state"] for e in events] == ["submitted", "in_review", "approved", "provisioning", "active"]
    assert [o["id"] for o in listed] == [order_id]
    # Both replicas answered part of the story (HAProxy's own log says which answered what).
    assert colo.proxy is not None
    served = {r.server for r in colo.proxy.requests("colo") if r.target.startswith("/v1/")}
    assert served == set(colo.replicas), served
    stored = await rows(colo, "SELECT state, rack_id FROM orders_order")
    assert [(r["state"], r["rack_id"]) for r in stored] == [("active", rack)]
