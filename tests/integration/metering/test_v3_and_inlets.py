"""Metering's SNMPv3 and dual-inlet PDUs against real parts: a rack in the real NetBox with a PDU
whose two inlets are cabled to the A and the B feed (Inlet 1 to B, Inlet 2 to A: attribution by
inlet, not by feed id), and a PDU whose `snmp_version` custom field says v3; snmpsim serves the
first over v2c with two rPDU2 modules and the second over v3 authPriv (SHA + AES) with Colo's
configured user. Every metric of the v3 PDU is read, wrong credentials fail that PDU alone with a
named reason (never its pass phrases), and each inlet's figures land on its own feed, so the feed,
rack and tenant figures and the redundancy-at-risk alert use both."""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.metering_plant import meters_of
from colo.identity import Role
from colo.settings import load_settings
from dcim.netbox import NetBoxGateway
from dcim.netbox.metering import ensure_snmp_fields, list_pdus
from devtools.snmp_agents import PduProfile, SnmpAgent, free_udp_port
from metering.config import MeteringConfig, SnmpCredentials
from metering.discovery import sync_meters
from metering.runtime import MeteringRuntime
from metering.snmp import Poller
from metering.tables import Meter, MeteringAlert
from tests.netbox_cleanup import remove_sites

AUTH, PRIV, CONTEXT = "colo-auth-phrase-7", "colo-priv-phrase-9", "colo-pdu"


@dataclass
class Plant:
    s: str
    role: str
    rack: int
    feeds: dict[str, int]
    dual: int  # the dual-inlet PDU's device id
    v3: int
    addresses: dict[str, str]
    port: int
    v3_port: int
    tenant: Any


def _build(api: Any, s: str, tenant: int, addresses: dict[str, str], port: int, v3_port: int) -> dict[str, Any]:
    site = api.dcim.sites.create(name=f"Inlets {s}", slug=f"inlets-{s}").id
    rack = api.dcim.racks.create(name=f"Inlets R {s}", site=site, u_height=42, tenant=tenant).id
    maker = api.dcim.manufacturers.create(name=f"inlet maker {s}", slug=f"inlet-maker-{s}").id
    dtype = api.dcim.device_types.create(manufacturer=maker, model=f"dual {s}", slug=f"dual-{s}", u_height=0).id
    role = api.dcim.device_roles.create(name=f"pdu in {s}", slug=f"pdu-in-{s}").id
    feeds = {}
    for side, kind in (("A", "primary"), ("B", "redundant")):  # A first: the lower feed id
        panel = api.dcim.power_panels.create(site=site, name=f"Inlets PP {side} {s}").id
        feeds[side] = api.dcim.power_feeds.create(
            power_panel=panel, rack=rack, name=f"Inlets {s}-{side}", status="active", type=kind, supply="ac",
            phase="single-phase", voltage=230, amperage=16, max_utilization=80).id
    devices, ips = {}, []
    for name, fields in (("dual", {"snmp_community": f"dual-{s}", "snmp_port": port}),
                         ("v3", {"snmp_version": "v3", "snmp_port": v3_port})):
        device = api.dcim.devices.create(name=f"pdu-{name}-{s}", device_type=dtype, role=role, site=site, rack=rack,
                                         tenant=tenant, custom_fields=fields)
        devices[name] = device.id
        mgmt = api.dcim.interfaces.create(device=device.id, name="mgmt0", type="1000base-t", mgmt_only=True)
        ip = api.ipam.ip_addresses.create(address=f"{addresses[name]}/32", status="active",
                                          assigned_object_type="dcim.interface", assigned_object_id=mgmt.id)
        ips.append(ip.id)
        api.dcim.devices.get(device.id).update({"primary_ip4": ip.id})
    # created in this order so that neither ids nor creation order give the inlet: its name does
    for inlet, side in (("Inlet 2", "A"), ("Inlet 1", "B")):
        port_id = api.dcim.power_ports.create(device=devices["dual"], name=inlet, maximum_draw=3680).id
        api.dcim.cables.create(a_terminations=[{"object_type": "dcim.powerport", "object_id": port_id}],
                               b_terminations=[{"object_type": "dcim.powerfeed", "object_id": feeds[side]}],
                               status="connected")
    return {"site": site, "rack": rack, "feeds": feeds, "devices": devices, "ips": ips, "maker": maker,
            "dtype": dtype, "role": role}


