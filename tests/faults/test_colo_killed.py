"""A real `colo serve` SIGKILLed in the worst moment of a fulfilment: NetBox has created the
reservation but Colo never heard back. A fresh process resumes the order and finds that
reservation by the order id instead of making a twin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from colo.identity import Role
from dcim.orders.fulfil import LEASE
from devtools.netbox.paths import NetBoxState
from tests.faults.conftest import StartColo, approve_over_http, netbox_objects_of_order, order_body, wait_for
from tests.faults.proxy import TcpProxy
from tests.integration.orders.plant import OrdersPlant

UNITS = (20, 21)
RESERVATION_POST = b"POST /api/dcim/rack-reservations/"
WORKER_ROUND_SECONDS = 5


@pytest.mark.timeout(240)
async def test_colo_killed_after_netbox_created_the_reservation_resumes_without_a_twin(
    orders_plant: OrdersPlant, make_key: Callable[..., Awaitable[Any]], start_colo: StartColo,
    netbox_state: NetBoxState,
) -> None:
    tenant = await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["z"].id)
    ops = await make_key(Role.OPS)
    upstream = urlparse(netbox_state.url)
    proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 80).start()
    try:
        # A read timeout longer than the test: the killed process is still waiting for the answer.
        environ = {"netbox_url": proxy.url, "netbox_token": netbox_state.token, "env": "dev",
                   "COLO_NETBOX_READ_TIMEOUT": "600"}
        first = await asyncio.to_thread(start_colo, **environ)
        async with httpx.AsyncClient(base_url=first.url, timeout=60) as http:
            created = await http.post("/v1/orders", json=order_body(orders_plant.racks["space"], len(UNITS), UNITS[0]),
                                      headers=tenant.headers)
            assert created.status_code == 201, created.text
            order_id = created.json()["id"]
            proxy.hold_marker = RESERVATION_POST  # NetBox gets the create; its answer never arrives
            await approve_over_http(http, order_id, ops.headers)
        held = await asyncio.to_thread(proxy.held.wait, 60)
        assert held, "the worker never sent the reservation to NetBox"

        async def made_in_netbox() -> list[dict[str, Any]]:
            return await netbox_objects_of_order(netbox_state, "rack-reservations", order_id)

        made = await wait_for(made_in_netbox, within=60, what="NetBox creating the reservation")
        await asyncio.to_thread(first.kill)
        killed_at = time.monotonic()
        proxy.reset()

        second = await asyncio.to_thread(start_colo, **environ)
        async with httpx.AsyncClient(base_url=second.url, timeout=60) as http:
            orphan = (await http.get(f"/v1/orders/{order_id}", headers=ops.headers)).json()
            # The crash left the order mid-way: nothing recorded, the dead run's lease still held.
            assert orphan["state"] == "provisioning" and orphan["netbox"] == {}, orphan

            async def active() -> dict[str, Any] | None:
                order = (await http.get(f"/v1/orders/{order_id}", headers=ops.headers)).json()
                return order if order["state"] == "active" else None

            limit = LEASE.total_seconds() + 2 * WORKER_ROUND_SECONDS + 30
            done = await wait_for(active, within=limit, what="the restarted worker resuming the order")
            resumed_after = time.monotonic() - killed_at
            events = (await http.get(f"/v1/orders/{order_id}/events", headers=ops.headers)).json()["items"]
        print(f"\nkilled mid-create; the restarted Colo finished the order {resumed_after:.1f} s after the kill "
              f"(lease {LEASE.total_seconds():.0f} s, attempts {done['attempts']})")

        after = await netbox_objects_of_order(netbox_state, "rack-reservations", order_id)
        assert [r["id"] for r in after] == [made[0]["id"]], after  # the one the dead process made
        assert sorted(after[0]["units"]) == list(UNITS)
        assert done["netbox"]["reservation_id"] == made[0]["id"] and done["attempts"] == 2
        assert [e["to_state"] for e in events] == ["submitted", "in_review", "approved", "provisioning", "active"]
    finally:
        proxy.stop()
