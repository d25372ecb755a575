"""What a maintenance or an incident on plant objects does to each tenant, worked out from the
plant read model and Colo's own orders (no NetBox call: the read model is the plant as synced).

- power panel → its feeds; a feed → the rack it feeds. A rack fed by an affected feed loses that
  side (A = NetBox's `primary`, B = `redundant`) and keeps power only if a feed of it is untouched.
- rack, row (rack group), hall (location) or site → the racks themselves (space and all).
- patch panel (device) or port → the ports and the ports cabled to them → the open cross-connect
  orders with one of them (or the panel) as an end → both the A tenant (who ordered) and the Z
  tenant (who granted the LOA).
- A rack's tenants: the rack's own tenant, the tenants of devices mounted in it, of non-stale
  reservations in it, of affected feeds (power sold to them) and of Colo space or power orders there.

Each tenant's impact lists only its own racks and cross-connects: what it may be told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import msgspec

from dcim.orders.states import OrderState
from dcim.orders.tables import Loa, Order
from dcim.tables import PlantDevice, PlantPort, PlantPowerFeed, PlantRack, PlantReservation
from tenants.tables import Tenant

OPEN_ORDERS = [OrderState.APPROVED.value, OrderState.PROVISIONING.value, OrderState.ACTIVE.value,
               OrderState.DECOMMISSION_REQUESTED.value]
SIDE = {"primary": "A", "redundant": "B"}


class PlantTargets(msgspec.Struct, frozen=True, kw_only=True):
    """The plant objects a notice touches, by NetBox id (rows by their rack group's name)."""

    power_panels: list[int] = []
    power_feeds: list[int] = []
    racks: list[int] = []
    rows: list[str] = []
    locations: list[int] = []
    sites: list[int] = []
    patch_panels: list[int] = []
    ports: list[int] = []  # front ports


class RackImpact(msgspec.Struct, frozen=True, kw_only=True):
    rack_id: int
    rack: str
    hall: str
    sides_lost: list[str]  # "A", "B": the feeds of this rack the notice takes
    keeps_power: bool  # a feed of the rack stays up
    whole_rack: bool  # the rack itself (or its row, hall or site) is in the notice


class CrossConnectImpact(msgspec.Struct, frozen=True, kw_only=True):
    order_id: UUID
    end: str  # "A" (ordered it) or "Z" (granted its LOA)


class TenantImpact(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: UUID
    racks: list[RackImpact] = []
    cross_connects: list[CrossConnectImpact] = []


def _spec(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    decoded = msgspec.json.decode(value or "{}")
    return decoded if isinstance(decoded, dict) else {}


async def _racks(targets: PlantTargets) -> tuple[dict[int, dict[str, Any]], set[int], dict[int, set[str]],
                                                 dict[int, set[int]]]:
    """(racks by id, racks touched as a whole, sides lost per rack, affected feeds' tenants per rack)."""
    whole: set[int] = set()
    where = []
    if targets.racks:
        where.append(PlantRack.netbox_id.is_in(targets.racks))
    if targets.rows:
        where.append(PlantRack.row.is_in(targets.rows))
    if targets.locations:
        where.append(PlantRack.location_id.is_in(targets.locations))
    if targets.sites:
        where.append(PlantRack.site_id.is_in(targets.sites))
    for clause in where:
        whole |= {r["netbox_id"] for r in await PlantRack.select(PlantRack.netbox_id).where(clause)}
    lost: dict[int, set[str]] = defaultdict(set)
    feed_tenants: dict[int, set[int]] = defaultdict(set)
    feeds: list[dict[str, Any]] = []
    if targets.power_panels:
        feeds += await PlantPowerFeed.select().where(PlantPowerFeed.panel_id.is_in(targets.power_panels))
    if targets.power_feeds:
        feeds += await PlantPowerFeed.select().where(PlantPowerFeed.netbox_id.is_in(targets.power_feeds))
    taken = {f["netbox_id"] for f in feeds}
    for feed in feeds:
        if feed["rack_id"] is not None:
            lost[feed["rack_id"]].add(SIDE.get(feed["side"], feed["side"]))
            if feed["tenant_id"] is not None:
                feed_tenants[feed["rack_id"]].add(feed["tenant_id"])
    ids = whole | set(lost)
    racks = {r["netbox_id"]: r for r in await PlantRack.select(
        PlantRack.netbox_id, PlantRack.name, PlantRack.hall, PlantRack.tenant_id).where(
        PlantRack.netbox_id.is_in(list(ids)))} if ids else {}
    if lost:  # which of these racks keep a feed the notice does not take
        untouched = await PlantPowerFeed.select(PlantPowerFeed.rack_id, PlantPowerFeed.netbox_id).where(
            PlantPowerFeed.rack_id.is_in(list(lost)))
        keeping = {f["rack_id"] for f in untouched if f["netbox_id"] not in taken}
        for rack_id in lost:
            racks.get(rack_id, {})["keeps"] = rack_id in keeping
    return racks, whole, lost, feed_tenants


async def _rack_tenants(rack_ids: list[int]) -> dict[int, set[int]]:
    """NetBox tenants holding space in each rack (rack tenant, devices, non-stale reservations)."""
    holders: dict[int, set[int]] = defaultdict(set)
    if not rack_ids:
        return holders
    for rack in await PlantRack.select(PlantRack.netbox_id, PlantRack.tenant_id).where(
            PlantRack.netbox_id.is_in(rack_ids)):
        if rack["tenant_id"] is not None:
            holders[rack["netbox_id"]].add(rack["tenant_id"])
    for device in await PlantDevice.select(PlantDevice.rack_id, PlantDevice.tenant_id).where(
            PlantDevice.rack_id.is_in(rack_ids) & PlantDevice.tenant_id.is_not_null()):
        holders[device["rack_id"]].add(device["tenant_id"])
    for reservation in await PlantReservation.select(PlantReservation.rack_id, PlantReservation.tenant_id).where(
            PlantReservation.rack_id.is_in(rack_ids) & PlantReservation.tenant_id.is_not_null()
            & (PlantReservation.status != "stale")):
        holders[reservation["rack_id"]].add(reservation["tenant_id"])
    return holders


async def _colo_tenants(netbox_ids: Iterable[int]) -> dict[int, UUID]:
    ids = list(set(netbox_ids))
    if not ids:
        return {}
    rows = await Tenant.select(Tenant.id, Tenant.netbox_tenant_id).where(Tenant.netbox_tenant_id.is_in(ids))
    return {row["netbox_tenant_id"]: row["id"] for row in rows}


async def _cross_connects(targets: PlantTargets) -> list[tuple[UUID, CrossConnectImpact]]:
    """(tenant, cross-connect) for every open cross-connect order ending on a touched port or panel."""
    if not targets.patch_panels and not targets.ports:
        return []
    ports: list[dict[str, Any]] = []
    if targets.patch_panels:
        ports += await PlantPort.select(PlantPort.netbox_id, PlantPort.peer_port_id, PlantPort.device_id).where(
            PlantPort.device_id.is_in(targets.patch_panels) & (PlantPort.kind == "front"))
    if targets.ports:
        ports += await PlantPort.select(PlantPort.netbox_id, PlantPort.peer_port_id, PlantPort.device_id).where(
            PlantPort.netbox_id.is_in(targets.ports) & (PlantPort.kind == "front"))
    port_ids = {p["netbox_id"] for p in ports} | {p["peer_port_id"] for p in ports if p["peer_port_id"]}
    devices = set(targets.patch_panels)
    orders = await Order.select(Order.id, Order.tenant_id, Order.spec).where(
        (Order.kind == "cross_connect") & Order.state.is_in(OPEN_ORDERS))
    hit = []
    for order in orders:
        spec = _spec(order["spec"])
        ends = [_spec(spec.get("a_port")), _spec(spec.get("z_port"))]
        if any(end.get("id") in port_ids or end.get("device_id") in devices for end in ends):
            hit.append(order)
    if not hit:
        return []
    z_sides = {row["order_id"]: row["z_tenant_id"] for row in await Loa.select(Loa.order_id, Loa.z_tenant_id).where(
        Loa.order_id.is_in([o["id"] for o in hit]))}
    found = [(o["tenant_id"], CrossConnectImpact(order_id=o["id"], end="A")) for o in hit]
    found += [(z_sides[o["id"]], CrossConnectImpact(order_id=o["id"], end="Z")) for o in hit
              if z_sides.get(o["id"]) is not None]
    return found


async def compute_impact(targets: PlantTargets) -> list[TenantImpact]:
    """Every affected Colo tenant with its own affected racks and cross-connects, by tenant id."""
    racks, whole, lost, feed_tenants = await _racks(targets)
    holders = await _rack_tenants(list(racks))
    orders = await Order.select(Order.tenant_id, Order.rack_id).where(
        Order.rack_id.is_in(list(racks)) & Order.kind.is_in(["space", "power"]) & Order.state.is_in(OPEN_ORDERS)
    ) if racks else []
    colo = await _colo_tenants([t for ts in holders.values() for t in ts] + [t for ts in feed_tenants.values()
                                                                              for t in ts])
    by_tenant: dict[UUID, dict[int, RackImpact]] = defaultdict(dict)
    for rack_id, rack in racks.items():
        impact = RackImpact(rack_id=rack_id, rack=rack["name"], hall=rack["hall"],
                            sides_lost=sorted(lost.get(rack_id, set())),
                            keeps_power=bool(rack.get("keeps", rack_id not in lost)), whole_rack=rack_id in whole)
        tenants = {colo[t] for t in holders.get(rack_id, set()) | feed_tenants.get(rack_id, set()) if t in colo}
        tenants |= {o["tenant_id"] for o in orders if o["rack_id"] == rack_id}
        for tenant_id in tenants:
            by_tenant[tenant_id][rack_id] = impact
    links: dict[UUID, list[CrossConnectImpact]] = defaultdict(list)
    for tenant_id, link in await _cross_connects(targets):
        links[tenant_id].append(link)
    return [TenantImpact(tenant_id=tenant_id,
                         racks=sorted(by_tenant.get(tenant_id, {}).values(), key=lambda r: r.rack),
                         cross_connects=sorted(links.get(tenant_id, []), key=lambda c: (str(c.order_id), c.end)))
            for tenant_id in sorted(set(by_tenant) | set(links), key=str)]
