"""A tenant's demarcation panel in NetBox: the patch panel its cross-connects land on.

A new tenant has no port of its own in the meet-me room or its cage, and a cross-connect needs
one on the A side. Ops provision one from Colo: a patch panel (role `patch-panel`, device type
tagged with its media, as the read model and the meet-me-room views expect) with N front ports
each mapped onto its own rear port, racked in the named rack, with the tenant set and Colo's tag.
Idempotent by name: asking again for the same panel returns it (adding ports only if it has
fewer than asked), so a retried request never makes a twin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pynetbox

from colo.errors import Conflict, NotFound, ValidationFailed
from dcim.netbox.gateway import NetBoxGateway
from dcim.netbox.provisioning import Provisioner
from dcim.netbox.records import COLO_TAG, netbox_id

ROLE_SLUG = "patch-panel"
MANUFACTURER_SLUG = "colo-generic"
PORT_TYPES = {"smf": "lc-upc", "mmf": "lc", "copper": "8p8c"}
PAGE = 1000


@dataclass(frozen=True, slots=True)
class DemarcPanel:
    id: int
    name: str
    rack_id: int
    site_id: int
    location_id: int | None
    position: int | None
    netbox_tenant_id: int
    media: str
    front_port_ids: tuple[int, ...]
    created: bool  # False when it already existed (an idempotent repeat)


def _get_or_create(endpoint: Any, lookup: dict[str, Any], fields: dict[str, Any]) -> Any:
    found = endpoint.get(**lookup)
    if found is not None:
        return found
    try:
        return endpoint.create({**lookup, **fields})
    except pynetbox.RequestError:
        again = endpoint.get(**lookup)  # lost a race with another request: fine if it exists now
        if again is None:
            raise
        return again


def _device_type(api: Any, media: str, ports: int) -> Any:
    for tag in (f"media-{media}", COLO_TAG):
        _get_or_create(api.extras.tags, {"slug": tag}, {"name": tag})
    maker = _get_or_create(api.dcim.manufacturers, {"slug": MANUFACTURER_SLUG}, {"name": "Colo generic"})
    slug = f"colo-demarc-{media}-{ports}"
    return _get_or_create(api.dcim.device_types, {"slug": slug}, {
        "manufacturer": maker.id, "model": f"Colo demarcation panel {media.upper()} {ports}p", "u_height": 1,
        "tags": [{"slug": f"media-{media}"}, {"slug": COLO_TAG}]})


def _free_unit(rack: Any, occupied: frozenset[int], reserved: dict[int, int], own: set[int]) -> int:
    """The highest unit no device occupies and no other tenant holds (panels sit at the top)."""
    start = int(getattr(rack, "starting_unit", 1) or 1)
    for unit in range(start + int(rack.u_height) - 1, start - 1, -1):
        if unit not in occupied and (unit not in reserved or reserved[unit] in own):
            return unit
    raise Conflict(f"rack {rack.name} has no free unit for a panel", field="rack_id")


async def provision_demarc_panel(
    gateway: NetBoxGateway, *, name: str, rack_id: int, netbox_tenant_id: int, ports: int, media: str,
    position: int | None = None, claimed: frozenset[int] = frozenset(),
) -> DemarcPanel:
    """Find (by name at the rack's site) or create the tenant's panel and its ports. `claimed`:
    units Colo's open orders hold in this rack (not in NetBox yet), never used for the panel."""
    provisioner = Provisioner(gateway)
    await provisioner.ensure_schema()
    try:
        live = await provisioner.rack(rack_id)  # occupied units and reservations, right now
    except NotFound:
        raise ValidationFailed("rack_id", "no such rack") from None

    def apply(api: Any) -> DemarcPanel:
        rack = api.dcim.racks.get(rack_id)
        if rack is None:  # deleted since the live read above
            raise ValidationFailed("rack_id", "no such rack")
        rack_tenant = netbox_id(rack.tenant)
        if rack_tenant not in (None, netbox_tenant_id):
            raise Conflict(f"rack {rack.name} belongs to another tenant", field="rack_id")
        site, location = netbox_id(rack.site), netbox_id(rack.location)
        if site is None:  # NetBox requires a rack's site; never seen, but a panel cannot be placed without it
            raise ValidationFailed("rack_id", "the rack has no site")
        existing = [d for d in api.dcim.devices.filter(name=name, site_id=site) if d.name == name]
        if existing:
            device, created = existing[0], False
            tags = {t.slug for t in device.tags or []}
            if COLO_TAG not in tags or netbox_id(device.tenant) != netbox_tenant_id \
                    or netbox_id(device.rack) != rack_id:
                raise Conflict(f"a device named {name!r} already exists at this site and is not this tenant's "
                               "Colo panel in this rack", field="name", device_id=device.id)
        else:
            own = {r.id for r in api.dcim.rack_reservations.filter(rack_id=rack_id, tenant_id=netbox_tenant_id)}
            taken = live.occupied | claimed
            if position is not None and (position in taken
                                         or (position in live.reserved and live.reserved[position] not in own)):
                raise Conflict(f"unit {position} of rack {rack.name} is taken", field="position")
            unit = position if position is not None else _free_unit(rack, taken, live.reserved, own)
            device = api.dcim.devices.create({
                "name": name, "device_type": _device_type(api, media, ports).id,
                "role": _get_or_create(api.dcim.device_roles, {"slug": ROLE_SLUG},
                                       {"name": "Patch panel", "color": "9e9e9e"}).id,
                "site": site, "location": location, "rack": rack_id, "position": unit, "face": "front",
                "tenant": netbox_tenant_id, "status": "active", "tags": [{"slug": COLO_TAG}],
                "description": "Demarcation panel provisioned by Colo",
            })
            created = True
        fronts = _ensure_ports(api, device.id, ports, PORT_TYPES[media])
        return DemarcPanel(id=device.id, name=name, rack_id=rack_id, site_id=site, location_id=location,
                           position=int(device.position) if device.position is not None else None,
                           netbox_tenant_id=netbox_tenant_id, media=media, front_port_ids=fronts, created=created)

    return await gateway.call(apply, what="provision demarcation panel")


def _ensure_ports(api: Any, device_id: int, count: int, port_type: str) -> tuple[int, ...]:
    """Rear ports R1..Rn and front ports 1..n, each front mapped onto its rear; missing ones made."""
    rears = {r.name: r.id for r in api.dcim.rear_ports.filter(device_id=device_id, limit=PAGE)}
    missing = [{"device": device_id, "name": f"R{i}", "type": port_type, "positions": 1,
                "tags": [{"slug": COLO_TAG}]} for i in range(1, count + 1) if f"R{i}" not in rears]
    if missing:
        rears.update({r.name: r.id for r in api.dcim.rear_ports.create(missing)})
    fronts = {f.name: f.id for f in api.dcim.front_ports.filter(device_id=device_id, limit=PAGE)}
    missing = [{"device": device_id, "name": str(i), "type": port_type, "positions": 1, "tags": [{"slug": COLO_TAG}],
                "rear_ports": [{"position": 1, "rear_port": rears[f"R{i}"], "rear_port_position": 1}]}
               for i in range(1, count + 1) if str(i) not in fronts]
    if missing:
        fronts.update({f.name: f.id for f in api.dcim.front_ports.create(missing)})
    return tuple(fronts[str(i)] for i in range(1, count + 1) if str(i) in fronts)
