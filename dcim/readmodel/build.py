"""NetBox objects (as NetBox serialises them, from REST or a webhook) → read-model rows. Pure.

The same functions serve the full sync and the rack-scoped refreshes webhooks trigger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dcim.netbox.plant import PlantSnapshot
from dcim.netbox.records import MEDIA_TAGS, ORDER_FIELD, device_label, is_meet_me_room
from dcim.power import Feed, available_va, nominal_va, rack_budget
from dcim.readmodel.units import counts, max_free_run, unit_states

Raw = dict[str, Any]
Row = dict[str, Any]
MEDIA_BY_TAG = {tag: media for media, tag in MEDIA_TAGS.items()}
PATCH_PANEL_ROLE = "patch-panel"


def _id(value: Any) -> int | None:
    """A nested NetBox object (or a bare id, as webhooks sometimes carry) → its id."""
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, int) else None


def _value(choice: Any) -> str:
    """NetBox choice fields are {"value", "label"}; plain strings pass through."""
    if isinstance(choice, dict):
        return str(choice.get("value") or "")
    return str(choice or "")


def _slug(value: Any) -> str:
    return str(value.get("slug") or "") if isinstance(value, dict) else ""


def _tags(raw: Raw) -> set[str]:
    return {t.get("slug", "") for t in raw.get("tags") or [] if isinstance(t, dict)}


@dataclass(slots=True)
class ReadModelRows:
    """Rows per table name (see dcim.tables), ready to insert."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def __getitem__(self, table: str) -> list[Row]:
        return self.tables[table]

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def site_row(raw: Raw, now: datetime) -> Row:
    return {"netbox_id": raw["id"], "name": raw["name"], "slug": raw["slug"],
            "status": _value(raw.get("status")), "synced_at": now}


def location_row(raw: Raw, now: datetime) -> Row:
    return {"netbox_id": raw["id"], "site_id": _id(raw.get("site")), "parent_id": _id(raw.get("parent")),
            "name": raw["name"], "slug": raw["slug"], "is_meet_me_room": is_meet_me_room(raw),
            "synced_at": now}


def tenant_row(raw: Raw, now: datetime) -> Row:
    return {"netbox_id": raw["id"], "name": raw["name"], "slug": raw["slug"],
            "group_slug": _slug(raw.get("group")), "synced_at": now}


def reservation_row(raw: Raw, now: datetime) -> Row:
    return {"netbox_id": raw["id"], "rack_id": _id(raw.get("rack")), "tenant_id": _id(raw.get("tenant")),
            "units": sorted(int(u) for u in raw.get("units") or []), "status": _value(raw.get("status")),
            "description": (raw.get("description") or "")[:200], "synced_at": now}


def device_row(raw: Raw, types: dict[int, Raw], now: datetime) -> Row:
    dtype = types.get(_id(raw.get("device_type")) or 0, {})
    media = next((MEDIA_BY_TAG[t] for t in _tags(dtype) if t in MEDIA_BY_TAG), "")
    in_bay = raw.get("parent_device") is not None  # child devices live in a bay, not in units
    return {"netbox_id": raw["id"], "name": device_label(raw, dtype), "rack_id": _id(raw.get("rack")),
            "location_id": _id(raw.get("location")),
            "position": None if in_bay or raw.get("position") is None else float(raw["position"]),
            "face": _value(raw.get("face")), "u_height": float(dtype.get("u_height") or 0),
            "tenant_id": _id(raw.get("tenant")), "role": _slug(raw.get("role")),
            "device_type": _slug(raw.get("device_type")), "media": media, "synced_at": now}


def panel_row(raw: Raw, now: datetime) -> Row:
    return {"netbox_id": raw["id"], "site_id": _id(raw.get("site")),
            "location_id": _id(raw.get("location")), "name": raw["name"], "synced_at": now}


def power_port_row(raw: Raw, now: datetime) -> Row:
    peers = raw.get("link_peers") or []
    feed = peers[0]["id"] if raw.get("link_peers_type") == "dcim.powerfeed" and peers else None
    return {"netbox_id": raw["id"], "device_id": _id(raw.get("device")), "feed_id": feed,
            "allocated_draw": int(raw.get("allocated_draw") or 0),
            "maximum_draw": int(raw.get("maximum_draw") or 0), "synced_at": now}


def feed_row(raw: Raw, allocated: dict[int, int], now: datetime) -> Row:
    phase, voltage, amperage = _value(raw.get("phase")), int(raw.get("voltage") or 0), int(raw.get("amperage") or 0)
    max_util = int(raw.get("max_utilization") or 0)
    return {"netbox_id": raw["id"], "panel_id": _id(raw.get("power_panel")), "rack_id": _id(raw.get("rack")),
            "name": raw["name"], "status": _value(raw.get("status")), "side": _value(raw.get("type")),
            "supply": _value(raw.get("supply")), "phase": phase, "voltage": voltage, "amperage": amperage,
            "max_utilization": max_util,
            "nominal_va": nominal_va(voltage=voltage, amperage=amperage, phase=phase),
            "available_va": available_va(voltage=voltage, amperage=amperage, phase=phase,
                                         max_utilization=max_util),
            "allocated_w": allocated.get(raw["id"], 0), "tenant_id": _id(raw.get("tenant")),
            "colo_order_id": str((raw.get("custom_fields") or {}).get(ORDER_FIELD) or "")[:36],
            "synced_at": now}


