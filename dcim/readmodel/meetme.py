"""Meet-me-room patch panels from the read model: who owns them, which hall they serve, free ports.

Carrier panels (a NetBox tenant owns them) are the Z-sides tenants order cross-connects to;
cage-side panels (no tenant) are trunked to a zone panel in one hall. Tenants see every panel
with its counts and carrier, but port-level cabling (cable labels) only staff.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec

from colo.errors import NotFound
from colo.identity import Principal
from colo.paging import Keyset, PageRequest, slice_page
from dcim.readmodel.schemas import Freshness, Media, PlantResult, TenantRef
from dcim.readmodel.views import freshness
from dcim.tables import PlantCable, PlantDevice, PlantLocation, PlantPort, PlantTenant


class PortView(msgspec.Struct, omit_defaults=True):
    netbox_id: int
    name: str
    port_type: str
    free: bool
    cable_label: str | None = None  # staff only


class PanelView(msgspec.Struct):
    netbox_id: int
    name: str
    media: Media | None
    owner: TenantRef | None  # the carrier; None for cage-side panels
    serves_hall: str | None  # cage-side panels: the hall their trunk reaches
    ports_total: int
    ports_free: int
    freshness: Freshness
    ports: list[PortView] | None = None  # panel detail only


PANEL_KEYS = Keyset("mmr-panels", (str, int))


async def _panels() -> tuple[list[dict[str, Any]], dict[int, str], dict[int, str]]:
    rooms = [r["netbox_id"] for r in await PlantLocation.select(PlantLocation.netbox_id).where(
        PlantLocation.is_meet_me_room == True)]  # noqa: E712 - SQL
    panels = await PlantDevice.select().where(
        PlantDevice.role == "patch-panel", PlantDevice.location_id.is_in(rooms or [-1])
    ).order_by(PlantDevice.name)
    halls = {r["netbox_id"]: r["name"] for r in await PlantLocation.select(PlantLocation.netbox_id, PlantLocation.name)}
    tenants = {t["netbox_id"]: t["name"] for t in await PlantTenant.select(PlantTenant.netbox_id, PlantTenant.name)}
    return panels, halls, tenants


async def _served_halls(panel_ids: list[int], halls: dict[int, str]) -> dict[int, str]:
    """Panel → the hall its rear ports' trunks land in (through the far panel's location)."""
    rears = await PlantPort.select(PlantPort.device_id, PlantPort.peer_port_id).where(
        PlantPort.kind == "rear", PlantPort.device_id.is_in(panel_ids or [-1]),
        PlantPort.peer_port_id.is_not_null())
    peer_rows = await PlantPort.select(PlantPort.netbox_id, PlantPort.device_id).where(
        PlantPort.kind == "rear", PlantPort.netbox_id.is_in([r["peer_port_id"] for r in rears] or [-1]))
    peers = {r["netbox_id"]: r["device_id"] for r in peer_rows}
    far_rows = await PlantDevice.select(PlantDevice.netbox_id, PlantDevice.location_id).where(
        PlantDevice.netbox_id.is_in(sorted(set(peers.values())) or [-1]))
    far = {d["netbox_id"]: d["location_id"] for d in far_rows}
    served: dict[int, str] = {}
    for rear in rears:
        device = peers.get(rear["peer_port_id"])
        location = far.get(device) if device is not None else None
        if location is not None and location in halls:
            served.setdefault(rear["device_id"], halls[location])
    return served


async def list_panels(*, principal: Principal, media: str | None = None,
                      hall: str | None = None, page: PageRequest) -> PlantResult[PanelView]:
    """Meet-me-room panels (filtered), with free/total front ports, by name then NetBox id. A few
    dozen per facility: computed whole, then cut into keyset pages."""
    del principal  # every caller the policy admits sees the same panel list
    panels, halls, tenants = await _panels()
    ids = [p["netbox_id"] for p in panels]
    served = await _served_halls(ids, halls)
    fronts = await PlantPort.select(PlantPort.device_id, PlantPort.cable_id).where(
        PlantPort.kind == "front", PlantPort.device_id.is_in(ids or [-1]))
    total = Counter(f["device_id"] for f in fronts)
    free = Counter(f["device_id"] for f in fronts if f["cable_id"] is None)
    items = []
    for panel in panels:
        if (media and panel["media"] != media) or (hall and served.get(panel["netbox_id"]) != hall):
            continue
        items.append(_panel_view(panel, tenants, served, total, free))
    oldest = min((p["synced_at"] for p in panels), default=None)
    cut = slice_page(items, key=lambda view: (view.name, view.netbox_id), keyset=PANEL_KEYS, page=page)
    return PlantResult(cut.items, cut.next_key, PANEL_KEYS, count=len(items), freshness=freshness(oldest))


def _panel_view(panel: dict[str, Any], tenants: dict[int, str], served: dict[int, str],
                total: Counter[int], free: Counter[int]) -> PanelView:
    owner = panel["tenant_id"]
    return PanelView(
        netbox_id=panel["netbox_id"], name=panel["name"], media=panel["media"] or None,
        owner=TenantRef(owner, tenants.get(owner, "")) if owner is not None else None,
        serves_hall=served.get(panel["netbox_id"]), ports_total=total[panel["netbox_id"]],
        ports_free=free[panel["netbox_id"]], freshness=freshness(panel["synced_at"]),
    )


async def panel_detail(*, principal: Principal, panel_id: int) -> PanelView:
    panels, halls, tenants = await _panels()
    panel = next((p for p in panels if p["netbox_id"] == panel_id), None)
    if panel is None:
        raise NotFound("patch panel", panel_id)
    fronts = await PlantPort.select().where(PlantPort.kind == "front", PlantPort.device_id == panel_id)
    fronts.sort(key=lambda f: (len(f["name"]), f["name"]))  # 1, 2, …, 10 rather than 1, 10, 2
    labels: dict[int, str] = {}
    if principal.is_facility:
        cable_ids = [f["cable_id"] for f in fronts if f["cable_id"] is not None]
        labels = {c["netbox_id"]: c["label"] for c in await PlantCable.select(
            PlantCable.netbox_id, PlantCable.label).where(PlantCable.netbox_id.is_in(cable_ids or [-1]))}
    view = _panel_view(panel, tenants, await _served_halls([panel_id], halls),
                       Counter({panel_id: len(fronts)}),
                       Counter({panel_id: sum(1 for f in fronts if f["cable_id"] is None)}))
    view.ports = [PortView(netbox_id=f["netbox_id"], name=f["name"], port_type=f["port_type"],
                           free=f["cable_id"] is None,
                           cable_label=labels.get(f["cable_id"]) if principal.is_facility and f["cable_id"] else None)
                  for f in fronts]
    return view
