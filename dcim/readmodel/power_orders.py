"""Rack rows with Colo's power orders in their committed and free power (dcim.power).

The read model holds what NetBox knows: the facility's supply and the draw booked on it. Colo's
power orders are commitments from the moment they are made, long before (and whether or not)
their circuits exist in NetBox; they live in Colo's own tables. The rack view, the utilization
report and capacity search add them here, the order-time check in dcim.orders.power_checks —
the same budget, so the four answers agree.

A read-model rack row becomes a `RackRow` here and nowhere else (`rack_rows`), with the orders
already committed; Colo's open power orders are read once per read-model generation (`PowerOrderBook`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from piccolo.columns import Column

from dcim.orders.store import by_rack, ordered_power_w
from dcim.power import RackBudget, is_supply
from dcim.readmodel.build import feed_of_row
from dcim.readmodel.cache import ReadModelCache
from dcim.tables import PlantRack


class RackRow(msgspec.Struct, frozen=True, gc=False):
    """A read-model rack (dcim_rack) as the views and capacity search read it, Colo's power
    orders included in `power_committed_va` and `power_free_va`."""

    netbox_id: int
    name: str
    site_id: int
    location_id: int | None
    hall: str
    row: str
    status: str
    u_height: int
    starting_unit: int
    unit_states: str  # one character per unit: dcim.readmodel.units
    free_units: int
    max_free_run: int
    occupied_units: int
    reserved_units: int
    power_nominal_va: int
    power_sellable_va: int
    power_committed_va: int
    power_free_va: int
    power_redundant: bool
    synced_at: datetime

    @property
    def budget(self) -> RackBudget:
        return RackBudget(self.power_nominal_va, self.power_sellable_va, self.power_committed_va,
                          self.power_redundant)


def rack_columns() -> list[Column]:
    """The dcim_rack columns a RackRow is read from (for queries that select only some)."""
    return [getattr(PlantRack, name) for name in RackRow.__struct_fields__]


@dataclass(frozen=True, slots=True)
class PowerOrderBook:
    """Watts Colo's open power orders (those still holding capacity) promise, at one generation."""

    by_rack_tenant: Mapping[tuple[int, int | None], int]  # (rack id, NetBox tenant id) → watts
    by_rack: Mapping[int, int]  # rack id → watts

    @classmethod
    def of(cls, ordered: Mapping[tuple[int, int | None], int]) -> PowerOrderBook:
        return cls(by_rack_tenant=dict(ordered), by_rack=by_rack(dict(ordered)))

    def on_racks(self, rack_ids: Iterable[int]) -> dict[tuple[int, int | None], int]:
        """(rack id, NetBox tenant id) → watts, on these racks only."""
        wanted = set(rack_ids)
        return {key: watts for key, watts in self.by_rack_tenant.items() if key[0] in wanted}


async def power_order_book(*, cache: ReadModelCache, generation: int) -> PowerOrderBook:
    """Colo's open power orders, cached per read-model generation: every write that changes them
    (a power order made or moved, dcim.orders) bumps the generation."""
    async def load() -> PowerOrderBook:
        return PowerOrderBook.of(await ordered_power_w())

    return await cache.get(("power-order-book",), load, generation=generation)


def adjusted(rack: RackRow, ordered_w: int) -> RackRow:
    """The rack with `ordered_w` more committed (a new RackRow; the argument is left as it is)."""
    if not ordered_w:
        return rack
    budget = rack.budget.with_orders(ordered_w)
    return msgspec.structs.replace(rack, power_committed_va=budget.committed_va, power_free_va=budget.free_va)


def rack_rows(rows: Sequence[Mapping[str, Any]], book: PowerOrderBook) -> list[RackRow]:
    """Read-model rack rows (every column of RackRow, more are ignored) as RackRows with the
    book's orders committed: the one place a rack row becomes typed."""
    racks = msgspec.convert(rows, list[RackRow])
    return [adjusted(rack, book.by_rack.get(rack.netbox_id, 0)) for rack in racks]


async def with_orders(rows: Sequence[Mapping[str, Any]], *, cache: ReadModelCache,
                      generation: int) -> list[RackRow]:
    """Rack rows (full rows, as the views read them) with Colo's power orders committed."""
    if not rows:
        return []
    return rack_rows(rows, await power_order_book(cache=cache, generation=generation))


def is_supply_row(feed: dict[str, Any]) -> bool:
    """A read-model feed row that is the facility's supply (not a tenant circuit, live)."""
    return is_supply(feed_of_row(feed))
