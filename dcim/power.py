"""The one power model: a feed's capacity, a rack's budget, and kW↔W. Pure.

The rack view, the utilization report, capacity search and the order-time check all derive their
figures here, so they cannot disagree (issue 11 §1; they did: the read model counted each tenant
circuit Colo created as more supply, while orders did not).

NetBox: available power of a feed (VA) = voltage * amperage * max_utilization / 100, times 1.732
for three-phase (voltage is line-to-line), rounded — NetBox's own constant and rounding
(dcim/models/power.py), so Colo's figures agree with NetBox's to the watt. Colo books at a power
factor of 1 (the worst case, and NetBox's own simplification): one VA is one W.

A rack's budget:
- supply: the facility's live feeds on the rack (status `active`, type primary = A side,
  redundant = B side). A tenant circuit — a feed Colo created for a power order, carrying the
  order id — is never supply: it is a commitment against the supply.
- sellable: with A and B sides, the whole load must survive losing one side, so the weaker side's
  derated capacity; with one side only, that side's (and nothing for an A+B order).
- committed: the load booked in NetBox on the supply (allocated draw of the power ports plugged
  into the supply feeds: brownfield load Colo did not sell) plus the watts of Colo's power orders
  that still hold capacity on the rack (whether or not their circuits exist in NetBox yet).
- free: sellable - committed, never negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

THREE_PHASE = "three-phase"
NETBOX_SQRT3 = 1.732  # what NetBox multiplies by, not math.sqrt(3)
WATTS_PER_KW = 1000
SIDES = ("primary", "redundant")  # NetBox feed types: the A and the B side
SUPPLY_STATUSES = frozenset({"active"})  # a planned, offline or failed feed carries nothing


def kw_to_w(kw: float) -> int:
    """Requests are in kW (up to three decimals); budgets are in whole W (= VA at power factor 1).

    Rounded, not ceiled: 1.1 kW is 1100 W, although 1.1 * 1000 is 1100.0000000000002 in floats.
    """
    return round(kw * WATTS_PER_KW)


def w_to_kw(watts: int) -> float:
    return watts / WATTS_PER_KW


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
    """One feed as the budget needs it."""

    netbox_id: int
    side: str  # NetBox type: "primary" (A) | "redundant" (B)
    nominal_va: int
    available_va: int
    allocated_w: int  # Σ allocated_draw of the power ports plugged into it
    status: str = "active"
    circuit: bool = False  # a tenant circuit Colo created for an order (it carries the order id)


def is_supply(feed: Feed) -> bool:
    """The facility's own live feed on a rack — what can be sold. Tenant circuits never are."""
    return not feed.circuit and feed.status in SUPPLY_STATUSES and feed.side in SIDES


@dataclass(frozen=True, slots=True)
class RackBudget:
    nominal_va: int  # one side's breaker rating (what a single feed carries at 100 %)
    sellable_va: int  # one side's derated capacity: the load that survives losing the other side
    committed_va: int  # load booked on the rack, both sides together (NetBox draw + Colo orders)
    redundant: bool  # True when both an A and a B side are live

    @property
    def free_va(self) -> int:
        return max(0, self.sellable_va - self.committed_va)

    @property
    def utilization(self) -> float:
        return round(self.committed_va / self.sellable_va, 4) if self.sellable_va else 0.0

    def sellable_for(self, *, redundant: bool) -> int:
        """What an order may be sold against: an A+B order needs both sides live."""
        return 0 if redundant and not self.redundant else self.sellable_va

    def with_orders(self, ordered_w: int) -> RackBudget:
        """This budget with Colo's order commitments added to what NetBox has booked."""
        return RackBudget(self.nominal_va, self.sellable_va, self.committed_va + ordered_w, self.redundant)


def rack_budget(feeds: Iterable[Feed], *, ordered_w: int = 0) -> RackBudget:
    """A rack's budget from its feeds (supply and tenant circuits alike) and Colo's orders on it."""
    supply = [f for f in feeds if is_supply(f)]
    sides = {side: [f for f in supply if f.side == side] for side in SIDES}
    committed = sum(f.allocated_w for f in supply) + ordered_w
    if all(sides.values()):
        sellable = min(sum(f.available_va for f in sides[s]) for s in SIDES)
        nominal = min(sum(f.nominal_va for f in sides[s]) for s in SIDES)
        return RackBudget(nominal, sellable, committed, True)
    only = sides["primary"] or sides["redundant"]
    return RackBudget(sum(f.nominal_va for f in only), sum(f.available_va for f in only), committed, False)


@dataclass(frozen=True, slots=True)
class SideBudget:
    """One feed side of a rack against the rack's whole load: with A and B, either side must carry
    all of it alone when the other is lost, so each side's free power is its own derated capacity
    less everything committed on the rack; the weaker side's is the rack's `free_va`."""

    side: str  # "primary" (A) | "redundant" (B)
    nominal_va: int
    available_va: int  # the side's derated capacity (0: nothing live on this side)
    committed_va: int  # the rack's committed load, both sides together (RackBudget.committed_va)

    @property
    def free_va(self) -> int:
        return max(0, self.available_va - self.committed_va)


def side_budgets(feeds: Iterable[Feed], *, committed_va: int) -> list[SideBudget]:
    """The A and the B side of a rack (that order, both always), from its feeds: supply only, as
    rack_budget counts it; `committed_va` is the rack's committed load with Colo's orders."""
    supply = [f for f in feeds if is_supply(f)]
    return [SideBudget(side, sum(f.nominal_va for f in supply if f.side == side),
                       sum(f.available_va for f in supply if f.side == side), committed_va) for side in SIDES]
