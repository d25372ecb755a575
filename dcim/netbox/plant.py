"""Reads of the physical plant from NetBox, as plain dicts, for the read model.

Each list is one filtered, field-trimmed request per 1 000 objects (NetBox's page size cap);
independent lists run concurrently through the gateway's limiter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from colo.errors import UpstreamRejected
from dcim.netbox.gateway import NetBoxGateway

PAGE = 1000
Raw = dict[str, Any]

# endpoint → the fields the read model uses (NetBox's `fields=` keeps answers small and fast)
FIELDS: dict[str, str] = {
    "dcim.sites": "id,name,slug,status",
    "dcim.locations": "id,name,slug,site,parent,tags",
    "tenancy.tenants": "id,name,slug,group",
    "dcim.racks": "id,name,site,location,group,status,role,u_height,starting_unit,desc_units,tenant",
    "dcim.device_types": "id,slug,model,manufacturer,u_height,is_full_depth,tags",
    "dcim.devices": "id,name,device_type,role,tenant,site,location,rack,position,face,parent_device",
    "dcim.rack_reservations": "id,rack,units,tenant,status,description,tags",
    "dcim.power_panels": "id,name,site,location",
    "dcim.power_feeds": "id,name,power_panel,rack,status,type,supply,phase,voltage,amperage,"
                        "max_utilization,tenant,cable,link_peers,link_peers_type,custom_fields",
    "dcim.power_ports": "id,name,device,allocated_draw,maximum_draw,cable,link_peers,link_peers_type",
    "dcim.front_ports": "id,name,device,type,positions,rear_ports,cable,link_peers,link_peers_type",
    "dcim.rear_ports": "id,name,device,type,positions,cable,link_peers,link_peers_type",
    "dcim.cables": "id,label,status,type,tenant,a_terminations,b_terminations,tags",
}
# The kinds a full sync reads; ports and cables only where patch panels and power are.
FULL_SYNC: dict[str, dict[str, Any]] = {
    "dcim.sites": {}, "dcim.locations": {}, "tenancy.tenants": {}, "dcim.racks": {},
    "dcim.device_types": {}, "dcim.devices": {"rack_id__n": "null"},
    "dcim.rack_reservations": {}, "dcim.power_panels": {}, "dcim.power_feeds": {},
    "dcim.power_ports": {"cabled": True},
    "dcim.front_ports": {"device_role": "patch-panel"},
    "dcim.rear_ports": {"device_role": "patch-panel"},
    "dcim.cables": {},
}


@dataclass(slots=True)
class PlantSnapshot:
    """Raw NetBox objects by endpoint (e.g. "dcim.racks"), as NetBox serialised them."""

    objects: dict[str, list[Raw]] = field(default_factory=dict)

    def __getitem__(self, endpoint: str) -> list[Raw]:
        return self.objects.get(endpoint, [])

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.objects.values())


def _lister(endpoint: str, filters: dict[str, Any]) -> Callable[[Any], list[Raw]]:
    app, name = endpoint.split(".")

    def read(api: Any) -> list[Raw]:
        ep = getattr(getattr(api, app), name)
        query = {"fields": FIELDS[endpoint], **filters}
        return [dict(r) for r in ep.filter(limit=PAGE, **query)]

    return read


async def list_objects(gateway: NetBoxGateway, endpoint: str, **filters: Any) -> list[Raw]:
    try:
        return await gateway.call(_lister(endpoint, filters), what=f"list {endpoint}")
    except UpstreamRejected as exc:
        # NetBox refuses a filter by a role slug it does not know ("Select a valid choice"): a
        # NetBox that never had a `patch-panel` role simply has no patch panels yet.
        if "device_role" in filters and "device_role" in exc.detail:
            return []
        raise


async def fetch_plant(gateway: NetBoxGateway, *, kinds: dict[str, dict[str, Any]] | None = None,
                      on_kind: Callable[[str, int], None] = lambda _k, _n: None) -> PlantSnapshot:
    """Everything the read model needs, fetched concurrently (bounded by the gateway)."""
    kinds = FULL_SYNC if kinds is None else kinds

    async def one(endpoint: str) -> tuple[str, list[Raw]]:
        rows = await list_objects(gateway, endpoint, **kinds[endpoint])
        on_kind(endpoint, len(rows))
        return endpoint, rows

    pairs = await asyncio.gather(*(one(e) for e in kinds))
    return PlantSnapshot(objects=dict(pairs))


async def fetch_rack_scope(gateway: NetBoxGateway, rack_ids: list[int]) -> PlantSnapshot:
    """What decides the state of some racks: the racks, their devices, reservations, feeds and
    the power ports plugged into those feeds. Used by webhook-triggered refreshes."""
    # NetBox refuses a `rack_id` filter naming a deleted rack, so the rest is read for the racks
    # that still exist; a gone rack simply has no rows (the store then drops it).
    racks = await list_objects(gateway, "dcim.racks", id=rack_ids)
    present = [rack["id"] for rack in racks]
    kinds: dict[str, dict[str, Any]] = {
        "dcim.devices": {"rack_id": present}, "dcim.rack_reservations": {"rack_id": present},
        "dcim.power_feeds": {"rack_id": present},
    } if present else {}
    snapshot = await fetch_plant(gateway, kinds=kinds)
    snapshot.objects["dcim.racks"] = racks
    port_ids = [peer["id"] for feed in snapshot["dcim.power_feeds"]
                if feed.get("link_peers_type") == "dcim.powerport" for peer in feed["link_peers"]]
    snapshot.objects["dcim.power_ports"] = (
        await list_objects(gateway, "dcim.power_ports", id=port_ids) if port_ids else []
    )
    return snapshot
