"""A new tenant gets ports of its own through Colo: ops provision its demarcation panel in the
meet-me room; the tenant lists its own ports and the Z sides it may order, and orders a
cross-connect between two such panels. Real NetBox, a private site (unique suffix)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey
from tests.netbox_cleanup import remove_sites

MakeKey = Callable[..., Awaitable[IssuedTestKey]]
MakeTenant = Callable[..., Awaitable[TenantRead]]


def _build(api: Any, suffix: str, other_tenant: int) -> dict[str, Any]:
    site = api.dcim.sites.create(name=f"Demarc {suffix}", slug=f"demarc-{suffix}")
    if api.extras.tags.get(slug="meet-me-room") is None:
        try:
            api.extras.tags.create(name="meet-me-room", slug="meet-me-room")
        except Exception:  # another session created it meanwhile
            assert api.extras.tags.get(slug="meet-me-room") is not None
    mmr = api.dcim.locations.create(name=f"Meet Me {suffix}", slug=f"meet-me-{suffix}", site=site.id,
                                    tags=[{"slug": "meet-me-room"}])
    room = api.dcim.racks.create(name=f"MMR Rack {suffix}", site=site.id, location=mmr.id, u_height=42)
    cage = api.dcim.racks.create(name=f"Cage {suffix}", site=site.id, location=mmr.id, u_height=42,
                                 tenant=other_tenant)
    return {"site": site.id, "room": room.id, "cage": cage.id}


def _teardown(api: Any, site: int) -> None:
    remove_sites(api, [site])


@pytest_asyncio.fixture(scope="module")
async def world(gateway: NetBoxGateway, make_tenant: MakeTenant, make_key: MakeKey) -> AsyncIterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    a, b = await make_tenant(), await make_tenant()
    built = await gateway.call(lambda api: _build(api, suffix, b.netbox_tenant_id), what="build demarc site")
    built.update(suffix=suffix, a=a, b=b, ops=await make_key(Role.OPS),
                 a_admin=await make_key(Role.TENANT_ADMIN, tenant_id=a.id),
                 b_admin=await make_key(Role.TENANT_ADMIN, tenant_id=b.id))
    try:
        yield built
    finally:
        await gateway.call(lambda api: _teardown(api, built["site"]), what="remove demarc site")


def panel(world: dict[str, Any], who: str, **overrides: Any) -> dict[str, Any]:
    return {"tenant_id": str(world[who].id), "rack_id": world["room"], "ports": 4, "media": "copper",
            "name": f"DEMARC {who.upper()} {world['suffix']}", **overrides}


async def test_ops_provision_a_panel_idempotently_and_the_tenant_sees_its_ports_at_once(
    client: AsyncTestClient, world: dict[str, Any], gateway: NetBoxGateway,
) -> None:
    ops = world["ops"].headers
    created = await client.post("/v1/demarcation-panels", json=panel(world, "a"), headers=ops)
    assert created.status_code == 201, created.text
    first = created.json()
    assert first["created"] is True and len(first["front_port_ids"]) == 4 and first["position"] == 42
    again = await client.post("/v1/demarcation-panels", json=panel(world, "a"), headers=ops)
    assert again.status_code == 200, again.text
    assert again.json()["panel_id"] == first["panel_id"] and again.json()["created"] is False
    assert again.json()["front_port_ids"] == first["front_port_ids"]

    device = await gateway.call(lambda api: dict(api.dcim.devices.get(first["panel_id"])), what="read panel")
    assert device["tenant"]["id"] == world["a"].netbox_tenant_id
    assert device["role"]["slug"] == "patch-panel" and "colo" in {t["slug"] for t in device["tags"]}

    mine = await client.get("/v1/ports", headers=world["a_admin"].headers)
    assert mine.status_code == 200, mine.text
    assert [p["netbox_id"] for p in mine.json()["items"]] == first["front_port_ids"]
    assert all(p["free"] and p["media"] == "copper" and "owner" not in p for p in mine.json()["items"])
    others = await client.get("/v1/ports", headers=world["b_admin"].headers)
    assert not set(first["front_port_ids"]) & {p["netbox_id"] for p in others.json()["items"]}


async def test_z_side_ports_are_other_parties_free_meet_me_room_ports_and_a_cross_connect_between_panels_is_accepted(
    client: AsyncTestClient, world: dict[str, Any],
) -> None:
    ops = world["ops"].headers
    a_panel = (await client.post("/v1/demarcation-panels", json=panel(world, "a"), headers=ops)).json()
    b_created = await client.post("/v1/demarcation-panels", json=panel(world, "b", rack_id=world["cage"]), headers=ops)
    assert b_created.status_code == 201, b_created.text
    b_panel = b_created.json()

    z_for_a = await client.get("/v1/ports/z-side", params={"media": "copper", "limit": 200},
                               headers=world["a_admin"].headers)
    assert z_for_a.status_code == 200, z_for_a.text
    offered = {p["netbox_id"]: p for p in z_for_a.json()["items"]}
    assert set(b_panel["front_port_ids"]) <= set(offered)
    assert not set(a_panel["front_port_ids"]) & set(offered)  # never your own
    assert offered[b_panel["front_port_ids"][0]]["owner"]["netbox_id"] == world["b"].netbox_tenant_id
    assert set(offered[b_panel["front_port_ids"][0]]) == {"netbox_id", "name", "panel_id", "panel", "media", "owner"}

    order = await client.post("/v1/orders", headers=world["a_admin"].headers, json={"spec": {
        "kind": "cross_connect", "a_port_id": a_panel["front_port_ids"][0], "z_port_id": b_panel["front_port_ids"][0],
        "media": "copper", "speed": "1G"}})
    assert order.status_code == 201, order.text


async def test_bad_requests_name_the_field_and_tenants_may_not_provision(
    client: AsyncTestClient, world: dict[str, Any],
) -> None:
    ops = world["ops"].headers
    cases = [
        (panel(world, "a", rack_id=world["cage"], name=f"X {world['suffix']}"), 409, "rack_id"),  # b's cage
        (panel(world, "a", tenant_id=str(uuid.uuid4())), 422, "tenant_id"),
        (panel(world, "a", rack_id=2**31 - 2), 422, "rack_id"),
        (panel(world, "a", ports=0), 400, "ports"),
        (panel(world, "a", name="bad\u0000name"), 400, "name"),
        (panel(world, "a", name=f"DEMARC B {world['suffix']}"), 409, "name"),  # b's panel's name at this site
    ]
    await client.post("/v1/demarcation-panels", json=panel(world, "b", rack_id=world["cage"]), headers=ops)
    for body, status, field in cases:
        response = await client.post("/v1/demarcation-panels", json=body, headers=ops)
        assert response.status_code == status, (field, response.text)
        assert response.json()["field"] == field, response.json()
    refused = await client.post("/v1/demarcation-panels", json=panel(world, "a"), headers=world["a_admin"].headers)
    assert refused.status_code == 403


async def test_the_cli_provisions_the_same_panel_idempotently_and_names_the_flag_it_refuses(
    world: dict[str, Any], database_url: str, netbox_state: Any, tmp_path: Any,
) -> None:
    import asyncio
    import json
    import subprocess

    from tests.servers import COLO, colo_env

    env = colo_env(database_url=database_url, secrets_dir=tmp_path / "secrets", netbox_url=netbox_state.url,
                   netbox_token=netbox_state.token)

    def colo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([COLO, "ports", "provision-demarc", *args], env=env, capture_output=True, text=True,
                              timeout=120, check=False)

    args = ("--tenant", str(world["a"].id), "--rack", str(world["room"]), "--name", f"DEMARC CLI {world['suffix']}",
            "--ports", "2", "--media", "smf")
    first = await asyncio.to_thread(colo, *args)
    assert first.returncode == 0, first.stderr
    again = await asyncio.to_thread(colo, *args)
    assert again.returncode == 0, again.stderr
    made, repeated = json.loads(first.stdout), json.loads(again.stdout)
    assert made["created"] is True and repeated["created"] is False
    assert repeated["panel_id"] == made["panel_id"] and len(made["front_port_ids"]) == 2

    refused = await asyncio.to_thread(colo, "--tenant", str(world["a"].id), "--rack", str(world["cage"]),
                                      "--name", f"DEMARC CLI X {world['suffix']}")
    assert refused.returncode == 2 and "--rack: " in refused.stderr and "another tenant" in refused.stderr


async def test_a_fulfilled_cross_connect_shows_its_ports_in_use_at_once_and_free_again_after_removal(
    client: AsyncTestClient, world: dict[str, Any],
) -> None:
    ops, a, b = world["ops"].headers, world["a_admin"].headers, world["b_admin"].headers
    a_panel = (await client.post("/v1/demarcation-panels", json=panel(world, "a"), headers=ops)).json()
    b_panel = (await client.post("/v1/demarcation-panels", json=panel(world, "b", rack_id=world["cage"]),
                                 headers=ops)).json()
    a_port, z_port = a_panel["front_port_ids"][1], b_panel["front_port_ids"][1]
    order = (await client.post("/v1/orders", headers=a, json={"spec": {
        "kind": "cross_connect", "a_port_id": a_port, "z_port_id": z_port, "media": "copper", "speed": "1G"}})).json()
    loa = (await client.get(f"/v1/orders/{order['id']}/loa", headers=a)).json()
    assert (await client.post(f"/v1/loas/{loa['id']}/grant", headers=b)).status_code == 200
    for action in ("review", "approve", "fulfil"):
        moved = await client.post(f"/v1/orders/{order['id']}/{action}", headers=ops)
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "active", moved.json()["last_error"]

    async def free(headers: dict[str, str], path: str, port: int) -> bool | None:
        items = (await client.get(path, params={"limit": 200}, headers=headers)).json()["items"]
        return next((p.get("free", True) for p in items if p["netbox_id"] == port), None)

    assert await free(a, "/v1/ports", a_port) is False  # no webhook, no sync: fulfilment refreshed it
    assert await free(a, "/v1/ports/z-side", z_port) is None  # cabled: no longer offered

    await client.post(f"/v1/orders/{order['id']}/request-decommission", headers=a)
    gone = await client.post(f"/v1/orders/{order['id']}/decommission", headers=ops)
    assert gone.status_code == 200 and gone.json()["state"] == "decommissioned", gone.text
    assert await free(a, "/v1/ports", a_port) is True
    assert await free(a, "/v1/ports/z-side", z_port) is True


async def test_a_panel_never_takes_a_unit_an_open_order_has_claimed(
    client: AsyncTestClient, world: dict[str, Any], gateway: NetBoxGateway,
) -> None:
    ops, a = world["ops"].headers, world["a_admin"].headers
    rack = await gateway.call(lambda api: api.dcim.racks.create(
        name=f"Claims {world['suffix']}", site=world["site"], u_height=42, status="active").id, what="create rack")
    order = await client.post("/v1/orders", headers=a, json={"spec": {"kind": "space", "rack_id": rack, "units": 1,
                                                                      "position": 42}})
    assert order.status_code == 201, order.text  # unit 42 claimed, not yet reserved in NetBox
    try:
        placed = await client.post("/v1/demarcation-panels", headers=ops,
                                   json=panel(world, "a", rack_id=rack, name=f"DEMARC CLAIMS {world['suffix']}"))
        assert placed.status_code == 201, placed.text
        assert placed.json()["position"] == 41
        explicit = await client.post("/v1/demarcation-panels", headers=ops, json=panel(
            world, "a", rack_id=rack, name=f"DEMARC CLAIMS 2 {world['suffix']}", position=42))
        assert explicit.status_code == 409 and explicit.json()["field"] == "position", explicit.text
    finally:
        await client.post(f"/v1/orders/{order.json()['id']}/cancel", headers=a)
