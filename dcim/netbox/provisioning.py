"""NetBox writes (and the live reads they depend on) for order fulfilment.

Every object Colo creates carries the `colo` tag and the order id in the `colo_order_id`
custom field, so a retried fulfilment finds what an earlier attempt created instead of
making a twin. Results are returned as plain dataclasses: no pynetbox record leaves here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from uuid import UUID

import pynetbox

from colo.errors import NotFound, UpstreamRejected
from colo.logging import get_logger
from dcim.netbox.gateway import NetBoxGateway
from dcim.netbox.records import (
    COLO_TAG,
    ORDER_FIELD,
    ORDER_FIELD_TYPES,
    PANEL_CAPACITY_FIELD,
    CableLive,
    FeedLive,
    PlantSnapshot,
    PortLive,
    RackLive,
    Reservation,
    choice_value,
    is_copper,
    is_meet_me_room,
    netbox_id,
    order_id_of,
    parse_cable,
    parse_feed,
    parse_port,
    parse_reservation,
)
from dcim.power import kw_to_w

__all__ = [
    "COLO_TAG", "ORDER_FIELD", "CableLive", "FeedLive", "PlantSnapshot", "PortLive", "Provisioner", "RackLive",
    "Reservation", "is_overlap_refusal",
]
log = get_logger(__name__)
# Page size for lists (NetBox's default maximum): one request instead of one per 50 objects,
# which matters at ~10 requests/s. pynetbox still follows further pages if there are any.
PAGE = 1000
CUSTOM_FIELDS: dict[str, dict[str, Any]] = {
    ORDER_FIELD: {"label": "Colo order", "type": "text", "object_types": ORDER_FIELD_TYPES,
                  "description": "The Colo order this object was created for", "filter_logic": "exact"},
    # NetBox has no capacity of its own for a power panel; ops record what the panel may carry.
    PANEL_CAPACITY_FIELD: {"label": "Colo panel capacity (kW)", "type": "decimal",
                           "object_types": ["dcim.powerpanel"],
                           "description": "Load Colo may sell from this panel in total; empty = no panel limit"},
}


class Provisioner:
    """Find-or-create / find-and-delete of the NetBox objects behind orders."""

    def __init__(self, gateway: NetBoxGateway) -> None:
        self.gateway = gateway
        self._schema_ready = False
        self._user_id: int | None = None

    # ---- schema and identity -------------------------------------------------------------

    async def ensure_schema(self) -> None:
        """The `colo` tag and Colo's custom fields exist (created once, race-safe)."""
        if self._schema_ready:
            return

        def ensure(api: Any) -> None:
            if api.extras.tags.get(slug=COLO_TAG) is None:
                try:
                    api.extras.tags.create(name=COLO_TAG, slug=COLO_TAG,
                                           description="Created and managed by Colo")
                except pynetbox.RequestError:
                    if api.extras.tags.get(slug=COLO_TAG) is None:  # lost a race: fine if it exists now
                        raise
            for name, spec in CUSTOM_FIELDS.items():
                existing = api.extras.custom_fields.get(name=name)
                if existing is None:
                    try:
                        api.extras.custom_fields.create(name=name, **spec)
                    except pynetbox.RequestError:
                        if api.extras.custom_fields.get(name=name) is None:
                            raise
                elif set(spec["object_types"]) - set(existing.object_types or []):
                    existing.object_types = sorted(set(existing.object_types) | set(spec["object_types"]))
                    existing.save()

        await self.gateway.call(ensure, what="ensure colo tag and order field")
        self._schema_ready = True

    async def token_user_id(self) -> int:
        """The NetBox user behind Colo's token: rack reservations must name a user."""
        if self._user_id is None:
            def whoami(api: Any) -> int:
                response = api.http_session.get(
                    f"{api.base_url}/authentication-check/",
                    headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"},
                )
                if response.status_code != 200:
                    raise pynetbox.RequestError(response)
                return int(response.json()["id"])

            self._user_id = await self.gateway.call(whoami, what="identify the token's user")
        return self._user_id

    # ---- racks and reservations ----------------------------------------------------------

    async def rack(self, rack_id: int) -> RackLive:
        """The live rack: which units are occupied by devices and which are reserved."""

        def read(api: Any) -> RackLive:
            rack = api.dcim.racks.get(rack_id)
            if rack is None:
                raise NotFound("rack", rack_id)
            occupied: set[int] = set()
            for face in ("front", "rear"):
                for unit in rack.elevation.list(face=face, limit=PAGE):
                    if unit.occupied:
                        occupied.add(int(float(unit.id)))  # half units (42.5) belong to unit 42
            reserved: dict[int, int] = {}
            for res in api.dcim.rack_reservations.filter(rack_id=rack_id, limit=PAGE):
                for unit in res.units:
                    reserved[int(unit)] = res.id
            raw = dict(rack)
            return RackLive(
                id=rack.id, name=rack.name, site_id=netbox_id(rack.site) or 0, u_height=int(rack.u_height),
                starting_unit=int(getattr(rack, "starting_unit", 1) or 1),
                occupied=frozenset(occupied), reserved=reserved, status=choice_value(raw.get("status")),
                role=str((raw.get("role") or {}).get("slug") or ""), tenant_id=netbox_id(raw.get("tenant")),
            )

        return await self.gateway.call(read, what=f"read rack {rack_id}")

    async def _find(self, endpoint: str, order_id: UUID) -> list[dict[str, Any]]:
        """Objects carrying this order id. NetBox silently ignores a filter on an unknown custom
        field (answering with everything), so the field must exist and every hit is re-checked."""
        await self.ensure_schema()
        found = await self.gateway.call(
            lambda api: [dict(r) for r in getattr(api.dcim, endpoint).filter(**{f"cf_{ORDER_FIELD}": str(order_id)})],
            what=f"find {endpoint} of order",
        )
        return [raw for raw in found if order_id_of(raw) == str(order_id)]

    async def find_reservation(self, order_id: UUID) -> Reservation | None:
        found = await self._find("rack_reservations", order_id)
        return parse_reservation(found[0]) if found else None

    async def create_reservation(
        self, *, order_id: UUID, rack_id: int, units: Iterable[int], netbox_tenant_id: int, description: str,
    ) -> Reservation:
        """The order's reservation: found when a previous attempt made it, created otherwise."""
        await self.ensure_schema()
        if (existing := await self.find_reservation(order_id)) is not None:
            return existing
        user_id = await self.token_user_id()
        payload = {
            "rack": rack_id, "units": sorted(units), "user": user_id, "tenant": netbox_tenant_id,
            "status": "active", "description": description[:200], "tags": [{"slug": COLO_TAG}],
            "custom_fields": {ORDER_FIELD: str(order_id)},
        }
        raw = await self.gateway.call(lambda api: dict(api.dcim.rack_reservations.create(payload)),
                                      what="create rack reservation")
        log.info("netbox reservation created", order_id=str(order_id), reservation_id=raw["id"])
        return parse_reservation(raw)

    async def delete_reservation(self, order_id: UUID) -> bool:
        return await self._delete_tagged("rack_reservations", order_id)

    # ---- power ---------------------------------------------------------------------------

    async def rack_feeds(self, rack_id: int) -> list[FeedLive]:
        """The rack's feeds with the draw booked on each (power ports plugged into it)."""

        def read(api: Any) -> list[FeedLive]:
            raws = [dict(f) for f in api.dcim.power_feeds.filter(rack_id=rack_id, limit=PAGE)]
            plugged = {peer["id"]: raw["id"] for raw in raws if raw.get("link_peers_type") == "dcim.powerport"
                       for peer in raw.get("link_peers") or []}
            load: dict[int, int] = {}
            if plugged:
                for port in api.dcim.power_ports.filter(id=sorted(plugged), limit=PAGE):
                    feed = plugged[port.id]
                    load[feed] = load.get(feed, 0) + int(port.allocated_draw or 0)
            return [replace(parse_feed(r), allocated_w=load.get(r["id"], 0)) for r in raws]

        return await self.gateway.call(read, what="read rack feeds")

    async def panel_capacity_w(self, panel_id: int) -> int | None:
        """The panel's sellable capacity in W from its `colo_capacity_kw` field; None when unset."""
        await self.ensure_schema()

        def read(api: Any) -> int | None:
            panel = api.dcim.power_panels.get(panel_id)
            if panel is None:
                raise NotFound("power panel", panel_id)
            value = (dict(panel).get("custom_fields") or {}).get(PANEL_CAPACITY_FIELD)
            return None if value in (None, "") else kw_to_w(float(value))

        return await self.gateway.call(read, what=f"read power panel {panel_id}")

    async def find_feeds(self, order_id: UUID) -> list[FeedLive]:
        return [parse_feed(r) for r in await self._find("power_feeds", order_id)]

    async def create_feed(
        self, *, order_id: UUID, name: str, panel_id: int, rack_id: int, feed_type: str, phase: str,
        voltage: int, amperage: int, max_utilization: int, netbox_tenant_id: int, description: str,
    ) -> FeedLive:
        """One tenant circuit, found by order id and name when an earlier attempt created it."""
        await self.ensure_schema()
        for feed in await self.find_feeds(order_id):
            if feed.name == name:
                return feed
        payload = {
            "power_panel": panel_id, "rack": rack_id, "name": name, "status": "active", "type": feed_type,
            "supply": "ac", "phase": phase, "voltage": voltage, "amperage": amperage,
            "max_utilization": max_utilization, "tenant": netbox_tenant_id, "description": description[:200],
            "tags": [{"slug": COLO_TAG}], "custom_fields": {ORDER_FIELD: str(order_id)},
        }
        raw = await self.gateway.call(lambda api: dict(api.dcim.power_feeds.create(payload)), what="create power feed")
        log.info("netbox feed created", order_id=str(order_id), feed_id=raw["id"])
        return parse_feed(raw)

    async def delete_feeds(self, order_id: UUID) -> bool:
        return await self._delete_tagged("power_feeds", order_id)

    # ---- ports and cables ----------------------------------------------------------------

    async def front_port(self, port_id: int) -> PortLive:
        def read(api: Any) -> PortLive:
            port = api.dcim.front_ports.get(port_id)
            if port is None:
                raise NotFound("port", port_id)
            device = dict(api.dcim.devices.get(netbox_id(port.device)))
            return parse_port(dict(port), device)

        return await self.gateway.call(read, what=f"read port {port_id}")

    async def meet_me_rooms(self, site_id: int | None) -> set[int]:
        """Location ids of the site's meet-me rooms (tagged `meet-me-room`, or so named)."""

        def read(api: Any) -> set[int]:
            filters = {"site_id": site_id} if site_id else {}
            return {loc.id for loc in api.dcim.locations.filter(**filters) if is_meet_me_room(dict(loc))}

        return await self.gateway.call(read, what="find meet-me rooms")

    async def free_mmr_paths(
        self, *, site_id: int | None, location_id: int | None, copper: bool, count: int,
    ) -> list[tuple[PortLive, PortLive]]:
        """Free (hall front port, meet-me-room front port) pairs joined by a trunk.

        The meet-me room's facility panels (no tenant) reach each hall over rear-port trunks;
        a pair is usable when both front ports are uncabled and the hall side sits in
        `location_id`, where the tenant's own port is.
        """

        def read(api: Any) -> list[tuple[PortLive, PortLive]]:
            filters = {"site_id": site_id} if site_id else {}
            rooms = [loc.id for loc in api.dcim.locations.filter(**filters) if is_meet_me_room(dict(loc))]
            if not rooms or location_id is None:
                return []
            mmr_devices = {d.id: dict(d) for d in api.dcim.devices.filter(location_id=rooms, limit=PAGE)}
            hall_devices = {d.id: dict(d) for d in api.dcim.devices.filter(location_id=location_id, limit=PAGE)}
            trunk_peer: dict[int, int] = {}  # MMR rear port → hall rear port at its other end
            for rear in api.dcim.rear_ports.filter(location_id=rooms, cabled=True, limit=PAGE):
                peers = [p for p in dict(rear).get("link_peers") or [] if p.get("device", {}).get("id") in hall_devices]
                if peers:
                    trunk_peer[rear.id] = peers[0]["id"]
            hall_fronts: dict[tuple[int, int], dict[str, Any]] = {}
            for front in api.dcim.front_ports.filter(location_id=location_id, cabled=False, limit=PAGE):
                raw = dict(front)
                for mapping in raw.get("rear_ports") or []:
                    hall_fronts[(mapping["rear_port"], mapping["rear_port_position"])] = raw
            pairs: list[tuple[PortLive, PortLive]] = []
            for front in api.dcim.front_ports.filter(location_id=rooms, cabled=False, ordering="id", limit=PAGE):
                raw = dict(front)
                device = mmr_devices.get(netbox_id(raw["device"]) or 0)
                if device is None or device.get("tenant") or is_copper(raw) != copper:
                    continue  # carriers' and tenants' own panels are not the facility's to hand out
                for mapping in raw.get("rear_ports") or []:
                    far = trunk_peer.get(mapping["rear_port"])
                    hall = hall_fronts.get((far, mapping["rear_port_position"])) if far else None
                    if hall is not None:
                        hall_device = hall_devices[netbox_id(hall["device"]) or 0]
                        pairs.append((parse_port(hall, hall_device), parse_port(raw, device)))
                        break
                if len(pairs) == count:
                    break
            return pairs

        return await self.gateway.call(read, what="find free meet-me-room paths")

    async def find_cables(self, order_id: UUID) -> list[CableLive]:
        return [parse_cable(r) for r in await self._find("cables", order_id)]

    async def create_cable(
        self, *, order_id: UUID, label: str, a: tuple[str, int], b: tuple[str, int], cable_type: str,
        netbox_tenant_id: int, description: str,
    ) -> CableLive:
        """One cable of a cross-connect, found by order id and label when it already exists."""
        await self.ensure_schema()
        for cable in await self.find_cables(order_id):
            if cable.label == label:
                return cable
        payload = {
            "a_terminations": [{"object_type": a[0], "object_id": a[1]}],
            "b_terminations": [{"object_type": b[0], "object_id": b[1]}],
            "status": "connected", "type": cable_type, "label": label[:100], "tenant": netbox_tenant_id,
            "description": description[:200], "tags": [{"slug": COLO_TAG}],
            "custom_fields": {ORDER_FIELD: str(order_id)},
        }
        raw = await self.gateway.call(lambda api: dict(api.dcim.cables.create(payload)), what="create cable")
        log.info("netbox cable created", order_id=str(order_id), cable_id=raw["id"], label=label)
        return parse_cable(raw)

    async def delete_cables(self, order_id: UUID) -> bool:
        return await self._delete_tagged("cables", order_id)

    # ---- shared --------------------------------------------------------------------------

    async def _delete_tagged(self, endpoint: str, order_id: UUID) -> bool:
        """Delete every object of `endpoint` carrying this order id; True when any existed.

        Idempotent: a retry after a crash finds nothing left and reports False.
        """

        await self.ensure_schema()

        def delete(api: Any) -> bool:
            records = [r for r in getattr(api.dcim, endpoint).filter(**{f"cf_{ORDER_FIELD}": str(order_id)})
                       if order_id_of(dict(r)) == str(order_id)]  # never trust an ignored filter
            for record in records:
                try:
                    record.delete()
                except pynetbox.RequestError as exc:
                    if exc.req.status_code != 404:  # already gone is what we wanted
                        raise
            return bool(records)

        return await self.gateway.call(delete, what=f"delete {endpoint}")

    async def snapshot(self, *, site_id: int | None = None) -> PlantSnapshot:
        """Every reservation, feed and cable (tagged or not): reconciliation's view of the plant."""
        filters = {"site_id": site_id} if site_id else {}

        def read(api: Any) -> PlantSnapshot:
            dcim = api.dcim
            return PlantSnapshot(
                reservations=[parse_reservation(dict(r)) for r in dcim.rack_reservations.filter(**filters, limit=PAGE)],
                feeds=[parse_feed(dict(f)) for f in dcim.power_feeds.filter(**filters, limit=PAGE)],
                cables=[parse_cable(dict(c)) for c in dcim.cables.filter(**filters, limit=PAGE)],
            )

        return await self.gateway.call(read, what="read plant snapshot")

    async def tenant_by_slug(self, slug: str, *, name: str, create: bool) -> int | None:
        """A NetBox tenant id by slug; created when asked and missing (orders need one)."""

        def find_or_create(api: Any) -> int | None:
            found = api.tenancy.tenants.get(slug=slug)
            if found is not None:
                return int(found.id)
            if not create:
                return None
            try:
                return int(api.tenancy.tenants.create(name=name[:100], slug=slug, tags=[{"slug": COLO_TAG}]).id)
            except pynetbox.RequestError:
                again = api.tenancy.tenants.get(slug=slug)
                if again is None:
                    raise
                return int(again.id)

        if create:
            await self.ensure_schema()
        return await self.gateway.call(find_or_create, what="find NetBox tenant")


def is_overlap_refusal(exc: UpstreamRejected) -> bool:
    """NetBox's own double-booking guard: 'units have already been reserved'."""
    return "already been reserved" in exc.detail
