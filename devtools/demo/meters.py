"""The demo plant's PDUs made pollable: each gets a management address on loopback (its primary
IPv4 in NetBox) and its SNMP community and port in custom fields, and `colo demo snmp` serves
them from snmpsim (devtools/snmp_agents.py) with loads that swing and counters that grow — so
`make run` shows live-changing power and temperature for the demo racks.

Loads: each PDU draws 65 % of the draw booked on it, swinging ±15 % over 10 minutes (Helio's
full rack therefore draws more, A and B together, than one side could carry: redundancy at risk).
"""

from __future__ import annotations

import os
import signal
import zlib
from pathlib import Path
from typing import Any

from dcim.netbox import NetBoxGateway
from dcim.netbox.metering import ensure_snmp_fields
from devtools.demo.plan import DemoPlant, DevicePlan
from devtools.snmp_agents import PduProfile, SnmpAgent

DEMO_SNMP_PORT = 16161
PID_FILE = Path("var/demo-snmp.pid")


def demo_pdus(plant: DemoPlant) -> list[DevicePlan]:
    return [d for d in plant.devices if d.role == "pdu" and d.feed]


def address(plant: DemoPlant, index: int) -> str:
    """A loopback address per PDU, distinct per site (tests seed private copies beside the demo)."""
    octet = 100 + zlib.crc32(plant.site_slug.encode()) % 100
    return f"127.{octet}.{index // 250}.{index % 250 + 1}"


def profiles(plant: DemoPlant) -> list[tuple[str, PduProfile]]:
    out = []
    for index, pdu in enumerate(demo_pdus(plant)):
        mean = int(pdu.allocated_draw * 0.65)
        out.append((address(plant, index), PduProfile(
            community=community(pdu), name=pdu.name, power_w=mean, swing_w=int(mean * 0.15), period_s=600.0,
            energy_kwh=1000.0 + 37.0 * index, temperature_c=22.0 + (index % 4), humidity_pct=40.0 + index)))
    return out


def community(pdu: DevicePlan) -> str:
    return pdu.name.lower()


async def seed_meters(gateway: NetBoxGateway, plant: DemoPlant, *, port: int = DEMO_SNMP_PORT) -> int:
    """Management interface, loopback primary IP and SNMP custom fields on each demo PDU (idempotent);
    returns how many PDUs it changed."""
    await ensure_snmp_fields(gateway)
    wanted = {pdu.name: (address(plant, i), community(pdu)) for i, pdu in enumerate(demo_pdus(plant))}

    def apply(api: Any) -> int:
        changed = 0
        for device in api.dcim.devices.filter(name=list(wanted), limit=1000):
            ip_text, comm = wanted[device.name]
            custom = dict(device.custom_fields or {})
            primary = device.primary_ip4
            if custom.get("snmp_community") == comm and custom.get("snmp_port") == port and primary \
                    and str(primary.address).split("/")[0] == ip_text:
                continue
            mgmt = api.dcim.interfaces.get(device_id=device.id, name="mgmt0") or api.dcim.interfaces.create(
                device=device.id, name="mgmt0", type="1000base-t", mgmt_only=True)
            ip = api.ipam.ip_addresses.get(address=f"{ip_text}/32") or api.ipam.ip_addresses.create(
                address=f"{ip_text}/32", status="active", description="demo PDU (snmpsim on loopback)")
            ip.update({"assigned_object_type": "dcim.interface", "assigned_object_id": mgmt.id})
            device.update({"primary_ip4": ip.id,
                           "custom_fields": {**custom, "snmp_community": comm, "snmp_port": port}})
            changed += 1
        return changed

    return await gateway.call(apply, what="demo PDUs' management addresses")


def stop_agents() -> bool:
    """Stop the demo's agent started earlier (its pid in var/); True if one was running."""
    if not PID_FILE.exists():
        return False
    pid = int(PID_FILE.read_text().strip() or 0)
    PID_FILE.unlink()
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def start_agents(plant: DemoPlant) -> SnmpAgent:
    """One snmpsim process answering every demo PDU's address on DEMO_SNMP_PORT; it keeps running
    after this command (make run's `colo serve` polls it) until `colo demo snmp --stop`."""
    stop_agents()
    pairs = profiles(plant)
    agent = SnmpAgent(None, [p for _, p in pairs], port=DEMO_SNMP_PORT, addresses=tuple(a for a, _ in pairs))
    agent.start()
    assert agent.process is not None
    PID_FILE.parent.mkdir(parents=True, exist_ok=True)
    PID_FILE.write_text(str(agent.process.pid))
    return agent
