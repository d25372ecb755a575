"""Keeping the read model fresh: full sync, rack-scoped refreshes, NetBox webhook events.

Order of work is always: read NetBox (no transaction open) → build rows (pure) → one short
write transaction. A process-wide lock serialises writers so a full sync and an event refresh
never interleave their delete/insert.

Unlike the tenant hooks and the query cache (which each app owns), this lock deliberately stays
per process (one per event loop): what it guards, the read-model tables, is bound once per
process (colo.db.bind_tables points every table at one engine), so two apps in one process
write the same tables and must queue on the same lock.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from colo.logging import get_logger
from dcim.netbox.gateway import NetBoxGateway
from dcim.netbox.plant import FULL_SYNC, fetch_plant, fetch_rack_scope
from dcim.readmodel import store
from dcim.readmodel.build import build_rows, cable_row, location_row, panel_row, site_row, tenant_row
from dcim.tables import PlantLocation, PlantPowerFeed, PlantPowerPort

log = get_logger(__name__)
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _write_lock() -> asyncio.Lock:
    """One writer at a time per event loop (a lock is bound to the loop that first waits on it)."""
    loop = asyncio.get_running_loop()
    if loop not in _locks:
        _locks[loop] = asyncio.Lock()
    return _locks[loop]

# NetBox object types whose change alters one or more racks' units or power.
RACK_SCOPED = {"dcim.rack", "dcim.device", "dcim.rackreservation", "dcim.powerfeed", "dcim.powerport"}
# Simple rows an event re-reads by id: object type → (endpoint, table, row builder). The payload
# is only a hint: even a validly signed but replayed or stale body can only cause a re-read.
DIRECT: dict[str, tuple[str, str, Callable[[dict[str, Any], datetime], dict[str, Any]]]] = {
    "dcim.site": ("dcim.sites", "dcim_site", site_row),
    "dcim.location": ("dcim.locations", "dcim_location", location_row),
    "tenancy.tenant": ("tenancy.tenants", "dcim_tenant", tenant_row),
    "dcim.powerpanel": ("dcim.power_panels", "dcim_power_panel", panel_row),
    "dcim.cable": ("dcim.cables", "dcim_cable", cable_row),
}
# Everything else the read model holds: a change triggers a (debounced) full sync.
FULL_SYNC_TYPES = {"dcim.frontport", "dcim.rearport", "dcim.devicetype", "dcim.cable"}
WATCHED_TYPES = sorted(RACK_SCOPED | set(DIRECT) | FULL_SYNC_TYPES)


@dataclass(frozen=True, slots=True)
class SyncResult:
    objects: int
    seconds: float

    @property
    def objects_per_second(self) -> float:
        return self.objects / self.seconds if self.seconds else 0.0


async def full_sync(gateway: NetBoxGateway, *,
                    on_kind: Callable[[str, int], None] = lambda _k, _n: None) -> SyncResult:
    """Read everything the read model holds from NetBox and swap it in."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    snapshot = await fetch_plant(gateway, kinds=FULL_SYNC, on_kind=on_kind)
    rows = build_rows(snapshot, now)
    async with _write_lock():
        seconds = time.perf_counter() - started
        await store.replace_all(rows, seconds=seconds, detail=f"{snapshot.count} NetBox objects")
    result = SyncResult(objects=snapshot.count, seconds=time.perf_counter() - started)
    log.info("read model synced", objects=result.objects, seconds=round(result.seconds, 2))
    return result


