"""Which racks a tenant holds: the one rule, following NetBox's own tenancy.

A facility adopts Colo with its customers already in NetBox, so holding space cannot mean only
"has a Colo reservation". A NetBox tenant holds a rack when

- the rack's own tenant is it (a cage or a whole rack sold before Colo), or
- one of its devices is mounted in the rack, or
- it has a rack reservation there (Colo's or one made by hand; `stale` ones do not count).

Everything that asks "may this tenant see / order / visit here?" uses this module: the rack
views (list, detail, utilization), power orders and site-visit rack areas. A rack it does not
hold answers exactly like a missing one. Read from the plant read model (the same data the
tenant sees), cached per read-model generation.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from dcim.readmodel.cache import ReadModelCache
from dcim.tables import PlantDevice, PlantRack, PlantReservation
from tenants.tables import Tenant

UNHELD_STATUSES = frozenset({"stale"})


@dataclass(frozen=True, slots=True)
class Holding:
    """What a tenant holds in one rack: the whole rack, or units (reserved or occupied)."""

    rack_id: int
    owns_rack: bool
    reserved_units: frozenset[int]
    device_units: frozenset[int]

    def units(self, *, starting_unit: int, u_height: int) -> list[int]:
        """The units that are the tenant's: every unit of a rack it owns, else its own."""
        if self.owns_rack:
            return list(range(starting_unit, starting_unit + u_height))
        return sorted(self.reserved_units | self.device_units)


def device_units(position: float | None, height: float) -> set[int]:
    """Whole units a mounted device touches (0U kit: none). Same fold as dcim.readmodel.units."""
    if position is None or height <= 0:
        return set()
    return set(range(int(position), int(position + height + 0.5)))


async def _load(netbox_tenant: int) -> dict[int, Holding]:
    owned = {r["netbox_id"] for r in await PlantRack.select(PlantRack.netbox_id).where(
        PlantRack.tenant_id == netbox_tenant)}
    reserved: dict[int, set[int]] = {}
    for row in await PlantReservation.select(
            PlantReservation.rack_id, PlantReservation.units, PlantReservation.status).where(
            PlantReservation.tenant_id == netbox_tenant).output(load_json=True):
        if row["status"] not in UNHELD_STATUSES and row["rack_id"] is not None:
            reserved.setdefault(row["rack_id"], set()).update(int(u) for u in row["units"])
    mounted: dict[int, set[int]] = {}
    for row in await PlantDevice.select(PlantDevice.rack_id, PlantDevice.position, PlantDevice.u_height).where(
            (PlantDevice.tenant_id == netbox_tenant) & PlantDevice.rack_id.is_not_null()):
        mounted.setdefault(row["rack_id"], set()).update(device_units(row["position"], row["u_height"]))
    return {rack: Holding(rack, rack in owned, frozenset(reserved.get(rack, ())), frozenset(mounted.get(rack, ())))
            for rack in owned | set(reserved) | set(mounted)}


async def held_racks(netbox_tenant: int, *, cache: ReadModelCache,
                     generation: int | None = None) -> dict[int, Holding]:
    """rack id → Holding, for every rack this NetBox tenant holds (cached per generation)."""
    if generation is None:
        generation = await cache.generation()
    return await cache.get(("held", netbox_tenant), lambda: _load(netbox_tenant), generation=generation)


async def holds_rack(*, netbox_tenant: int | None, rack_id: int, cache: ReadModelCache) -> bool:
    """True when the NetBox tenant holds the rack. An unlinked tenant (None) holds nothing."""
    if netbox_tenant is None:
        return False
    return rack_id in await held_racks(netbox_tenant, cache=cache)


async def netbox_tenant_of(tenant_id: UUID) -> int | None:
    """The NetBox tenant linked to a Colo tenant (None: unknown or not linked yet)."""
    row = await Tenant.select(Tenant.netbox_tenant_id).where(Tenant.id == tenant_id).first()
    return row["netbox_tenant_id"] if row else None
