"""NetBox stops while the fulfilment worker of a real `colo serve` works a batch of approved
orders: the orders wait visibly, none is lost, all complete soon after NetBox is back, and
NetBox holds exactly one reservation per space order and exactly the three cables of the
cross-connect.

The outage is made by the TCP proxy Colo reaches NetBox through: its port closes (connections
refused) and every open connection is cut, in-flight requests included — what Colo sees when
NetBox's server stops. (A NetBox restarted by the launcher takes one to two minutes to answer again on
a loaded 2-core machine, too slow for a bounded test; the launcher's own stop is covered by
tests/integration/test_startup.py.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from colo.identity import Role
from devtools.netbox.paths import NetBoxState
from tests.faults.conftest import (
    StartColo,
    approve_over_http,
    netbox_objects_of_order,
    order_body,
    orders_by_id,
    wait_for,
)
from tests.faults.proxy import TcpProxy
from tests.integration.orders.plant import OrdersPlant

SPACE_ORDERS = 7
BATCH = SPACE_ORDERS + 1  # and one cross-connect: three cables, so a half-built path can be resumed
FIRST_UNIT = 1
XC_PORT = 3  # the last port of each tenant panel in the plant; other order tests use the first ones
RECOVERY_LIMIT_SECONDS = 60  # the promise: everything completes within a minute of NetBox's return
WAITING_STATES = {"approved", "provisioning"}


@pytest.mark.timeout(280)
async def test_netbox_stopped_mid_batch_orders_wait_visibly_then_all_complete_exactly_once(
    orders_plant: OrdersPlant, make_key: Callable[..., Awaitable[Any]], start_colo: StartColo,
    netbox_state: NetBoxState,
) -> None:
    tenant = await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)
    z_side = await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["z"].id)
    ops = await make_key(Role.OPS)
    upstream = urlparse(netbox_state.url)
    netbox = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 80).start()
    try:
        server = await asyncio.to_thread(start_colo, netbox_url=netbox.url, netbox_token=netbox_state.token,
                                         env="dev", COLO_NETBOX_CONNECT_TIMEOUT="1")
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            xc_id = await _granted_cross_connect(http, orders_plant, tenant.headers, z_side.headers)
            space_ids = []
            for offset in range(SPACE_ORDERS):
                body = order_body(orders_plant.racks["space"], 1, FIRST_UNIT + offset)
                created = await http.post("/v1/orders", json=body, headers=tenant.headers)
                assert created.status_code == 201, created.text
                space_ids.append(created.json()["id"])
            ids = [xc_id, *space_ids]
            for order_id in ids:
                await approve_over_http(http, order_id, ops.headers)

            async def some_active() -> bool:
                return any(o["state"] == "active" for o in (await orders_by_id(http, ids, ops.headers)).values())

            await wait_for(some_active, within=60, every=0.2, what="the worker building the first order")
            netbox.go_down()
            stopped_at = time.monotonic()
            at_stop = await orders_by_id(http, ids, ops.headers)
            unfinished = [i for i, o in at_stop.items() if o["state"] != "active"]
            assert unfinished, "the whole batch was built before NetBox stopped: the outage hit nothing"

            last_seen: dict[str, dict[str, Any]] = {}

            async def all_waiting_visibly() -> dict[str, dict[str, Any]] | None:
                orders = await orders_by_id(http, unfinished, ops.headers)
                last_seen.update(orders)
                waiting = all(o["state"] in WAITING_STATES and o["last_error"].startswith("waiting for NetBox")
                              and o["next_attempt_at"] for o in orders.values())
                return orders if waiting else None

            waiting = await wait_for(all_waiting_visibly, within=60, what="every unbuilt order showing its wait",
                                     seen=lambda: {i: (o["state"], o["last_error"], o["next_attempt_at"])
                                                   for i, o in last_seen.items()})
            listed = await http.get("/v1/orders", params={"state": "provisioning", "limit": 200},
                                    headers=ops.headers)
            assert listed.status_code == 200, listed.text
            assert {o["id"] for o in listed.json()["items"]} >= {i for i, o in waiting.items()
                                                                  if o["state"] == "provisioning"}

            async def each_failed_twice() -> bool:  # back-off has grown: the wake-up is what recovers
                orders = await orders_by_id(http, unfinished, ops.headers)
                return all(o["attempts"] >= 2 for o in orders.values())

            await wait_for(each_failed_twice, within=60, what="every waiting order retried during the outage")
            during = await orders_by_id(http, ids, ops.headers)
            assert len(during) == BATCH and all(o["state"] in WAITING_STATES | {"active"} for o in during.values())
            retried = sorted(o["attempts"] for i, o in during.items() if i in unfinished)

            netbox.come_back()
            returned_at = time.monotonic()

            async def all_active() -> bool:
                return all(o["state"] == "active" for o in (await orders_by_id(http, ids, ops.headers)).values())

            await wait_for(all_active, within=RECOVERY_LIMIT_SECONDS, what="every order built after NetBox returned")
            recovery = time.monotonic() - returned_at
            print(f"\nNetBox outage {returned_at - stopped_at:.1f} s hit {len(unfinished)}/{BATCH} orders "
                  f"(attempts by then {retried}); all active {recovery:.1f} s after NetBox returned")

            final = await orders_by_id(http, ids, ops.headers)
            cables = await netbox_objects_of_order(netbox_state, "cables", xc_id)
            assert sorted(c["label"] for c in cables) == [f"XC-{xc_id.replace('-', '')[:8]}-{leg}" for leg in "AMZ"]
            assert sorted(final[xc_id]["netbox"]["cable_ids"]) == sorted(c["id"] for c in cables)
            for offset, order_id in enumerate(space_ids):
                made = await netbox_objects_of_order(netbox_state, "rack-reservations", order_id)
                assert len(made) == 1, (order_id, made)
                assert made[0]["units"] == [FIRST_UNIT + offset]
                assert final[order_id]["netbox"]["reservation_id"] == made[0]["id"]
                assert final[order_id]["last_error"] == ""
    finally:
        netbox.stop()


async def _granted_cross_connect(http: httpx.AsyncClient, plant: OrdersPlant, a_headers: dict[str, str],
                                 z_headers: dict[str, str]) -> str:
    """A cross-connect from tenant A's panel to tenant Z's, its LOA granted by Z: ready for ops."""
    spec = {"kind": "cross_connect", "a_port_id": plant.ports["a"][XC_PORT], "z_port_id": plant.ports["z"][XC_PORT],
            "media": "copper", "speed": "1G", "z_side": "tenant"}
    created = await http.post("/v1/orders", json={"spec": spec}, headers=a_headers)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    loa = await http.get(f"/v1/orders/{order_id}/loa", headers=z_headers)
    assert loa.status_code == 200, loa.text
    granted = await http.post(f"/v1/loas/{loa.json()['id']}/grant", json={"valid_days": 30}, headers=z_headers)
    assert granted.status_code == 200, granted.text
    return order_id
