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
from dcim.tables import PlantPort, PlantPowerFeed, PlantRack
from devtools.demo.plan import DemoPlant
from tests.netbox_cleanup import remove_sites

pytestmark = pytest.mark.usefixtures("seeded")


async def test_full_sync_holds_every_demo_rack_feed_and_patch_port(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway, seeded: DemoPlant,
    run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    """The read model holds exactly NetBox's racks, feeds and patch ports of the demo site, compared
    id by id: the site may also hold what others built there (feeds of `make run`'s orders, say),
    so nothing here assumes the demo seed is all there is."""
    response = await client.post("/v1/netbox/sync", headers=ops_key.headers)
    assert response.status_code == 200, response.text
    assert response.json()["objects_per_second"] > 0

    def netbox_ids(api: Any) -> dict[str, Any]:
        site = api.dcim.sites.get(slug=seeded.site_slug).id
        racks = {r.id: r.name for r in api.dcim.racks.filter(site_id=site)}
        return {"site": site, "racks": racks,
                "feeds": {f.id: f.name for f in api.dcim.power_feeds.filter(site_id=site)},
                "fronts": {p.id for p in api.dcim.front_ports.filter(site_id=site, device_role="patch-panel")}}

    netbox = await gateway.call(netbox_ids, what="ids")

    async def local_ids() -> dict[str, set[int]]:
        racks = {r["netbox_id"] for r in await PlantRack.select(PlantRack.netbox_id).where(
            PlantRack.site_id == netbox["site"])}
        feeds = {r["netbox_id"] for r in await PlantPowerFeed.select(PlantPowerFeed.netbox_id).where(
            PlantPowerFeed.rack_id.is_in(list(racks)))} if racks else set()
        fronts = {r["netbox_id"] for r in await PlantPort.select(PlantPort.netbox_id).where(
            PlantPort.netbox_id.is_in(list(netbox["fronts"])), PlantPort.kind == "front")}
        return {"racks": racks, "feeds": feeds, "fronts": fronts}

    local = await run_in_app(local_ids)
    assert local["racks"] == set(netbox["racks"])
    assert {r.name for r in seeded.racks} <= set(netbox["racks"].values())
    assert local["feeds"] == set(netbox["feeds"])
    assert {name for name, *_ in seeded.feeds()} <= set(netbox["feeds"].values())
    assert local["fronts"] == netbox["fronts"] and len(netbox["fronts"]) >= 252
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
    """A rack of the test's own (the demo halls are shared with whatever else ran on this NetBox)."""
    suffix = uuid.uuid4().hex[:8]

    def build(api: Any) -> dict[str, int]:
        site = api.dcim.sites.create(name=f"sync-events-{suffix}", slug=f"sync-events-{suffix}")
        rack = api.dcim.racks.create(name=f"Sync Rack {suffix}", site=site.id, u_height=42, status="active")
        maker = api.dcim.manufacturers.create(name=f"sync-maker-{suffix}", slug=f"sync-maker-{suffix}")
        dtype = api.dcim.device_types.create(manufacturer=maker.id, model=f"server-{suffix}",
                                             slug=f"server-{suffix}", u_height=1)
        role = api.dcim.device_roles.create(name=f"sync-role-{suffix}", slug=f"sync-role-{suffix}")
        return {"site": site.id, "rack": rack.id, "maker": maker.id, "type": dtype.id, "role": role.id}

    def teardown(api: Any, ids: dict[str, int]) -> None:
        remove_sites(api, [ids["site"]], device_types=[ids["type"]], device_roles=[ids["role"]],
                     manufacturers=[ids["maker"]])

    ids = await gateway.call(build, what="build sync test rack")
    try:
        await _device_events_round_trip(client, app, ops_key, gateway, run_in_app, ids)
    finally:
        await gateway.call(lambda api: teardown(api, ids), what="tear down sync test rack")


async def _device_events_round_trip(
    client: AsyncTestClient, app: Litestar, ops_key: Any, gateway: NetBoxGateway,
    run_in_app: Callable[..., Awaitable[Any]], ids: dict[str, int],
) -> None:
    assert (await client.post("/v1/netbox/sync", headers=ops_key.headers)).status_code == 200
    rack_id, unit = ids["rack"], 12

    def create(api: Any) -> dict[str, Any]:
        return dict(api.dcim.devices.create(
            name=f"sync-test-{uuid.uuid4().hex[:8]}", device_type=ids["type"], role=ids["role"], site=ids["site"],
            rack=rack_id, position=unit, face="front", status="active"))

    device = await gateway.call(create, what="create device")
    secret = app.state.services.keys.webhook_secret
    refresher = app.state.services.read_model

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
    await run_in_app(app.state.services.read_model.drained)
    report = await client.get("/v1/power/utilization", params={"hall": "Data Hall 1"}, headers=ops_key.headers)
    names = {t["tenant"]["name"] for r in report.json()["racks"] for t in r["tenants"] if t["tenant"]}
    assert "Acme Bank" in names and "Forged Holdings" not in names
