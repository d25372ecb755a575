"""Fixtures of the fault tests: real `colo serve` processes on the session's database and keys,
a private NetBox plant of their own, and HTTP helpers for driving orders through a server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from colo.settings import Settings
from dcim.netbox import NetBoxGateway
from devtools.netbox.paths import NetBoxState
from tenants.schemas import TenantRead
from tests.faults.servers import ColoServer, colo_env
from tests.integration.orders.plant import OrdersPlant, private_orders_plant, provisioner

__all__ = ["provisioner"]

StartColo = Callable[..., ColoServer]


@pytest_asyncio.fixture(scope="session")
async def orders_plant(
    gateway: NetBoxGateway, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> AsyncIterator[OrdersPlant]:
    """The fault tests' own plant: they stop, slow and kill things in the middle of orders, so they
    must not share racks, units and ports with the order tests' plant."""
    async with private_orders_plant(gateway, make_tenant) as plant:
        yield plant


@pytest.fixture
def start_colo(settings: Settings, tmp_path: Path) -> Iterator[StartColo]:
    """`start_colo(netbox_url=…, netbox_token=…, env="dev", **COLO_VARS)`: a real `colo serve` on the
    session's database and secrets, so keys from `make_key` work against it. `env="dev"` runs the
    fulfilment worker (COLO_ENV=test does not). Every server is stopped afterwards, even on failure."""
    started: list[ColoServer] = []

    def start(*, netbox_url: str, netbox_token: str, env: str = "test", database_url: str | None = None,
              **extra: str) -> ColoServer:
        environ = colo_env(database_url=database_url or settings.database_url, netbox_url=netbox_url,
                           netbox_token=netbox_token, secrets_dir=Path(settings.secrets_dir), env=env, **extra)
        server = ColoServer(env=environ, log_path=tmp_path / f"colo-{len(started)}.log")
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


async def wait_for(predicate: Callable[[], Awaitable[Any]], *, within: float, every: float = 0.5,
                   what: str, seen: Callable[[], Any] | None = None) -> Any:
    """Poll until `await predicate()` is truthy; its value, or an AssertionError naming what never
    happened (with `seen()`, what the predicate last looked at, when its own value says nothing)."""
    deadline = time.monotonic() + within
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            last = seen() if seen is not None else value
            raise AssertionError(f"{what}: not within {within} s (last: {last!r})")
        await asyncio.sleep(every)


def order_body(rack_id: int, units: int, position: int) -> dict[str, Any]:
    return {"spec": {"kind": "space", "rack_id": rack_id, "units": units, "position": position}}


async def approve_over_http(http: httpx.AsyncClient, order_id: str, ops_headers: dict[str, str]) -> None:
    for step in ("review", "approve"):
        moved = await http.post(f"/v1/orders/{order_id}/{step}", headers=ops_headers)
        assert moved.status_code == 200, moved.text


async def orders_by_id(http: httpx.AsyncClient, ids: list[str], headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    found = {}
    for order_id in ids:
        response = await http.get(f"/v1/orders/{order_id}", headers=headers)
        assert response.status_code == 200, response.text
        found[order_id] = response.json()
    return found


async def netbox_objects_of_order(netbox: NetBoxState, endpoint: str, order_id: str) -> list[dict[str, Any]]:
    """Straight from NetBox's REST API (not through Colo): the objects carrying this order id in
    their `colo_order_id` custom field, re-checked here because NetBox ignores unknown filters."""
    async with httpx.AsyncClient(base_url=netbox.url, timeout=30,
                                 headers={"Authorization": f"Bearer {netbox.token}"}) as http:
        response = await http.get(f"/api/dcim/{endpoint}/", params={"cf_colo_order_id": order_id, "limit": 1000})
    assert response.status_code == 200, response.text
    return [r for r in response.json()["results"] if (r.get("custom_fields") or {}).get("colo_order_id") == order_id]
