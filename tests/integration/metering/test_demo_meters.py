"""The demo plant's PDUs answer real SNMP: a private copy of the demo site is seeded, its PDUs
given loopback management addresses and SNMP settings (devtools/demo/meters.py), snmpsim serves
them, and discovery plus one poll round read every one, with loads near what the plan books."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar

from api.metering_plant import meters_of
from dcim.netbox import NetBoxGateway
from dcim.netbox.metering import list_pdus
from devtools.demo.meters import demo_pdus, profiles, seed_meters
from devtools.demo.plan import DemoPlant, build_plant
from devtools.demo.seed import remove_plant, seed_demo
from devtools.snmp_agents import PduProfile, SnmpAgent, free_udp_port
from metering.community import community_key, seal
from metering.config import MeteringConfig
from metering.discovery import sync_meters
from metering.snmp import Poller, Target
from metering.tables import Meter


async def private_plant(gateway: NetBoxGateway) -> tuple[DemoPlant, list[tuple[str, PduProfile]]]:
    """A private copy of the demo site whose PDU addresses no device in this NetBox holds yet: the
    address is derived from the site's slug (100 choices), so on a NetBox where `make run` seeded
    the demo's meters, a random slug would now and then pick the demo's own addresses — and this
    test's clean-up, which deletes its addresses, would take them from the demo."""
    for _ in range(50):
        s = uuid.uuid4().hex[:6]
        plant = build_plant(site_name=f"Meter demo {s}", site_slug=f"meter-demo-{s}", prefix=f"M{s}-",
                            racks_per_row=(5, 5))
        pairs = profiles(plant)
        wanted = [f"{a}/32" for a, _ in pairs]
        taken = await gateway.call(lambda api, wanted=wanted: list(api.ipam.ip_addresses.filter(address=wanted)))
        if not taken:
            return plant, pairs
    raise AssertionError("every site slug tried gave addresses already in NetBox")


@pytest.mark.timeout(600)
async def test_demo_pdus_are_discovered_and_polled(gateway: NetBoxGateway,
                                                   run_in_app: Callable[..., Awaitable[Any]], app: Litestar) -> None:
    plant, pairs = await private_plant(gateway)
    port = free_udp_port()
    await seed_demo(gateway, plant=plant)
    agent = None
    try:
        assert await seed_meters(gateway, plant, port=port) == len(demo_pdus(plant)) == 8
        assert await seed_meters(gateway, plant, port=port) == 0  # idempotent
        agent = SnmpAgent(None, [p for _, p in pairs], port=port, addresses=tuple(a for a, _ in pairs)).start()
        names = {pdu.name for pdu in demo_pdus(plant)}
        pdus = [p for p in await list_pdus(gateway, roles=("pdu",)) if p.name in names]
        assert len(pdus) == 8 and all(len(p.feeds) == 1 and p.snmp_port == port for p in pdus)
        rows = await run_in_app(meters_of, pdus)
        master_key = app.state.services.keys.master_key
        await run_in_app(sync_meters, rows, deactivate_missing=False, master_key=master_key)
        ids = {r["key"]: r["id"] for r in await run_in_app(Meter.select(Meter.key, Meter.id).where(
            Meter.key.is_in([r.key for r in rows])).run)}
        poller = Poller(credentials=MeteringConfig().credentials, timeout=2.0, master_key=master_key)
        key = community_key(master_key)
        try:
            targets = [Target(ids[r.key], r.host, r.port, sealed_community=seal(key, ids[r.key], r.community))
                       for r in rows]
            first = await poller.poll_round(targets, now=datetime.now(UTC))
            assert sorted(first.answered) == sorted(ids.values()), first.failed
            booked = {r.key: next(d.allocated_draw for d in demo_pdus(plant) if d.name == r.name) for r in rows}
            by_key = {r.key: ids[r.key] for r in rows}
            for key, meter_id in by_key.items():
                watts = next(x.value for x in first.samples if x.meter_id == meter_id and x.channel == 0
                             and x.metric == "power_w")
                assert 0.65 * booked[key] * 0.8 <= watts <= 0.65 * booked[key] * 1.2, (key, watts)
            assert {x.metric for x in first.samples} == {"power_w", "energy_kwh", "current_a", "temperature_c",
                                                         "humidity_pct"}
        finally:
            poller.close()
    finally:
        if agent is not None:
            agent.stop()
        addresses = [f"{a}/32" for a, _ in pairs]
        await remove_plant(gateway, plant)
        await gateway.call(lambda api: [ip.delete() for ip in api.ipam.ip_addresses.filter(address=addresses)])
