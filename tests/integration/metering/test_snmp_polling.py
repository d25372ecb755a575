"""Metering against real SNMP agents (snmpsim on loopback), a real NetBox and PostgreSQL:
discovery of a rack's A and B PDUs, every metric read, a dead and a slow agent that do not
stall the round, the redundancy and temperature alerts raised once and cleared, and every read
scoped to the tenant (another tenant's rack or feed answers like a missing one). A PDU's own
community is stored sealed (read back from PostgreSQL's column) and shown by no API answer or log."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.metering_plant import meters_of
from colo.crypto import b64decode
from colo.identity import Role
from dcim.netbox import NetBoxGateway
from dcim.netbox.metering import list_pdus
from devtools.snmp_agents import PduProfile, SnmpAgent, free_udp_port
from metering.alerts import evaluate
from metering.community import CommunityUnreadable, community_key, unseal
from metering.config import MeteringConfig
from metering.discovery import DiscoveredMeter, sync_meters
from metering.runtime import MeteringRuntime
from metering.tables import Meter, MeteringAlert
from tests.integration.metering.plant import MeteredRack, metered_rack

MISSING = 2_000_000_000


@dataclass
class World:
    plant: MeteredRack
    tenant: dict[str, Any]
    admin: Any
    other: Any
    ops: Any
    meters: dict[str, UUID]
    runtime: MeteringRuntime
    master_key: bytes


@pytest_asyncio.fixture(scope="module")
async def world(gateway: NetBoxGateway, make_tenant: Callable[..., Awaitable[Any]],
                make_key: Callable[..., Awaitable[Any]], app: Litestar) -> AsyncIterator[World]:
    tenant, stranger = await make_tenant(), await make_tenant()
    port = free_udp_port()
    async with metered_rack(gateway, netbox_tenant=tenant.netbox_tenant_id, port=port) as plant:
        profiles = [
            # together 3.1 kW: more than one 2.944 kW side can carry → redundancy at risk
            PduProfile(plant.communities["A"], name="pdu-a", power_w=1500, phases=1, static=True,
                       energy_kwh=1000.0, temperature_c=22.0, humidity_pct=40.0),
            PduProfile(plant.communities["B"], name="pdu-b", power_w=1600, phases=3, static=True,
                       energy_kwh=2000.0, temperature_c=31.0, humidity_pct=45.0),
        ]
        agent = SnmpAgent(None, profiles, port=port,
                          addresses=(plant.addresses["A"], plant.addresses["B"])).start()
        try:
            master_key = app.state.services.keys.master_key
            runtime = MeteringRuntime(MeteringConfig(timeout=2.0, interval=60.0), master_key=master_key)
            yield World(plant=plant, tenant=tenant,
                        admin=await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="meter admin"),
                        other=await make_key(Role.TENANT_ADMIN, tenant_id=stranger.id, name="meter stranger"),
                        ops=await make_key(Role.OPS, name="meter ops"), meters={}, runtime=runtime,
                        master_key=master_key)
        finally:
            agent.stop()
            runtime.poller.close()


async def test_discovery_finds_the_pdus_their_feeds_and_snmp_settings(
        world: World, gateway: NetBoxGateway, run_in_app: Callable[..., Awaitable[Any]]) -> None:
    pdus = await list_pdus(gateway, roles=(world.plant.role,))
    assert sorted(p.device_id for p in pdus) == sorted(world.plant.pdus.values())
    rows: list[DiscoveredMeter] = await run_in_app(meters_of, pdus)
    by_feed = {r.feed_id: r for r in rows}
    for side, nb_side in (("A", "primary"), ("B", "redundant")):
        row = by_feed[world.plant.feeds[side]]
        assert row.key == f"netbox:{world.plant.pdus[side]}"
        assert (row.host, row.community) == (world.plant.addresses[side], world.plant.communities[side])
        assert row.port == world.plant.ids["port"]
        assert row.side == nb_side and row.feed_capacity_w == 2944 and row.rack_id == world.plant.rack
        assert row.tenant_id == world.tenant.id
    with pytest.raises(ValueError, match="master key"):  # never stored as it came from NetBox
        await run_in_app(sync_meters, rows, deactivate_missing=False)
    result = await run_in_app(sync_meters, rows, deactivate_missing=False, master_key=world.master_key)
    assert result.created == 2
    for side in ("A", "B"):
        world.meters[side] = (await run_in_app(Meter.select(Meter.id).where(
            Meter.key == f"netbox:{world.plant.pdus[side]}").first().run))["id"]


async def test_the_community_is_stored_sealed(world: World, database_url: str) -> None:
    """PostgreSQL's own column: ciphertext bound to its meter, no plain community anywhere in the row."""
    assert world.meters, "discovery ran first"
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        columns = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'metering_meter'")}
        rows = {r["id"]: r for r in await conn.fetch(
            "SELECT * FROM metering_meter WHERE id = ANY($1::uuid[])", list(world.meters.values()))}
    finally:
        await conn.close()
    assert "community_sealed" in columns and "community" not in columns
    key = community_key(world.master_key)
    for side, meter_id in world.meters.items():
        plain, sealed = world.plant.communities[side], rows[meter_id]["community_sealed"]
        assert sealed and sealed != plain and plain not in sealed
        assert plain.encode() not in b64decode(sealed)
        assert not any(plain in str(value) for value in rows[meter_id].values())
        assert unseal(key, meter_id, sealed) == plain
        other = world.meters["B" if side == "A" else "A"]
        with pytest.raises(CommunityUnreadable):  # moved to another meter's row, it does not decrypt
            unseal(key, other, sealed)
        with pytest.raises(CommunityUnreadable):  # nor under another master key
            unseal(community_key(bytes(32)), meter_id, sealed)