@pytest_asyncio.fixture(scope="module")
async def plant(gateway: NetBoxGateway, make_tenant: Callable[..., Awaitable[Any]],
                run_in_app: Callable[..., Awaitable[Any]]) -> AsyncIterator[Plant]:
    s = uuid.uuid4().hex[:8]
    base = f"127.{random.randint(20, 250)}.{random.randint(1, 250)}"
    addresses = {"dual": f"{base}.11", "v3": f"{base}.12"}
    port, v3_port = free_udp_port(), free_udp_port()
    tenant = await make_tenant()
    await ensure_snmp_fields(gateway)
    built = await gateway.call(lambda api: _build(api, s, tenant.netbox_tenant_id, addresses, port, v3_port))
    dual = SnmpAgent(None, [PduProfile(f"dual-{s}", name="dual", power_w=3200, inlet_power_w=(1200, 2000),
                                       static=True, energy_kwh=500.0, temperature_c=24.0, humidity_pct=41.0)],
                     port=port, addresses=(addresses["dual"],))
    # over v3 the PDU's data is found by the context name (snmpsim serves a file per context)
    v3 = SnmpAgent(None, [PduProfile(CONTEXT, name="v3", power_w=1100, phases=3, static=True, energy_kwh=321.0,
                                     temperature_c=25.5, humidity_pct=38.0)],
                   port=v3_port, addresses=(addresses["v3"],), v3_user="colo", v3_auth_key=AUTH, v3_priv_key=PRIV)
    try:
        dual.start()
        v3.start()
        yield Plant(s=s, role=f"pdu-in-{s}", rack=built["rack"], feeds=built["feeds"], dual=built["devices"]["dual"],
                    v3=built["devices"]["v3"], addresses=addresses, port=port, v3_port=v3_port, tenant=tenant)
    finally:
        # this module's meters stop being polled by other tests' rounds
        mine = Meter.netbox_device_id.is_in([built["devices"]["dual"], built["devices"]["v3"]])
        await run_in_app(Meter.update({Meter.active: False}).where(mine).run)
        dual.stop()
        v3.stop()

        def clean(api: Any) -> None:
            api.ipam.ip_addresses.delete(built["ips"])
            remove_sites(api, [built["site"]], device_types=[built["dtype"]], device_roles=[built["role"]],
                         manufacturers=[built["maker"]])

        await gateway.call(clean)


def _config(auth: str = AUTH, priv: str = PRIV) -> MeteringConfig:
    """Colo's configuration as an operator sets it: the v3 user and pass phrases from the environment."""
    settings = load_settings({"COLO_SNMP_V3_USER": "colo", "COLO_SNMP_V3_AUTH_KEY": auth,
                              "COLO_SNMP_V3_PRIV_KEY": priv, "COLO_SNMP_V3_CONTEXT": CONTEXT,
                              "COLO_METERING_TIMEOUT": "6"}, dotenv=None)  # room for a loaded machine
    return MeteringConfig.of(settings)


async def _values(run_in_app: Callable[..., Awaitable[Any]], key: str) -> tuple[dict[str, float], Any]:
    row = await run_in_app(Meter.select(Meter.last_values, Meter.last_seen_at).where(Meter.key == key).first().run)
    return json.loads(row["last_values"]), row["last_seen_at"]


