"""Fixtures of the cluster tests: a PostgreSQL database and a NetBox plant of each test module's
own, and a started cluster (tests/cluster/harness.py) that is stopped and cleaned up afterwards,
whatever happened. Nothing here is shared with the in-process app of the other tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from colo.migrate import drop_postgres_database
from dcim.netbox import NetBoxGateway
from devtools.netbox.paths import NetBoxState
from tests.cluster.harness import Cluster, Plant, build_plant
from tests.conftest import PG_SERVER
from tests.netbox_cleanup import remove_sites


@asynccontextmanager
async def running_cluster(
    tmp_path_factory: pytest.TempPathFactory, netbox_state: NetBoxState, gateway: NetBoxGateway, *,
    workers: int = 1, reconcile_seconds: float = 300.0,
) -> AsyncIterator[tuple[Cluster, Plant]]:
    """A fresh database (created by `colo db migrate`, dropped afterwards), a plant of its own in
    NetBox (removed afterwards) and a started cluster (stopped afterwards)."""
    name = f"colo_cluster_{uuid.uuid4().hex[:10]}"
    database_url = f"{PG_SERVER}/{name}"
    suffix = uuid.uuid4().hex[:8]
    plant = await gateway.call(lambda api: build_plant(api, suffix), what="build the cluster test plant")
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), database_url, netbox_state,
                      reconcile_seconds=reconcile_seconds)
    try:
        await asyncio.to_thread(cluster.prepare)
        await asyncio.to_thread(cluster.start, workers=workers)
        yield cluster, plant
    finally:
        await asyncio.to_thread(cluster.stop)
        await gateway.call(lambda api: remove_sites(api, [plant.site_id]), what="remove the cluster test plant")
        tenants: list[int] = []
        with contextlib.suppress(asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):  # never migrated
            tenants = [r["netbox_tenant_id"] for r in await rows(
                cluster, "SELECT netbox_tenant_id FROM tenants_tenant WHERE netbox_tenant_id IS NOT NULL")]
        if tenants:  # the NetBox tenants Colo made for the companies the tests onboarded
            await gateway.call(lambda api: api.tenancy.tenants.delete(tenants), what="remove the test tenants")
        await drop_postgres_database(database_url)


async def rows(cluster: Cluster, query: str, *args: Any) -> list[asyncpg.Record]:
    """Straight from the cluster's database, not through Colo."""
    connection = await asyncpg.connect(cluster.database_url)
    try:
        found: list[asyncpg.Record] = await connection.fetch(query, *args)
        return found
    finally:
        await connection.close()


async def wait_for(predicate: Callable[[], Awaitable[Any]], *, within: float, every: float = 0.5,
                   what: str) -> Any:
    """Poll until `await predicate()` is truthy; its value, or an AssertionError naming what never happened."""
    deadline = time.monotonic() + within
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s (last: {value!r})")
        await asyncio.sleep(every)


async def netbox_reservations_of_order(netbox: NetBoxState, order_id: str) -> list[dict[str, Any]]:
    """Straight from NetBox's REST API: the rack reservations carrying this order id in their
    `colo_order_id` custom field, re-checked here because NetBox ignores unknown filters."""
    async with httpx.AsyncClient(base_url=netbox.url, timeout=30,
                                 headers={"Authorization": f"Bearer {netbox.token}"}) as http:
        response = await http.get("/api/dcim/rack-reservations/", params={"cf_colo_order_id": order_id, "limit": 1000})
    assert response.status_code == 200, response.text
    return [r for r in response.json()["results"] if (r.get("custom_fields") or {}).get("colo_order_id") == order_id]
