"""Plain records of the NetBox objects orders touch, and their parsing from NetBox's JSON.

No pynetbox here: the provisioner (dcim/netbox/provisioning.py) hands these out instead of
pynetbox records, so nothing outside dcim/netbox ever holds one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COLO_TAG = "colo"
ORDER_FIELD = "colo_order_id"
ORDER_FIELD_TYPES = ["dcim.cable", "dcim.powerfeed", "dcim.rackreservation"]
PANEL_CAPACITY_FIELD = "colo_capacity_kw"
# A location is a meet-me room when tagged so (the demo seed does) or when its slug says so.
MMR_TAG = "meet-me-room"
MMR_SLUG_MARKERS = ("mmr", "meet-me")
# A patch panel's device type tagged with one of these says what its ports carry.
MEDIA_TAGS = {"smf": "media-smf", "mmf": "media-mmf", "copper": "media-copper"}
COPPER_PORT_TYPES = frozenset({"8p8c", "8p6c", "8p4c", "8p2c", "6p6c", "6p4c", "6p2c", "4p4c", "4p2c",
                               "gg45", "tera-4p", "tera-2p", "tera-1p", "110-punch", "bnc", "f", "n",
                               "mrj21", "splice"})


@dataclass(frozen=True, slots=True)
class RackLive:
    id: int
    name: str
    site_id: int
    u_height: int
    starting_unit: int
    occupied: frozenset[int]
    reserved: dict[int, int]  # unit → reservation id
    status: str = "active"
    role: str = ""  # rack role slug
    tenant_id: int | None = None  # the rack's own tenant (an owned rack)

    @property
    def units(self) -> range:
        return range(self.starting_unit, self.starting_unit + self.u_height)


@dataclass(frozen=True, slots=True)
class FeedLive:
    id: int
    name: str
    panel_id: int
    rack_id: int | None
    feed_type: str  # primary | redundant
    phase: str
    voltage: int
    amperage: int
    max_utilization: int
    status: str
    tenant_id: int | None
    colo_order_id: str | None
    allocated_w: int = 0  # Σ allocated_draw of the power ports plugged into it


@dataclass(frozen=True, slots=True)
class PortLive:
    id: int
    name: str
    device_id: int
    device_name: str
    tenant_id: int | None  # the owning device's tenant
    site_id: int | None
    location_id: int | None
    cable_id: int | None
    rear_port_id: int | None
    copper: bool = False


@dataclass(frozen=True, slots=True)
class Reservation:
    id: int
    rack_id: int
    units: tuple[int, ...]
    tenant_id: int | None
    colo_order_id: str | None
    tagged: bool


@dataclass(frozen=True, slots=True)
class CableLive:
    id: int
    label: str
    tenant_id: int | None
    ends: tuple[tuple[str, int], ...]  # (object type, id) of every termination, both sides
    colo_order_id: str | None
    tagged: bool


@dataclass(slots=True)
class PlantSnapshot:
    """What reconciliation compares against Colo's orders."""

    reservations: list[Reservation] = field(default_factory=list)
    feeds: list[FeedLive] = field(default_factory=list)
    cables: list[CableLive] = field(default_factory=list)


def netbox_id(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return getattr(value, "id", None) or (value.get("id") if isinstance(value, dict) else None)


def choice_value(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("value", ""))
    return str(getattr(value, "value", value) or "")


def order_id_of(record: dict[str, Any]) -> str | None:
    return (record.get("custom_fields") or {}).get(ORDER_FIELD) or None


def is_tagged(record: dict[str, Any]) -> bool:
    return any(t.get("slug") == COLO_TAG for t in record.get("tags") or [])


def parse_reservation(raw: dict[str, Any]) -> Reservation:
    return Reservation(
        id=raw["id"], rack_id=netbox_id(raw["rack"]) or 0, units=tuple(sorted(raw.get("units") or [])),
        tenant_id=netbox_id(raw.get("tenant")), colo_order_id=order_id_of(raw), tagged=is_tagged(raw),
    )


def parse_feed(raw: dict[str, Any]) -> FeedLive:
    return FeedLive(
        id=raw["id"], name=raw["name"], panel_id=netbox_id(raw["power_panel"]) or 0, rack_id=netbox_id(raw.get("rack")),
        feed_type=choice_value(raw.get("type")), phase=choice_value(raw.get("phase")),
        voltage=int(raw.get("voltage") or 0), amperage=int(raw.get("amperage") or 0),
        max_utilization=int(raw.get("max_utilization") or 0), status=choice_value(raw.get("status")),
        tenant_id=netbox_id(raw.get("tenant")), colo_order_id=order_id_of(raw),
    )


def parse_cable(raw: dict[str, Any]) -> CableLive:
    ends = tuple(
        (t["object_type"], int(t["object_id"]))
        for side in ("a_terminations", "b_terminations") for t in raw.get(side) or []
    )
    return CableLive(
        id=raw["id"], label=raw.get("label") or "", tenant_id=netbox_id(raw.get("tenant")), ends=ends,
        colo_order_id=order_id_of(raw), tagged=is_tagged(raw),
    )


def is_meet_me_room(location: dict[str, Any]) -> bool:
    slug = location.get("slug") or ""
    tags = {t.get("slug") for t in location.get("tags") or []}
    return MMR_TAG in tags or any(marker in slug for marker in MMR_SLUG_MARKERS)


def is_copper(port: dict[str, Any]) -> bool:
    return choice_value(port.get("type")) in COPPER_PORT_TYPES


def device_label(raw: dict[str, Any], dtype: dict[str, Any] | None = None) -> str:
    """A device's NetBox name; an unnamed one (common in an old NetBox) is shown by type and
    position, "Dell R650 @ U12". `dtype`: its device type, when the device carries only the id."""
    if raw.get("name"):
        return str(raw["name"])[:200]
    dtype = dtype or {}
    device_type = raw.get("device_type")
    nested: dict[str, Any] = device_type if isinstance(device_type, dict) else {}
    maker = dtype.get("manufacturer") or nested.get("manufacturer") or {}
    model = dtype.get("model") or nested.get("model") or nested.get("slug") or "device"
    label = f"{maker.get('name', '') if isinstance(maker, dict) else ''} {model}".strip()
    if raw.get("position") is not None and raw.get("parent_device") is None:
        label += f" @ U{float(raw['position']):g}"
    return label[:200]


def parse_port(raw: dict[str, Any], device: dict[str, Any]) -> PortLive:
    rear = (raw.get("rear_ports") or [{}])[0].get("rear_port")
    return PortLive(
        id=raw["id"], name=raw["name"], device_id=device["id"], device_name=device_label(device),
        tenant_id=netbox_id(device.get("tenant")), site_id=netbox_id(device.get("site")),
        location_id=netbox_id(device.get("location")), cable_id=netbox_id(raw.get("cable")), rear_port_id=rear,
        copper=is_copper(raw),
    )