async def test_v3_and_dual_inlet_pdus_read_and_attributed(
        plant: Plant, gateway: NetBoxGateway, run_in_app: Callable[..., Awaitable[Any]], client: AsyncTestClient[Any],
        make_key: Callable[..., Awaitable[Any]], app: Litestar) -> None:
    pdus = {p.device_id: p for p in await list_pdus(gateway, roles=(plant.role,))}
    assert pdus[plant.dual].inlets == tuple(sorted(((plant.feeds["A"], 2), (plant.feeds["B"], 1))))
    rows = await run_in_app(meters_of, list(pdus.values()))
    keys = {(r.netbox_device_id, r.feed_id): r for r in rows}
    a, b = keys[(plant.dual, plant.feeds["A"])], keys[(plant.dual, plant.feeds["B"])]
    assert (a.inlet, a.side, b.inlet, b.side) == (2, "primary", 1, "redundant")
    assert keys[(plant.v3, None)].snmp_version.value == "v3" and keys[(plant.v3, None)].community == ""
    master_key = app.state.services.keys.master_key
    await run_in_app(sync_meters, rows, deactivate_missing=False, master_key=master_key)
    runtime = MeteringRuntime(_config(), master_key=master_key)
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        await run_in_app(runtime.poll_once, now=now)
        # the v3 PDU: every metric, read with Colo's configured user over authPriv
        v3_values, seen = await _values(run_in_app, f"netbox:{plant.v3}")
        assert seen == now
        expected = {"0:power_w": 1100.0, "0:energy_kwh": 321.0, "1:current_a": 1.6, "1:power_w": 360.0,
                    "3:current_a": 1.6, "3:power_w": 360.0, "101:temperature_c": 25.5, "101:humidity_pct": 38.0}
        for key, value in expected.items():
            assert v3_values.get(key) == pytest.approx(value), key
        # the dual-inlet PDU: Inlet 2's module on feed A, Inlet 1's on feed B; probes once, on inlet 1
        a_values, _ = await _values(run_in_app, a.key)
        b_values, _ = await _values(run_in_app, b.key)
        assert a_values["0:power_w"] == 2000.0 and a_values["0:energy_kwh"] == 1500.0
        assert a_values["1:power_w"] == 2000.0 and a_values["1:current_a"] == pytest.approx(8.7)
        assert b_values["0:power_w"] == 1200.0 and b_values["0:energy_kwh"] == 500.0
        assert b_values["1:current_a"] == pytest.approx(5.2) and b_values["101:temperature_c"] == 24.0
        assert not any(k.startswith("101:") for k in a_values)
        admin = await make_key(Role.TENANT_ADMIN, tenant_id=plant.tenant.id, name="inlets admin")
        feed_a = (await client.get(f"/v1/metering/feeds/{plant.feeds['A']}", headers=admin.headers)).json()
        feed_b = (await client.get(f"/v1/metering/feeds/{plant.feeds['B']}", headers=admin.headers)).json()
        assert (feed_a["kw"], feed_b["kw"]) == (pytest.approx(2.0), pytest.approx(1.2))
        assert feed_a["capacity_pct"] == pytest.approx(67.9, abs=0.1)
        rack = (await client.get(f"/v1/metering/racks/{plant.rack}", headers=admin.headers)).json()
        assert rack["kw"] == pytest.approx(2.0 + 1.2 + 1.1)
        tenant = (await client.get(f"/v1/metering/tenants/{plant.tenant.id}", headers=admin.headers)).json()
        assert tenant["kw"] == pytest.approx(4.3)
        # A 2.0 + B 1.2 = 3.2 kW: more than one 2.944 kW side carries alone
        alerts = await run_in_app(MeteringAlert.select().where(
            (MeteringAlert.kind == "redundancy_at_risk") & (MeteringAlert.subject == f"rack:{plant.rack}")
            & MeteringAlert.cleared_at.is_null()).run)
        assert len(alerts) == 1 and "3.20 kW" in alerts[0]["detail"]
    finally:
        runtime.poller.close()


async def test_wrong_v3_credentials_fail_that_pdu_alone_and_are_never_logged(
        plant: Plant, run_in_app: Callable[..., Awaitable[Any]], caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str], app: Litestar) -> None:
    v3_meter = (await run_in_app(Meter.select(Meter.id).where(Meter.key == f"netbox:{plant.v3}").first().run))["id"]
    caplog.set_level(logging.DEBUG)
    for auth, priv, reason in (("wrong-auth-phrase", PRIV, "SNMPv3: Wrong SNMP PDU digest"),
                               (AUTH, "wrong-priv-phrase", "SNMPv3: Ciphering services not available")):
        runtime = MeteringRuntime(_config(auth, priv), master_key=app.state.services.keys.master_key)
        try:
            targets = [t for t in await run_in_app(runtime.targets) if v3_meter in t.meter_ids or
                       t.host == plant.addresses["dual"]]
            assert len(targets) == 2
            started = time.monotonic()
            result = await run_in_app(runtime.poller.poll_round, targets)
            elapsed = time.monotonic() - started
            assert result.failed[v3_meter].startswith(reason), result.failed
            assert len(result.answered) == 2  # the dual-inlet PDU's two meters, in the same round
            assert elapsed < runtime.config.timeout + 1.0, elapsed  # answered with a report, not waited out
            await run_in_app(runtime.poll_once, now=datetime.now(UTC))
        finally:
            runtime.poller.close()
    output = caplog.text + "".join(capsys.readouterr())
    for secret in (AUTH, PRIV, "wrong-auth-phrase", "wrong-priv-phrase"):
        assert secret not in output
        credentials = SnmpCredentials(v3_auth_key=secret, v3_priv_key=secret)
        assert secret not in repr(Poller(credentials=credentials).credentials)

