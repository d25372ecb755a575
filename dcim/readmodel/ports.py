"""Ports a tenant can use for cross-connects, from the read model.

A cross-connect runs from one of the tenant's own ports (A side: a front port of a patch panel
whose NetBox tenant is the tenant — its demarcation panel in the meet-me room or its cage) to a
free port of someone else's panel in the meet-me room (Z side: a carrier's or another tenant's).
The Z-side list says only what choosing needs: the port, its panel, media and owner — never
cabling, racks or other ports of that owner's.
"""

from __future__ import annotations

from typing import Any

import msgspec

from colo.identity import Principal
from colo.paging import Key, Keyset, PageRequest, slice_page
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.schemas import Media, PlantResult, TenantRef
from dcim.readmodel.views import caller_netbox_tenant, freshness
from dcim.tables import PlantDevice, PlantLocation, PlantPort, PlantTenant

PANEL_ROLE = "patch-panel"


class OwnPort(msgspec.Struct, omit_defaults=True):
    netbox_id: int
    name: str
    panel_id: int
    panel: str
    media: Media | None
    location: str  # the meet-me room or hall (NetBox location) the panel is in
    rack_id: int | None
    free: bool  # not cabled yet
    owner: TenantRef | None = None  # staff only: whose port it is


class ZSidePort(msgspec.Struct):
    netbox_id: int
    name: str
    panel_id: int
    panel: str
    media: Media | None
    owner: TenantRef


# By panel (name, id), then port name as a person reads it (1, 2, …, 10 rather than 1, 10, 2), then id.
OWN_PORT_KEYS = Keyset("own-ports", (str, int, int, str, int))
Z_SIDE_PORT_KEYS = Keyset("z-side-ports", (str, int, int, str, int))

type Pair = tuple[dict[str, Any], dict[str, Any]]


def _pair_key(pair: Pair) -> Key:
    panel, port = pair
    return panel["name"], panel["netbox_id"], len(port["name"]), port["name"], port["netbox_id"]


async def _fronts(panels: list[dict[str, Any]], *, free_only: bool) -> list[Pair]:
    by_id = {p["netbox_id"]: p for p in panels}
    query = PlantPort.select().where(PlantPort.kind == "front", PlantPort.device_id.is_in(sorted(by_id) or [-1]))
    if free_only:
        query = query.where(PlantPort.cable_id.is_null())
    rows = await query
    return [(by_id[r["device_id"]], r) for r in rows]


async def _names() -> tuple[dict[int, str], dict[int, str]]:
    locations = {r["netbox_id"]: r["name"] for r in await PlantLocation.select(PlantLocation.netbox_id,
                                                                                 PlantLocation.name)}
    tenants = {r["netbox_id"]: r["name"] for r in await PlantTenant.select(PlantTenant.netbox_id, PlantTenant.name)}
    return locations, tenants


async def own_ports(*, principal: Principal, media: str | None = None, free_only: bool = False,
                    page: PageRequest, cache: ReadModelCache) -> PlantResult[OwnPort]:
    """The caller's own patch-panel ports (staff: every tenant's, with the owner)."""
    mine = await caller_netbox_tenant(principal, cache=cache)
    query = PlantDevice.select().where(PlantDevice.role == PANEL_ROLE)
    query = query.where(PlantDevice.tenant_id == mine) if mine is not None else query.where(
        PlantDevice.tenant_id.is_not_null())
    if media is not None:
        query = query.where(PlantDevice.media == media)
    panels = await query
    pairs = await _fronts(panels, free_only=free_only)
    cut = slice_page(pairs, key=_pair_key, keyset=OWN_PORT_KEYS, page=page)
    locations, tenants = await _names()
    items = [OwnPort(
        netbox_id=port["netbox_id"], name=port["name"], panel_id=panel["netbox_id"], panel=panel["name"],
        media=panel["media"] or None, location=locations.get(panel["location_id"], ""), rack_id=panel["rack_id"],
        free=port["cable_id"] is None,
        owner=TenantRef(panel["tenant_id"], tenants.get(panel["tenant_id"], "")) if mine is None else None,
    ) for panel, port in cut.items]
    return PlantResult(items, cut.next_key, OWN_PORT_KEYS, count=len(pairs),
                       freshness=freshness(min((p["synced_at"] for p in panels), default=None)))


async def z_side_ports(*, principal: Principal, media: str | None = None, page: PageRequest,
                       cache: ReadModelCache) -> PlantResult[ZSidePort]:
    """Free ports of other parties' panels in the meet-me room: what a cross-connect may end on."""
    mine = await caller_netbox_tenant(principal, cache=cache)
    rooms = [r["netbox_id"] for r in await PlantLocation.select(PlantLocation.netbox_id).where(
        PlantLocation.is_meet_me_room == True)]  # noqa: E712 - SQL
    query = PlantDevice.select().where(PlantDevice.role == PANEL_ROLE, PlantDevice.location_id.is_in(rooms or [-1]),
                                       PlantDevice.tenant_id.is_not_null())
    if mine is not None:
        query = query.where(PlantDevice.tenant_id != mine)
    if media is not None:
        query = query.where(PlantDevice.media == media)
    panels = await query
    pairs = await _fronts(panels, free_only=True)
    cut = slice_page(pairs, key=_pair_key, keyset=Z_SIDE_PORT_KEYS, page=page)
    _locations, tenants = await _names()
    items = [ZSidePort(netbox_id=port["netbox_id"], name=port["name"], panel_id=panel["netbox_id"],
                       panel=panel["name"], media=panel["media"] or None,
                       owner=TenantRef(panel["tenant_id"], tenants.get(panel["tenant_id"], "")))
             for panel, port in cut.items]
    return PlantResult(items, cut.next_key, Z_SIDE_PORT_KEYS, count=len(pairs),
                       freshness=freshness(min((p["synced_at"] for p in panels), default=None)))
