"""`colo dock receive` and `colo dock list`, run as an operator runs them, on the test database:
an announced delivery is matched, an unknown one needs --tenant, and the API then shows both."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from colo.identity import Role
from colo.settings import Settings
from tests.conftest import IssuedTestKey
from tests.integration.test_keys_cli import colo


async def test_the_dock_receives_from_the_command_line(
    client: AsyncTestClient, settings: Settings, make_tenant: Callable[..., Awaitable[Any]],
    make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> None:
    tenant = await make_tenant()
    admin = (await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="dock cli admin")).headers
    number = f"CLI{uuid.uuid4().hex[:12].upper()}"
    announced = await client.post("/v1/shipments/inbound", headers=admin, json={
        "carrier": "UPS", "tracking_numbers": [number], "boxes": 2, "expected_on": date.today().isoformat()})
    assert announced.status_code == 201, announced.text

    listed = await colo(settings, "dock", "list")
    assert listed.returncode == 0, listed.stderr.decode()
    assert announced.json()["id"] in listed.stdout.decode()

    received = await colo(settings, "dock", "receive", number.lower())
    assert received.returncode == 0, received.stderr.decode()
    assert received.stdout.decode().strip() == announced.json()["id"]

    unknown = f"CLI{uuid.uuid4().hex[:12].upper()}"
    refused = await colo(settings, "dock", "receive", unknown)
    assert refused.returncode == 2 and b"name the tenant" in refused.stderr
    registered = await colo(settings, "dock", "receive", unknown, "--tenant", str(tenant.id), "--boxes", "3")
    assert registered.returncode == 0, registered.stderr.decode()
    shipment = (await client.get(f"/v1/shipments/{registered.stdout.decode().strip()}", headers=admin)).json()
    assert shipment["announced"] is False and shipment["boxes"] == 3 and shipment["tracking_numbers"] == [unknown]
    mine = (await client.get(f"/v1/shipments/{announced.json()['id']}", headers=admin)).json()
    assert mine["status"] == "received" and mine["history"][-1]["actor"] == "cli"
