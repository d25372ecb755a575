"""Power arithmetic, the same as NetBox's, and the rack budget rules Colo sells by. Pure.

NetBox: available power of a feed (VA) = voltage * amperage * max_utilization / 100, times 1.732
for three-phase (voltage is line-to-line), rounded — NetBox's own constant and rounding
(dcim/models/power.py), so Colo's figures agree with NetBox's to the watt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

THREE_PHASE = "three-phase"
NETBOX_SQRT3 = 1.732  # what NetBox multiplies by, not math.sqrt(3)


def nominal_va(*, voltage: int, amperage: int, phase: str) -> int:
    """What the feed could carry at 100 %: the breaker's rating in VA."""
    va = abs(voltage) * amperage
    return round(va * NETBOX_SQRT3) if phase == THREE_PHASE else round(va)


def available_va(*, voltage: int, amperage: int, phase: str, max_utilization: int) -> int:
    """NetBox's `available_power`: the derated capacity a feed may be loaded to."""
    va = abs(voltage) * amperage * max_utilization / 100
    if phase == THREE_PHASE:
        va *= NETBOX_SQRT3
    return round(va)


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed as the budget needs it: its side of a redundant pair and its numbers."""

    netbox_id: int
    side: str  # "primary" (A) | "redundant" (B)
    nominal_va: int
    available_va: int
    allocated_w: int  # Σ allocated_draw of the power ports plugged into it
    status: str = "active"


@dataclass(frozen=True, slots=True)
class RackBudget:
    nominal_va: int  # one side's breaker rating (what a single feed carries at 100 %)
    sellable_va: int  # one side's derated capacity: the load that survives losing the other side
    committed_va: int  # load already booked on the rack, both sides together
    redundant: bool  # True when both an A and a B side are live

    @property
    def free_va(self) -> int:
        return max(0, self.sellable_va - self.committed_va)

    @property
    def utilization(self) -> float:
        return round(self.committed_va / self.sellable_va, 4) if self.sellable_va else 0.0


def rack_budget(feeds: Iterable[Feed]) -> RackBudget:
    """A rack's budget from its feeds.

    With A and B sides, the whole load must fit on one side alone (a feed can fail), so the
    sellable load is the weaker side's derated capacity, and the committed load is everything
    booked on both sides. Without a B side the rack is not redundant and A's capacity is sold.
    Feeds that are not active carry nothing.
    """
    live = [f for f in feeds if f.status == "active"]
    sides = {side: [f for f in live if f.side == side] for side in ("primary", "redundant")}
    committed = sum(f.allocated_w for f in live)
    if sides["primary"] and sides["redundant"]:
        sellable = min(sum(f.available_va for f in sides[s]) for s in sides)
        nominal = min(sum(f.nominal_va for f in sides[s]) for s in sides)
        return RackBudget(nominal, sellable, committed, True)
    only = sides["primary"] or sides["redundant"]
    return RackBudget(sum(f.nominal_va for f in only), sum(f.available_va for f in only),
                      committed, False)


def kw_to_va(kw: float, *, power_factor: float = 1.0) -> int:
    """Requests are in kW; feeds are rated in VA. Colo books at a power factor of 1 (worst case)."""
    return math.ceil(kw * 1000 / power_factor)