async def refresh_racks(gateway: NetBoxGateway, rack_ids: list[int]) -> SyncResult:
    """Re-read a few racks (units, reservations, feeds, plugged-in ports) and replace them."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    snapshot = await fetch_rack_scope(gateway, sorted(set(rack_ids)))
    snapshot.objects["dcim.device_types"] = await _device_types(gateway)
    names = {r["netbox_id"]: r["name"] for r in await PlantLocation.select(
        PlantLocation.netbox_id, PlantLocation.name)}
    rows = build_rows(snapshot, now, location_names=names)
    async with _write_lock():
        await store.replace_racks(sorted(set(rack_ids)), rows, seconds=time.perf_counter() - started)
    return SyncResult(objects=snapshot.count, seconds=time.perf_counter() - started)


async def _device_types(gateway: NetBoxGateway) -> list[dict[str, Any]]:
    from dcim.netbox.plant import list_objects

    return await list_objects(gateway, "dcim.device_types")


def _rack_of(value: Any) -> int | None:
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, int) else None


async def racks_touched(object_type: str, data: dict[str, Any], snapshots: dict[str, Any] | None) -> set[int]:
    """Which racks an event on a rack-scoped object changes (before and after the change)."""
    racks: set[int] = set()
    prechange = (snapshots or {}).get("prechange") or {}
    if object_type == "dcim.rack":
        racks.add(int(data["id"]))
    elif object_type in ("dcim.device", "dcim.rackreservation", "dcim.powerfeed"):
        for value in (data.get("rack"), prechange.get("rack")):
            if (rack := _rack_of(value)) is not None:
                racks.add(rack)
    elif object_type == "dcim.powerport":
        feeds = {peer["id"] for peer in data.get("link_peers") or []
                 if data.get("link_peers_type") == "dcim.powerfeed"}
        feeds |= {r["feed_id"] for r in await PlantPowerPort.select(PlantPowerPort.feed_id).where(
            PlantPowerPort.netbox_id == data["id"]) if r["feed_id"] is not None}
        if feeds:
            rows = await PlantPowerFeed.select(PlantPowerFeed.rack_id).where(
                PlantPowerFeed.netbox_id.is_in(sorted(feeds)))
            racks |= {r["rack_id"] for r in rows if r["rack_id"] is not None}
    return racks


@dataclass(frozen=True, slots=True)
class EventPlan:
    """What one webhook event asks of the refresher: NetBox re-reads, never payload trust."""

    rack_ids: frozenset[int] = frozenset()
    objects: frozenset[tuple[str, int]] = frozenset()  # (object type, NetBox id) to re-read
    full_sync: bool = False


async def plan_event(payload: dict[str, Any]) -> EventPlan:
    """Which re-reads a NetBox event calls for."""
    object_type = str(payload.get("object_type") or "")
    data = payload.get("data") or {}
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return EventPlan()
    if object_type in DIRECT:
        # A cable also changes the ports at its ends (and maybe a feed's load): full sync.
        return EventPlan(objects=frozenset({(object_type, data["id"])}),
                         full_sync=object_type == "dcim.cable")
    if object_type in RACK_SCOPED:
        racks = await racks_touched(object_type, data, payload.get("snapshots"))
        if object_type == "dcim.powerport" and not racks:
            return EventPlan(full_sync=True)
        return EventPlan(rack_ids=frozenset(racks))
    if object_type in FULL_SYNC_TYPES:
        return EventPlan(full_sync=True)
    return EventPlan()


async def refresh_objects(gateway: NetBoxGateway, objects: set[tuple[str, int]]) -> int:
    """Re-read some simple objects by id; replace the ones found, delete the ones gone."""
    from dcim.netbox.plant import list_objects

    by_type: dict[str, set[int]] = {}
    for object_type, object_id in objects:
        by_type.setdefault(object_type, set()).add(object_id)
    count = 0
    for object_type, ids in by_type.items():
        endpoint, table, make = DIRECT[object_type]
        found = await list_objects(gateway, endpoint, id=sorted(ids))
        now = datetime.now(UTC)
        async with _write_lock():
            for raw in found:
                await store.upsert(table, make(raw, now))
            for gone in ids - {raw["id"] for raw in found}:
                await store.delete(table, gone)
        count += len(ids)
    return count


async def refresh_device_ports(gateway: NetBoxGateway, device_ids: list[int]) -> int:
    """Re-read the front and rear ports of some patch panels and replace them in the read model."""
    from dcim.netbox.plant import list_objects
    from dcim.readmodel.build import port_row

    now = datetime.now(UTC)
    rows = [port_row(raw, kind, now) for kind in ("front", "rear")
            for raw in await list_objects(gateway, f"dcim.{kind}_ports", device_id=device_ids)]
    async with _write_lock():
        await store.replace_device_ports(device_ids, rows)
    return len(rows)


async def refresh_ports(gateway: NetBoxGateway, front_port_ids: list[int]) -> int:
    """Re-read the patch panels these front ports belong to (all their ports: cabling changed).
    Ports of other devices are not in the read model, as in a full sync."""
    from dcim.netbox.plant import FULL_SYNC, list_objects

    found = await list_objects(gateway, "dcim.front_ports", id=front_port_ids, **FULL_SYNC["dcim.front_ports"])
    devices = sorted({raw["device"]["id"] for raw in found if isinstance(raw.get("device"), dict)})
    return await refresh_device_ports(gateway, devices) if devices else 0