def port_row(raw: Raw, kind: str, now: datetime) -> Row:
    mapping = (raw.get("rear_ports") or [{}])[0] if kind == "front" else {}
    peers = raw.get("link_peers") or []
    port_peer = peers[0]["id"] if peers and str(raw.get("link_peers_type", "")).endswith("port") else None
    return {"netbox_id": raw["id"], "kind": kind, "device_id": _id(raw.get("device")),
            "name": raw["name"], "port_type": _value(raw.get("type")), "positions": int(raw.get("positions") or 1),
            "rear_port_id": _id(mapping.get("rear_port")), "rear_position": mapping.get("rear_port_position"),
            "cable_id": _id(raw.get("cable")), "peer_port_id": port_peer, "synced_at": now}


def _terminations(items: list[Raw] | None) -> list[list[Any]]:
    return [[t.get("object_type"), t.get("object_id")] for t in items or []]


def cable_row(raw: Raw, now: datetime) -> Row:
    return {"netbox_id": raw["id"], "label": (raw.get("label") or "")[:100],
            "status": _value(raw.get("status")), "cable_type": _value(raw.get("type")),
            "tenant_id": _id(raw.get("tenant")), "a_terminations": _terminations(raw.get("a_terminations")),
            "b_terminations": _terminations(raw.get("b_terminations")), "synced_at": now}


def feed_of_row(row: Row) -> Feed:
    """A read-model feed row as the power model sees it."""
    return Feed(row["netbox_id"], row["side"], row["nominal_va"], row["available_va"], row["allocated_w"],
                row["status"], circuit=bool(row["colo_order_id"]))


def rack_row(raw: Raw, *, devices: list[Row], reservations: list[Row], feeds: list[Row],
             location_names: dict[int, str], now: datetime) -> Row:
    u_height, start = int(raw.get("u_height") or 0), int(raw.get("starting_unit") or 1)
    states = unit_states(
        u_height=u_height, starting_unit=start,
        devices=[(d["position"], d["u_height"]) for d in devices if d["position"] is not None],
        reserved=[u for r in reservations if r["status"] != "stale" for u in r["units"]],
    )
    # NetBox's side of the budget; views and search add Colo's power orders (dcim.power).
    budget = rack_budget(feed_of_row(f) for f in feeds)
    tally = counts(states)
    location = _id(raw.get("location"))
    return {"netbox_id": raw["id"], "site_id": _id(raw.get("site")), "location_id": location,
            "hall": location_names.get(location or 0, ""), "row": (raw.get("group") or {}).get("name", "")
            if isinstance(raw.get("group"), dict) else "", "name": raw["name"],
            "status": _value(raw.get("status")), "role": _slug(raw.get("role")),
            "tenant_id": _id(raw.get("tenant")), "u_height": u_height, "starting_unit": start,
            "unit_states": states, "free_units": tally["free"], "max_free_run": max_free_run(states),
            "occupied_units": tally["occupied"], "reserved_units": tally["reserved"],
            "power_nominal_va": budget.nominal_va, "power_sellable_va": budget.sellable_va,
            "power_committed_va": budget.committed_va, "power_free_va": budget.free_va,
            "power_redundant": budget.redundant, "synced_at": now}


def build_rows(snapshot: PlantSnapshot, now: datetime,
               location_names: dict[int, str] | None = None) -> ReadModelRows:
    """Rows for every kind present in the snapshot; racks derive units and power from the rest."""
    rows = ReadModelRows()
    for endpoint, table, make in (
        ("dcim.sites", "dcim_site", site_row), ("dcim.locations", "dcim_location", location_row),
        ("tenancy.tenants", "dcim_tenant", tenant_row), ("dcim.power_panels", "dcim_power_panel", panel_row),
        ("dcim.rack_reservations", "dcim_reservation", reservation_row),
        ("dcim.power_ports", "dcim_power_port", power_port_row), ("dcim.cables", "dcim_cable", cable_row),
    ):
        rows[table].extend(make(raw, now) for raw in snapshot[endpoint])
    types = {t["id"]: t for t in snapshot["dcim.device_types"]}
    rows["dcim_device"].extend(device_row(raw, types, now) for raw in snapshot["dcim.devices"])
    allocated: dict[int, int] = defaultdict(int)
    for port in rows["dcim_power_port"]:
        if port["feed_id"] is not None:
            allocated[port["feed_id"]] += port["allocated_draw"]
    rows["dcim_power_feed"].extend(feed_row(raw, allocated, now) for raw in snapshot["dcim.power_feeds"])
    rows["dcim_port"].extend(port_row(raw, "front", now) for raw in snapshot["dcim.front_ports"])
    rows["dcim_port"].extend(port_row(raw, "rear", now) for raw in snapshot["dcim.rear_ports"])

    names = dict(location_names or {})
    names.update({loc["netbox_id"]: loc["name"] for loc in rows["dcim_location"]})
    by_rack: dict[str, dict[int, list[Row]]] = {t: defaultdict(list) for t in
                                                ("dcim_device", "dcim_reservation", "dcim_power_feed")}
    for table, index in by_rack.items():
        for row in rows[table]:
            if row["rack_id"] is not None:
                index[row["rack_id"]].append(row)
    rows["dcim_rack"].extend(
        rack_row(raw, devices=by_rack["dcim_device"][raw["id"]],
                 reservations=by_rack["dcim_reservation"][raw["id"]],
                 feeds=by_rack["dcim_power_feed"][raw["id"]], location_names=names, now=now)
        for raw in snapshot["dcim.racks"]
    )
    return rows