async def test_a_round_reads_every_metric(world: World, run_in_app: Callable[..., Awaitable[Any]],
                                          client: AsyncTestClient) -> None:
    assert world.meters, "discovery ran first"
    now = datetime.now(UTC).replace(microsecond=0)
    report = await run_in_app(world.runtime.poll_once, now=now)
    assert report.answered >= 2
    for meter_id, expected in ((world.meters["A"], {"0:power_w": 1500.0, "0:energy_kwh": 1000.0, "1:current_a": 6.5,
                                                   "1:power_w": 1500.0, "101:temperature_c": 22.0,
                                                   "101:humidity_pct": 40.0}),
                               (world.meters["B"], {"0:power_w": 1600.0, "0:energy_kwh": 2000.0, "3:current_a": 2.3,
                                                   "3:power_w": 530.0, "101:temperature_c": 31.0})):
        row = await run_in_app(Meter.select(Meter.last_values, Meter.last_seen_at).where(Meter.id == meter_id)
                               .first().output(load_json=True).run)
        values = row["last_values"] if isinstance(row["last_values"], dict) else __import__("json").loads(
            row["last_values"])
        assert row["last_seen_at"] == now
        for key, value in expected.items():
            assert values[key] == pytest.approx(value), key
    rack = await client.get(f"/v1/metering/racks/{world.plant.rack}", headers=world.admin.headers)
    assert rack.status_code == 200, rack.text
    body = rack.json()
    assert body["kw"] == pytest.approx(3.1) and body["meters_reporting"] == 2
    assert body["capacity_kw"] == pytest.approx(2.944) and body["temperature_c"] == pytest.approx(31.0)
    feed = await client.get(f"/v1/metering/feeds/{world.plant.feeds['A']}", headers=world.admin.headers)
    assert feed.status_code == 200 and feed.json()["capacity_pct"] == pytest.approx(51.0, abs=0.1)
    assert feed.json()["phases"] == [{"channel": 1, "current_a": 6.5, "power_w": 1500.0}]


