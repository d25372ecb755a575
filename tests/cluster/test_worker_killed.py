"""The worker SIGKILLed in the worst moment of a fulfilment — NetBox has made the reservation but
the worker never heard back — while a second worker stands by: the second takes the order over
once the dead worker's lease runs out, finds the reservation by the order id, and exactly one
NetBox object exists for the order. The tenant and ops talk to the API replicas through the proxy
throughout; only the first worker's NetBox traffic goes through a TCP proxy that can swallow an answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import pytest
import pytest_asyncio

from dcim.netbox import NetBoxGateway
from dcim.orders.fulfil import LEASE
from devtools.netbox.paths import NetBoxState
from tests.cluster.conftest import netbox_reservations_of_order, running_cluster, wait_for
from tests.cluster.harness import Cluster, Plant, approve_order, onboard_tenant, space_order
from tests.faults.proxy import TcpProxy

pytestmark = pytest.mark.timeout(300)
UNITS = (20, 21)
RESERVATION_POST = b"POST /api/dcim/rack-reservations/"
WORKER_ROUND_SECONDS = 5


@pytest_asyncio.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory, netbox_state: NetBoxState,
                  gateway: NetBoxGateway) -> AsyncIterator[tuple[Cluster, Plant]]:
    async with running_cluster(tmp_path_factory, netbox_state, gateway, workers=0) as started:
        yield started


async def test_the_worker_killed_mid_fulfilment_another_takes_over_and_one_netbox_object_exists(
    cluster: tuple[Cluster, Plant], netbox_state: NetBoxState,
) -> None:
    colo, plant = cluster
    upstream = urlparse(netbox_state.url)
    netbox_link = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 80).start()
    try:
        # A read timeout longer than the test: the killed worker is still waiting for NetBox's answer.
        first = await asyncio.to_thread(colo.start_worker, netbox_url=netbox_link.url,
                                        COLO_NETBOX_READ_TIMEOUT="600")
        async with colo.client() as http:
            tenant = await onboard_tenant(http, colo.ops_headers)
            created = await http.post("/v1/orders", json=space_order(plant.racks[1], UNITS[0], len(UNITS)),
                                      headers=tenant.headers)
            assert created.status_code == 201, created.text
            order_id = created.json()["id"]
            netbox_link.hold_marker = RESERVATION_POST  # NetBox gets the create; its answer never arrives
            await approve_order(http, order_id, colo.ops_headers)
            held = await asyncio.to_thread(netbox_link.held.wait, 60)
            assert held, f"the worker never sent the reservation to NetBox\n{colo.logs()}"

            async def made_in_netbox() -> list[dict[str, Any]]:
                return await netbox_reservations_of_order(netbox_state, order_id)

            made = await wait_for(made_in_netbox, within=60, what="NetBox creating the reservation")
            # The standby starts while the first still holds the order's lease, then the first dies.
            await asyncio.to_thread(colo.start_worker)
            await asyncio.to_thread(first.kill)
            killed_at = time.monotonic()
            orphan = (await http.get(f"/v1/orders/{order_id}", headers=colo.ops_headers)).json()
            assert orphan["state"] == "provisioning" and orphan["netbox"] == {}, orphan

            async def active() -> dict[str, Any] | None:
                order = (await http.get(f"/v1/orders/{order_id}", headers=tenant.headers)).json()
                return order if order["state"] == "active" else None

            limit = LEASE.total_seconds() + 2 * WORKER_ROUND_SECONDS + 60
            done = await wait_for(active, within=limit, what=f"the standby worker resuming the order\n{colo.logs()}")
            taken_over_after = time.monotonic() - killed_at
            events = (await http.get(f"/v1/orders/{order_id}/events", headers=tenant.headers)).json()["items"]
    finally:
        netbox_link.stop()
    print(f"\nworker killed mid-create; the standby finished the order {taken_over_after:.1f} s after the kill "
          f"(lease {LEASE.total_seconds():.0f} s, attempts {done['attempts']})")

    after = await netbox_reservations_of_order(netbox_state, order_id)
    assert [r["id"] for r in after] == [made[0]["id"]], after  # the one the dead worker made, and no twin
    assert sorted(after[0]["units"]) == list(UNITS) and after[0]["tenant"]["id"] == tenant.netbox_tenant_id
    assert done["netbox"]["reservation_id"] == made[0]["id"] and done["attempts"] == 2
    assert [e["to_state"] for e in events] == ["submitted", "in_review", "approved", "provisioning", "active"]
