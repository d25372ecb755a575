"""The read model mirrors NetBox: full sync counts, and a device change applied through a webhook."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from dcim.netbox import NetBoxGateway
from dcim.netbox.demo_plan import DemoPlant
from dcim.tables import PlantPort, PlantPowerFeed, PlantRack

pytestmark = pytest.mark.usefixtures("seeded")


async def test_full_sync_holds_every_demo_rack_feed_and_patch_port(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway, seeded: DemoPlant,
    run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    response = await client.post("/v1/netbox/sync", headers=ops_key.headers)
    assert response.status_code == 200, response.text
    assert response.json()["objects_per_second"] > 0

    def netbox_counts(api: Any) -> dict[str, Any]:
        site = api.dcim.sites.get(slug=seeded.site_slug).id
        return {"site": site, "racks": api.dcim.racks.count(site_id=site),
                "feeds": api.dcim.power_feeds.count(site_id=site),
                "fronts": api.dcim.front_ports.count(site_id=site, device_role="patch-panel")}

    netbox = await gateway.call(netbox_counts, what="counts")

    async def local_counts() -> dict[str, int]:
        racks = [r["netbox_id"] for r in await PlantRack.select(PlantRack.netbox_id).where(
            PlantRack.site_id == netbox["site"])]
        return {"racks": len(racks),
                "feeds": await PlantPowerFeed.count().where(PlantPowerFeed.rack_id.is_in(racks)),
                "fronts": await PlantPort.count().where(PlantPort.kind == "front")}

    local = await run_in_app(local_counts)
    assert local["racks"] == netbox["racks"] == len(seeded.racks)
    assert local["feeds"] == netbox["feeds"] == 2 * len(seeded.racks)
    assert local["fronts"] >= netbox["fronts"] >= 252  # other sites' panels may add to the local total
    status = await client.get("/v1/netbox/sync", headers=ops_key.headers)
    assert status.json()["last_full_sync"] is not None


def _signed(secret: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = msgspec.json.encode(payload)
    return body, {"X-Hook-Signature": hmac.new(secret, body, hashlib.sha512).hexdigest(),
                  "Content-Type": "application/json"}


async def test_device_events_refresh_the_rack_they_touch(
    client: AsyncTestClient, app: Litestar, ops_key: Any, gateway: NetBoxGateway,
    run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    await client.post("/v1/netbox/sync", headers=ops_key.headers)
    found = await client.post("/v1/capacity/search", headers=ops_key.headers,
                              json={"units": 1, "redundant": False, "hall": "Data Hall 1", "limit": 1})
    place = found.json()["placements"][0]
    rack_id, unit = place["rack_id"], place["last_unit"]

    def create(api: Any) -> dict[str, Any]:
        dtype = api.dcim.device_types.get(slug="demo-server-1u").id
        role = api.dcim.device_roles.get(slug="server").id
        rack = api.dcim.racks.get(rack_id)
        return dict(api.dcim.devices.create(
            name=f"sync-test-{uuid.uuid4().hex[:8]}", device_type=dtype, role=role, site=rack.site.id,
            rack=rack_id, position=unit, face="front", status="active"))

    device = await gateway.call(create, what="create device")
    secret = app.state.services.keys.webhook_secret
    refresher = app.state.services.components["read_model"]

    async def state_of_unit() -> str:
        detail = await client.get(f"/v1/racks/{rack_id}", headers=ops_key.headers)
        return next(u["state"] for u in detail.json()["units"] if u["unit"] == unit)

    assert await state_of_unit() == "free"  # also fills the view cache the event must invalidate
    try:
        body, headers = _signed(secret, {"event": "created", "object_type": "dcim.device", "data": device})
        accepted = await client.post("/v1/netbox/webhook", content=body, headers=headers)
        assert accepted.status_code == 202 and accepted.json()["racks_to_refresh"] == [rack_id]
        await run_in_app(refresher.drained)
        assert await state_of_unit() == "occupied"
    finally:
        await gateway.call(lambda api: api.dcim.devices.get(device["id"]).delete(), what="delete device")
    body, headers = _signed(secret, {"event": "deleted", "object_type": "dcim.device", "data": device})
    assert (await client.post("/v1/netbox/webhook", content=body, headers=headers)).status_code == 202
    await run_in_app(refresher.drained)
    assert await state_of_unit() == "free"


async def test_signed_payloads_are_hints_netbox_stays_the_truth(
    client: AsyncTestClient, app: Litestar, ops_key: Any, gateway: NetBoxGateway,
    run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    await client.post("/v1/netbox/sync", headers=ops_key.headers)
    acme = await gateway.call(lambda api: dict(api.tenancy.tenants.get(slug="acme-bank")), what="tenant")
    forged = {**acme, "name": "Forged Holdings"}  # e.g. an old body replayed with its signature
    body, headers = _signed(app.state.services.keys.webhook_secret,
                            {"event": "updated", "object_type": "tenancy.tenant", "data": forged})
    accepted = await client.post("/v1/netbox/webhook", content=body, headers=headers)
    assert accepted.status_code == 202 and accepted.json()["objects_to_refresh"] == 1
    await run_in_app(app.state.services.components["read_model"].drained)
    report = await client.get("/v1/power/utilization", params={"hall": "Data Hall 1"}, headers=ops_key.headers)
    names = {t["tenant"]["name"] for r in report.json()["racks"] for t in r["tenants"] if t["tenant"]}
    assert "Acme Bank" in names and "Forged Holdings" not in names
