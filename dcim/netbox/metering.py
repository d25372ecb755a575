"""PDUs for metering, read from NetBox: devices of the PDU roles, their management address
(primary IP), SNMP settings from their custom fields, and the power feeds their power ports are
cabled to (with what the feed can carry). Three filtered lists through the gateway (pynetbox in
its worker threads); the assembly into metering's rows is api/'s (metering does not import dcim).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dcim.netbox.gateway import NetBoxGateway

PAGE = 1000
# Device custom fields Colo reads (all optional): the PDU's SNMP settings where they differ from
# Colo's configuration (COLO_SNMP_*).
SNMP_FIELDS = ("snmp_community", "snmp_version", "snmp_port", "pdu_vendor")


@dataclass(frozen=True, slots=True)
class FeedRecord:
    netbox_id: int
    name: str
    side: str  # primary | redundant
    rack_id: int | None
    status: str
    phase: str
    voltage: int
    amperage: int
    max_utilization: int
    tenant_id: int | None  # NetBox tenant
    colo_order_id: str


@dataclass(frozen=True, slots=True)
class PduRecord:
    device_id: int
    name: str
    address: str  # primary IP without its prefix length; "" = none
    rack_id: int | None
    tenant_id: int | None  # NetBox tenant of the device
    rack_tenant_id: int | None
    community: str = field(repr=False)  # a secret: never logged; metering stores it sealed
    snmp_version: str
    snmp_port: int
    vendor: str
    feeds: tuple[FeedRecord, ...]  # the feeds its power ports are cabled to
    # (feed id, inlet number): the inlet is the power port's place among the device's power ports in
    # name order (natural: "Inlet 2" before "Inlet 10"), as the PDU numbers its inlets (rPDU2 modules)
    inlets: tuple[tuple[int, int], ...] = ()


def _id(value: Any) -> int | None:
    if isinstance(value, dict):
        ident = value.get("id")
        return int(ident) if ident is not None else None
    return int(value) if isinstance(value, int) else None


def _address(device: dict[str, Any]) -> str:
    ip = device.get("primary_ip4") or device.get("primary_ip")
    if isinstance(ip, dict) and ip.get("address"):
        return str(ip["address"]).split("/")[0]
    return ""


def _natural(port: dict[str, Any]) -> tuple[tuple[int, str], ...]:
    """A port name's sort key with its numbers as numbers ("Inlet 2" < "Inlet 10"), then its id."""
    parts = re.split(r"(\d+)", str(port.get("name") or ""))
    return (*((int(p), "") if p.isdigit() else (-1, p) for p in parts), (int(port.get("id") or 0), ""))


def _feed(raw: dict[str, Any]) -> FeedRecord:
    def label(value: Any) -> str:
        return str(value.get("value", "")) if isinstance(value, dict) else str(value or "")

    return FeedRecord(
        netbox_id=int(raw["id"]), name=str(raw.get("name") or ""), side=label(raw.get("type")),
        rack_id=_id(raw.get("rack")), status=label(raw.get("status")), phase=label(raw.get("phase")),
        voltage=int(raw.get("voltage") or 0), amperage=int(raw.get("amperage") or 0),
        max_utilization=int(raw.get("max_utilization") or 0), tenant_id=_id(raw.get("tenant")),
        colo_order_id=str((raw.get("custom_fields") or {}).get("colo_order_id") or ""))


async def list_pdus(gateway: NetBoxGateway, *, roles: tuple[str, ...]) -> list[PduRecord]:
    def read(api: Any) -> list[PduRecord]:
        devices = [dict(d) for d in api.dcim.devices.filter(
            role=list(roles), limit=PAGE,
            fields="id,name,primary_ip,primary_ip4,rack,tenant,custom_fields")]
        if not devices:
            return []
        ids = [d["id"] for d in devices]
        ports = [dict(p) for p in api.dcim.power_ports.filter(
            device_id=ids, limit=PAGE, fields="id,name,device,link_peers,link_peers_type")]
        feed_of_device: dict[int, set[int]] = {}
        inlets_of_device: dict[int, dict[int, int]] = {}
        ports_of_device: dict[int, list[dict[str, Any]]] = {}
        for port in ports:
            ports_of_device.setdefault(int(_id(port["device"]) or 0), []).append(port)
        for device_id, own in ports_of_device.items():
            for number, port in enumerate(sorted(own, key=_natural), start=1):
                if port.get("link_peers_type") != "dcim.powerfeed":
                    continue
                for peer in port.get("link_peers") or []:
                    if _id(peer) is not None:
                        feed_of_device.setdefault(device_id, set()).add(int(_id(peer) or 0))
                        inlets_of_device.setdefault(device_id, {}).setdefault(int(_id(peer) or 0), number)
        feed_ids = sorted({f for fs in feed_of_device.values() for f in fs})
        feeds = {f.netbox_id: f for f in (_feed(dict(r)) for r in api.dcim.power_feeds.filter(
            id=feed_ids, limit=PAGE, fields="id,name,type,rack,status,phase,voltage,amperage,max_utilization,"
                                           "tenant,custom_fields"))} if feed_ids else {}
        rack_ids = sorted({r for r in (_id(d.get("rack")) for d in devices) if r is not None})
        rack_tenants = {int(r["id"]): _id(r.get("tenant")) for r in (dict(x) for x in api.dcim.racks.filter(
            id=rack_ids, limit=PAGE, fields="id,tenant"))} if rack_ids else {}
        records = []
        for d in devices:
            custom: dict[str, Any] = d.get("custom_fields") or {}
            rack = _id(d.get("rack"))
            snmp_port = custom.get("snmp_port")
            records.append(PduRecord(
                device_id=int(d["id"]), name=str(d.get("name") or f"device {d['id']}"), address=_address(d),
                rack_id=rack, tenant_id=_id(d.get("tenant")), rack_tenant_id=rack_tenants.get(rack) if rack else None,
                community=str(custom.get("snmp_community") or ""), snmp_version=str(custom.get("snmp_version") or ""),
                snmp_port=snmp_port if isinstance(snmp_port, int) and 0 < snmp_port < 65536 else 161,
                vendor=str(custom.get("pdu_vendor") or ""),
                feeds=tuple(feeds[f] for f in sorted(feed_of_device.get(int(d["id"]), ())) if f in feeds),
                inlets=tuple(sorted(inlets_of_device.get(int(d["id"]), {}).items()))))
        return records

    return await gateway.call(read, what="list PDUs for metering")


async def ensure_snmp_fields(gateway: NetBoxGateway) -> None:
    """The PDU custom fields (text and integer, on dcim.device), created when missing."""
    specs = {"snmp_community": "text", "snmp_version": "text", "snmp_port": "integer", "pdu_vendor": "text"}

    def ensure(api: Any) -> None:
        for name, kind in specs.items():
            if api.extras.custom_fields.get(name=name) is None:
                api.extras.custom_fields.create(name=name, type=kind, object_types=["dcim.device"],
                                                description="Colo metering: the PDU's SNMP setting")

    await gateway.call(ensure, what="ensure metering custom fields")
