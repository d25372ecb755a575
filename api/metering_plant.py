"""Metering's discovery, assembled here: PDUs and their feeds from NetBox (dcim's gateway), NetBox
tenants mapped to Colo's, and a tenant circuit's contracted power from its order — handed to
metering as typed rows (metering does not import dcim, tenants' tables or orders).

A PDU whose inlets are on two feeds (A and B) is one meter per inlet (on its feed); the readings
of a PDU belong to the tenant of the feed (a tenant circuit), else of the PDU
device, else of its rack. A circuit's contracted power is its order's committed watts, shared by
the order's circuits (an A+B order's two feeds carry half each, summing to the order's power).
"""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from dcim.netbox import NetBoxGateway
from dcim.netbox.metering import PduRecord, list_pdus
from dcim.orders.tables import Order
from dcim.power import available_va
from metering.config import MeteringConfig
from metering.discovery import DiscoveredMeter, meter_key
from metering.status import SnmpVersion
from tenants.tables import Tenant


async def _tenants(netbox_ids: set[int]) -> dict[int, UUID]:
    if not netbox_ids:
        return {}
    rows = await Tenant.select(Tenant.id, Tenant.netbox_tenant_id).where(Tenant.netbox_tenant_id.is_in(
        sorted(netbox_ids)))
    return {r["netbox_tenant_id"]: r["id"] for r in rows}


async def _orders(order_ids: set[str]) -> dict[str, int]:
    ids = []
    for text in order_ids:
        try:
            ids.append(UUID(text))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = await Order.select(Order.id, Order.power_w).where(Order.id.is_in(ids))
    return {str(r["id"]): int(r["power_w"]) for r in rows}


def _version(text: str) -> SnmpVersion:
    return SnmpVersion.V3 if text.strip().lower() in ("v3", "3") else SnmpVersion.V2C


async def meters_of(pdus: list[PduRecord]) -> list[DiscoveredMeter]:
    feeds = [f for p in pdus for f in p.feeds]
    tenants = await _tenants({t for p in pdus for t in (p.tenant_id, p.rack_tenant_id) if t is not None}
                             | {f.tenant_id for f in feeds if f.tenant_id is not None})
    orders = await _orders({f.colo_order_id for f in feeds if f.colo_order_id})
    circuits_of_order = Counter(f.colo_order_id for f in {f.netbox_id: f for f in feeds}.values() if f.colo_order_id)
    rows: list[DiscoveredMeter] = []
    for pdu in pdus:
        common = {"name": pdu.name, "netbox_device_id": pdu.device_id, "host": pdu.address, "port": pdu.snmp_port,
                  "snmp_version": _version(pdu.snmp_version), "community": pdu.community}
        if pdu.vendor:
            common["vendor"] = pdu.vendor
        owner = pdu.tenant_id if pdu.tenant_id is not None else pdu.rack_tenant_id
        if not pdu.feeds:
            rows.append(DiscoveredMeter(key=meter_key(pdu.device_id, None, 0), rack_id=pdu.rack_id,
                                        tenant_id=tenants.get(owner) if owner is not None else None,
                                        **common))  # type: ignore[arg-type]
        # A PDU whose inlets are cabled to different feeds (A and B) is one meter per inlet, each on its
        # feed and read from the PDU's per-inlet (module) rows; a PDU on one feed is one meter.
        inlet_of = dict(pdu.inlets) if len(pdu.feeds) > 1 else {}
        for feed in pdu.feeds:
            holder = feed.tenant_id if feed.tenant_id is not None else owner
            contracted = (orders.get(feed.colo_order_id, 0) // max(circuits_of_order[feed.colo_order_id], 1)
                          if feed.colo_order_id else 0)
            rows.append(DiscoveredMeter(
                key=meter_key(pdu.device_id, feed.netbox_id, len(pdu.feeds)), feed_id=feed.netbox_id,
                inlet=inlet_of.get(feed.netbox_id, 0),
                feed_name=feed.name, side=feed.side,
                feed_capacity_w=available_va(voltage=feed.voltage, amperage=feed.amperage, phase=feed.phase,
                                             max_utilization=feed.max_utilization),
                rack_id=feed.rack_id if feed.rack_id is not None else pdu.rack_id,
                tenant_id=tenants.get(holder) if holder is not None else None, contracted_w=contracted,
                **common))  # type: ignore[arg-type]
    return rows


async def discover(gateway: NetBoxGateway, config: MeteringConfig) -> list[DiscoveredMeter]:
    if not gateway.configured:
        return []
    return await meters_of(await list_pdus(gateway, roles=config.pdu_roles))