async def test_a_dead_and_a_slow_agent_do_not_stall_the_round(
        world: World, run_in_app: Callable[..., Awaitable[Any]]) -> None:
    slow_port, dead_port = free_udp_port(), free_udp_port()
    slow = SnmpAgent(None, [PduProfile("slow", delay_ms=8000, static=True)], port=slow_port).start(
        wait=30)
    try:
        rows = [DiscoveredMeter(key=f"test:{name}:{uuid4().hex[:6]}", name=name, netbox_device_id=None,
                                host="127.0.0.1", port=p, community=name)
                for name, p in (("slow", slow_port), ("dead", dead_port))]
        await run_in_app(sync_meters, rows, deactivate_missing=False, master_key=world.master_key)
        started = time.monotonic()
        report = await run_in_app(world.runtime.poll_once, now=datetime.now(UTC))
        elapsed = time.monotonic() - started
        assert report.failed >= 2 and report.answered >= 2  # the two rack PDUs still answered
        # each failure says why, per meter (`colo metering poll` prints it; the round logs it)
        ids = {str(row["id"]) for row in await run_in_app(
            Meter.select(Meter.id).where(Meter.key.is_in([r.key for r in rows])).run)}
        assert len(ids) == 2 and ids <= set(report.failures), report.failures
        assert all("no SNMP answer" in report.failures[meter] for meter in ids), report.failures
        # the slow agent answers after 8 s, the dead one never: the round ends at the 2 s timeout
        assert elapsed < 6.0, f"the round waited for the slow or dead agent: {elapsed:.1f} s"
        # a PDU that failed twice is backed off: skipped by the next round, not waited for again
        await run_in_app(world.runtime.poll_once, now=datetime.now(UTC))
        third = await run_in_app(world.runtime.poll_once, now=datetime.now(UTC))
        assert third.skipped >= 2
    finally:
        slow.stop()
        await run_in_app(Meter.update({Meter.active: False}).where(Meter.key.like("test:%")).run)


async def test_redundancy_and_temperature_alerts_fire_once_and_clear(
        world: World, run_in_app: Callable[..., Awaitable[Any]], client: AsyncTestClient) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    await run_in_app(world.runtime.poll_once, now=now)
    config = MeteringConfig()
    subject = f"rack:{world.plant.rack}"

    async def open_alerts(kind: str, subject: str) -> list[dict[str, Any]]:
        rows = await run_in_app(MeteringAlert.select().where(
            (MeteringAlert.kind == kind) & (MeteringAlert.subject == subject)).run)
        return [r for r in rows if r["cleared_at"] is None]

    assert len(await open_alerts("redundancy_at_risk", subject)) == 1
    probe = f"meter:{world.meters['B']}:101"
    assert len(await open_alerts("temperature", probe)) == 1
    await run_in_app(evaluate, config, now=now + timedelta(seconds=1))  # still true: no second alert
    assert len(await open_alerts("redundancy_at_risk", subject)) == 1
    listed = await client.get("/v1/metering/alerts", headers=world.ops.headers, params={"kind": "redundancy_at_risk"})
    assert listed.status_code == 200 and any(a["subject"] == subject for a in listed.json()["items"])
    assert (await client.get("/v1/metering/alerts", headers=world.admin.headers)).status_code in (403, 404)
    # B's load drops (a BMS push for the same meter, later): A+B 2.3 kW fits one side → cleared
    later = now + timedelta(minutes=1)
    await run_in_app(Meter.update({Meter.key: f"bms-{world.plant.suffix}"}).where(Meter.id == world.meters["B"]).run)
    pushed = await client.post("/v1/metering/readings", headers=world.ops.headers, json={"readings": [
        {"meter": f"bms-{world.plant.suffix}", "at": later.isoformat(), "metric": "power_w", "value": 800.0},
        {"meter": f"bms-{world.plant.suffix}", "at": later.isoformat(), "metric": "temperature_c", "channel": 101,
         "value": 24.0}]})
    assert pushed.status_code == 200, pushed.text
    await run_in_app(Meter.update({Meter.last_seen_at: later}).where(Meter.id == world.meters["A"]).run)
    await run_in_app(evaluate, config, now=later)
    assert await open_alerts("redundancy_at_risk", subject) == []
    assert await open_alerts("temperature", probe) == []
    await run_in_app(Meter.update({Meter.key: f"netbox:{world.plant.pdus['B']}"}).where(
        Meter.id == world.meters["B"]).run)


