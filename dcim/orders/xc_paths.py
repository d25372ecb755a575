"""The path a cross-connect takes through the plant: one rule for ordering and for fulfilment.

A side → (hall panel ⇢ trunk ⇢) meet-me room ⇄ jumper ⇄ meet-me room (⇢ trunk ⇢ hall panel) → Z
side. Ordering runs the same planning as fulfilment (without cabling anything), so an order that
fulfilment would refuse — ports at two sites, a site without a meet-me room, no free trunk path
for the media — is refused when it is made, naming the field, not after the LOA and approval.
"""

from __future__ import annotations

import msgspec

from colo.errors import Conflict, ValidationFailed
from dcim.netbox.provisioning import PortLive, Provisioner

SIDES = (("A", "a_port_id"), ("Z", "z_port_id"))


class Leg(msgspec.Struct, frozen=True, omit_defaults=True):
    """One cable of the path, between two NetBox front ports. The order's `netbox` blob records
    the legs as `msgspec.to_builtins` writes them: the trunk legs A and Z name the hall and
    meet-me-room ports they use; the jumper M only its ends."""

    name: str  # A, M (the jumper in the meet-me room) or Z
    a: int
    b: int
    hall_port: int | None = None
    mmr_port: int | None = None
    mmr_port_name: str | None = None


async def plan_legs(*, a_port: PortLive, z_port: PortLive, copper: bool,
                    provisioner: Provisioner) -> list[Leg]:
    """The legs to cable, in order. A port already in the meet-me room (a carrier's panel) needs
    no trunk: the jumper lands on it. Raises ValidationFailed / Conflict naming the port field."""
    if a_port.site_id != z_port.site_id:
        raise ValidationFailed("z_port_id", f"port {z_port.device_name}:{z_port.name} is at another site than "
                               f"the A-side port {a_port.device_name}:{a_port.name}; a cross-connect joins "
                               "two ports of one site", a_site_id=a_port.site_id, z_site_id=z_port.site_id)
    rooms = await provisioner.meet_me_rooms(a_port.site_id)
    if not rooms:
        raise Conflict("the ports' site has no meet-me room to patch a cross-connect in", field="a_port_id",
                       site_id=a_port.site_id)
    legs: list[Leg] = []
    room_end: dict[str, int] = {}
    used: set[int] = set()
    for (side, field), port in zip(SIDES, (a_port, z_port), strict=True):
        if port.cable_id is not None:
            raise Conflict(f"{side}-side port {port.device_name}:{port.name} is already cabled", field=field,
                           cable_id=port.cable_id)
        if port.location_id in rooms:
            room_end[side] = port.id
            continue
        paths = await provisioner.free_mmr_paths(site_id=port.site_id, location_id=port.location_id,
                                                 copper=copper, count=3)
        free = [(hall, mmr) for hall, mmr in paths if hall.id not in used and mmr.id not in used]
        if not free:
            raise Conflict(f"no free meet-me-room path from {side}-side port {port.device_name}:{port.name} "
                           f"({'copper' if copper else 'fibre'}): its location has no free trunk to the "
                           "meet-me room", field=field)
        hall, mmr = free[0]
        used |= {hall.id, mmr.id}
        room_end[side] = mmr.id
        ends = (port.id, hall.id) if side == "A" else (hall.id, port.id)
        legs.append(Leg(name=side, a=ends[0], b=ends[1], hall_port=hall.id, mmr_port=mmr.id,
                        mmr_port_name=f"{mmr.device_name}:{mmr.name}"))
    jumper = Leg(name="M", a=room_end["A"], b=room_end["Z"])
    return [leg for leg in legs if leg.name == "A"] + [jumper] + [leg for leg in legs if leg.name == "Z"]
