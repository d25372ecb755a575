"""Fifty tenants' requests for the same units at the same moment, against a real `colo serve`:
exactly one order is taken, the other 49 get a clear 409 naming the units, and after racing
fulfilment runs NetBox holds exactly one reservation for those units."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from colo.identity import Role
from devtools.netbox.paths import NetBoxState
from tests.faults.conftest import StartColo, approve_over_http, netbox_objects_of_order, order_body
from tests.integration.orders.plant import OrdersPlant

CONTENDERS = 50
FULFILMENT_RACERS = 10
UNITS = [30, 31]


@pytest.mark.timeout(240)
async def test_fifty_concurrent_orders_for_the_same_units_leave_exactly_one_reservation(
    orders_plant: OrdersPlant, make_key: Callable[..., Awaitable[Any]], start_colo: StartColo,
    netbox_state: NetBoxState,
) -> None:
    keys = [await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants[side].id) for side in ("a", "z")]
    ops = await make_key(Role.OPS)
    server = await asyncio.to_thread(start_colo, netbox_url=netbox_state.url, netbox_token=netbox_state.token)
    rack = orders_plant.racks["space"]
    body = order_body(rack, len(UNITS), UNITS[0])
    limits = httpx.Limits(max_connections=CONTENDERS, max_keepalive_connections=CONTENDERS)
    async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as http:
        # Open every connection first, so the 50 requests really leave together.
        await asyncio.gather(*(http.get("/healthz") for _ in range(CONTENDERS)))
        started = time.monotonic()
        answers = await asyncio.gather(*(
            http.post("/v1/orders", json=body, headers=keys[i % 2].headers) for i in range(CONTENDERS)))
        elapsed = time.monotonic() - started
        counts = Counter(a.status_code for a in answers)
        print(f"\n{CONTENDERS} concurrent orders for units {UNITS}: {dict(counts)} in {elapsed:.1f} s")
        assert counts == {201: 1, 409: CONTENDERS - 1}, [a.text for a in answers if a.status_code not in (201, 409)]
        for refused in (a for a in answers if a.status_code == 409):
            problem = refused.json()
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert problem["type"].endswith("/conflict") and set(problem["taken_units"]) <= set(UNITS), problem
        winner = next(a.json() for a in answers if a.status_code == 201)
        assert winner["spec"]["units_assigned"] == UNITS

        # Ops press "fulfil" ten times at once: one run builds, the others wait for it or are told
        # the order moved on — never a second reservation.
        await approve_over_http(http, winner["id"], ops.headers)
        runs = await asyncio.gather(*(http.post(f"/v1/orders/{winner['id']}/fulfil", headers=ops.headers)
                                      for _ in range(FULFILMENT_RACERS)))
        assert {r.status_code for r in runs} <= {200, 409}, [r.text for r in runs]
        final = (await http.get(f"/v1/orders/{winner['id']}", headers=ops.headers)).json()
    assert final["state"] == "active", final
    mine = await netbox_objects_of_order(netbox_state, "rack-reservations", winner["id"])
    assert len(mine) == 1 and sorted(mine[0]["units"]) == UNITS
    async with httpx.AsyncClient(base_url=netbox_state.url, timeout=30,
                                 headers={"Authorization": f"Bearer {netbox_state.token}"}) as netbox:
        on_rack = (await netbox.get("/api/dcim/rack-reservations/", params={"rack_id": rack, "limit": 1000})).json()
    holding = [r for r in on_rack["results"] if set(r["units"]) & set(UNITS)]
    assert [r["id"] for r in holding] == [mine[0]["id"]]