async def test_the_community_is_in_no_answer_or_log(
        world: World, gateway: NetBoxGateway, run_in_app: Callable[..., Awaitable[Any]],
        client: AsyncTestClient[Any], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    """Discovery, a round (a PDU that fails included) and every metering read: the communities
    (plain or sealed) appear in no response, no log line and no repr of the values carrying them."""
    caplog.set_level(logging.DEBUG)
    pdus = await list_pdus(gateway, roles=(world.plant.role,))
    rows = await run_in_app(meters_of, pdus)
    await run_in_app(sync_meters, rows, deactivate_missing=False, master_key=world.master_key)
    await run_in_app(world.runtime.poll_once, now=datetime.now(UTC))
    targets = await run_in_app(world.runtime.targets)
    sealed = [t.sealed_community for t in targets if t.meter_id in world.meters.values()]
    assert len(sealed) == 2 and all(sealed)
    texts = [repr(pdus), repr(rows), repr(targets), caplog.text, "".join(capsys.readouterr())]
    rack, feed, tenant = (f"/v1/metering/racks/{world.plant.rack}", f"/v1/metering/feeds/{world.plant.feeds['A']}",
                          f"/v1/metering/tenants/{world.tenant.id}")
    for path in (rack, feed, tenant, f"{rack}/history", f"{feed}/history", f"{tenant}/history"):
        for who in (world.admin, world.ops):
            answer = await client.get(path, headers=who.headers)
            assert answer.status_code == 200, (path, answer.text)
            texts.append(answer.text)
    alerts = await client.get("/v1/metering/alerts", headers=world.ops.headers)
    assert alerts.status_code == 200
    texts.append(alerts.text)
    for secret in (*world.plant.communities.values(), *sealed):
        assert not any(secret in text for text in texts), secret


async def test_every_read_is_scoped_to_the_tenant(world: World, client: AsyncTestClient) -> None:
    for path in (f"/v1/metering/racks/{world.plant.rack}", f"/v1/metering/feeds/{world.plant.feeds['B']}",
                 f"/v1/metering/racks/{world.plant.rack}/history",
                 f"/v1/metering/feeds/{world.plant.feeds['A']}/history",
                 f"/v1/metering/tenants/{world.tenant.id}", f"/v1/metering/tenants/{world.tenant.id}/history"):
        mine = await client.get(path, headers=world.admin.headers)
        assert mine.status_code == 200, (path, mine.text)
        theirs = await client.get(path, headers=world.other.headers)
        missing_path = path.replace(str(world.plant.rack), str(MISSING)).replace(
            str(world.plant.feeds["A"]), str(MISSING)).replace(str(world.plant.feeds["B"]), str(MISSING)).replace(
            str(world.tenant.id), str(uuid4()))
        missing = await client.get(missing_path, headers=world.other.headers)
        assert theirs.status_code == missing.status_code == 404, path
        strip = ("request_id", "instance", "detail")
        assert {k: v for k, v in theirs.json().items() if k not in strip} == \
               {k: v for k, v in missing.json().items() if k not in strip}
    bill = await client.get("/v1/metering/bills/2026-01", headers=world.other.headers,
                            params={"tenant_id": str(world.tenant.id)})
    assert bill.status_code in (400, 422) and bill.json()["field"] == "tenant_id"
    assert (await client.post("/v1/metering/readings", headers=world.admin.headers, json={"readings": [
        {"meter": "x", "at": "2026-01-01T00:00:00Z", "metric": "power_w", "value": 1}]})).status_code in (403, 404)
