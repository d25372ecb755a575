"""Rack rows with Colo's power orders in their committed and free power (dcim.power).

The read model holds what NetBox knows: the facility's supply and the draw booked on it. Colo's
power orders are commitments from the moment they are made, long before (and whether or not)
their circuits exist in NetBox; they live in Colo's own tables. The rack view, the utilization
report and capacity search add them here, the order-time check in dcim.orders.power_checks —
the same budget, so the four answers agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dcim.orders.store import by_rack, ordered_power_w
from dcim.power import RackBudget, is_supply
from dcim.readmodel.build import feed_of_row
from dcim.readmodel.cache import ReadModelCache


def adjusted(row: dict[str, Any], ordered_w: int) -> dict[str, Any]:
    """A copy of a rack row (never the cached one) with `ordered_w` more committed."""
    if not ordered_w:
        return row
    budget = RackBudget(row["power_nominal_va"], row["power_sellable_va"], row["power_committed_va"],
                        row["power_redundant"]).with_orders(ordered_w)
    return {**row, "power_committed_va": budget.committed_va, "power_free_va": budget.free_va}


async def ordered_by_rack(*, cache: ReadModelCache, generation: int) -> dict[int, int]:
    """rack id → watts Colo's open power orders promise there, cached per read-model generation:
    every write that changes it (a power order made or moved, dcim.orders) bumps the generation."""
    async def load() -> dict[int, int]:
        return by_rack(await ordered_power_w())

    return await cache.get(("ordered-power",), load, generation=generation)


async def with_orders(rows: Sequence[dict[str, Any]], *, cache: ReadModelCache,
                      generation: int) -> list[dict[str, Any]]:
    """Rack rows (full rows, as the views read them) with Colo's power orders committed."""
    ordered = await ordered_by_rack(cache=cache, generation=generation) if rows else {}
    return [adjusted(r, ordered.get(r["netbox_id"], 0)) for r in rows]


def is_supply_row(feed: dict[str, Any]) -> bool:
    """A read-model feed row that is the facility's supply (not a tenant circuit, live)."""
    return is_supply(feed_of_row(feed))
