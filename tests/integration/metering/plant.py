"""A metered rack built in the real NetBox for metering's tests: a site, rack M with an A and a B
supply feed (230 V x 16 A x 80 % = 2944 W each), a PDU role of the test's own (so discovery sees
only these PDUs), and two PDUs in rack M held by the tenant, each with a power port cabled to one
feed, a management interface whose primary IPv4 is a loopback address of the test's own, and
its SNMP community and port in custom fields. Everything is removed afterwards."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from dcim.netbox import NetBoxGateway
from dcim.netbox.metering import ensure_snmp_fields
from tests.netbox_cleanup import remove_sites


@dataclass
class MeteredRack:
    suffix: str
    role: str  # the PDU role slug discovery is asked for
    rack: int
    feeds: dict[str, int]  # "A" | "B" → NetBox feed id
    pdus: dict[str, int]  # "A" | "B" → NetBox device id
    addresses: dict[str, str]  # "A" | "B" → loopback address
    communities: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)


def community(side: str, s: str) -> str:
    """A PDU's own community: unlike anything else of the PDU's, so a test finds it wherever it leaks."""
    return f"ro-{side.lower()}-{s}-c0mm"


def _build(api: Any, s: str, *, tenant: int, port: int, addresses: dict[str, str]) -> dict[str, Any]:
    site = api.dcim.sites.create(name=f"Meter {s}", slug=f"meter-{s}").id
    rack = api.dcim.racks.create(name=f"Meter M {s}", site=site, u_height=42, tenant=tenant).id
    maker = api.dcim.manufacturers.create(name=f"meter maker {s}", slug=f"meter-maker-{s}").id
    dtype = api.dcim.device_types.create(manufacturer=maker, model=f"rpdu {s}", slug=f"rpdu-{s}", u_height=0).id
    role = api.dcim.device_roles.create(name=f"pdu {s}", slug=f"pdu-{s}").id
    feeds, pdus, ips = {}, {}, []
    for side, kind in (("A", "primary"), ("B", "redundant")):
        panel = api.dcim.power_panels.create(site=site, name=f"Meter PP {side} {s}").id
        feeds[side] = api.dcim.power_feeds.create(
            power_panel=panel, rack=rack, name=f"Meter {s}-{side}", status="active", type=kind, supply="ac",
            phase="single-phase", voltage=230, amperage=16, max_utilization=80).id
        device = api.dcim.devices.create(
            name=f"pdu-{side.lower()}-{s}", device_type=dtype, role=role, site=site, rack=rack, tenant=tenant,
            custom_fields={"snmp_community": community(side, s), "snmp_port": port})
        pdus[side] = device.id
        inlet = api.dcim.power_ports.create(device=device.id, name="Inlet", maximum_draw=3680)
        api.dcim.cables.create(a_terminations=[{"object_type": "dcim.powerport", "object_id": inlet.id}],
                               b_terminations=[{"object_type": "dcim.powerfeed", "object_id": feeds[side]}],
                               status="connected", label=f"METER-{s}-{side}")
        mgmt = api.dcim.interfaces.create(device=device.id, name="mgmt0", type="1000base-t", mgmt_only=True)
        ip = api.ipam.ip_addresses.create(address=f"{addresses[side]}/32", status="active",
                                          assigned_object_type="dcim.interface", assigned_object_id=mgmt.id)
        ips.append(ip.id)
        api.dcim.devices.get(device.id).update({"primary_ip4": ip.id})
    return {"site": site, "rack": rack, "feeds": feeds, "pdus": pdus, "ips": ips, "maker": maker, "port": port,
            "dtype": dtype, "role": role}


@asynccontextmanager
async def metered_rack(gateway: NetBoxGateway, *, netbox_tenant: int, port: int) -> AsyncIterator[MeteredRack]:
    s = uuid.uuid4().hex[:8]
    base = f"127.{random.randint(20, 250)}.{random.randint(1, 250)}"
    addresses = {"A": f"{base}.1", "B": f"{base}.2"}
    await ensure_snmp_fields(gateway)
    built = await gateway.call(lambda api: _build(api, s, tenant=netbox_tenant, port=port, addresses=addresses))
    try:
        yield MeteredRack(suffix=s, role=f"pdu-{s}", rack=built["rack"], feeds=built["feeds"], pdus=built["pdus"],
                          addresses=addresses, communities={side: community(side, s) for side in "AB"},
                          ids=built)
    finally:
        def clean(api: Any) -> None:
            api.ipam.ip_addresses.delete(built["ips"])
            remove_sites(api, [built["site"]], device_types=[built["dtype"]], device_roles=[built["role"]],
                         manufacturers=[built["maker"]])

        await gateway.call(clean)
