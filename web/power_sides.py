"""A rack's power per feed side, A and B, as the portal draws it: the rack page and the
dashboard's cards draw a bar per side, the ops capacity map two bars in each rack's cell.

Why a module of its own: the read model gives one budget per rack (the weaker side's, what may be
sold: dcim.power.rack_budget), but a person planning work on a feed wants each side. Each side's
figures come from dcim.power.side_budgets over the rack's feeds (supply only, the same rule) and
the rack's committed load with Colo's orders, so the weaker side's free power is exactly the
rack's `free_va` the API answers. Pure: geometry and figures, unit-tested
(tests/unit/test_portal_power_sides.py); the templates draw them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dcim.power import Feed, SideBudget, side_budgets
from dcim.readmodel.build import feed_of_row
from dcim.readmodel.schemas import FeedView

Side = Literal["A", "B"]
LETTERS: dict[str, Side] = {"primary": "A", "redundant": "B"}


@dataclass(frozen=True, slots=True)
class SideBar:
    side: Side
    available_va: int  # the side's derated capacity; 0 when nothing live feeds this side
    committed_va: int  # the rack's whole committed load (either side must carry it alone)
    free_va: int
    percent: int  # committed of available, 0 to 100: the bar's filled width
    headroom: int  # free of available, 0 to 100
    over: bool  # more committed than this side can carry
    weaker: bool  # the side with less free power, when both are live and differ

    @property
    def live(self) -> bool:
        return self.available_va > 0


def bars(sides: Iterable[SideBudget]) -> list[SideBar]:
    """Bars for the A and the B side (dcim.power.side_budgets' order)."""
    budgets = list(sides)
    live = [b for b in budgets if b.available_va > 0]
    weakest = min(b.free_va for b in live) if len(live) == 2 else None
    differ = len({b.free_va for b in live}) > 1
    out: list[SideBar] = []
    for budget in budgets:
        available, committed = budget.available_va, budget.committed_va
        share = committed / available if available else (1.0 if committed else 0.0)
        out.append(SideBar(
            side=LETTERS[budget.side], available_va=available, committed_va=committed, free_va=budget.free_va,
            percent=max(0, min(100, round(share * 100))),
            headroom=max(0, min(100, round(100 * budget.free_va / available))) if available else 0,
            over=committed > available, weaker=differ and weakest is not None and budget.free_va == weakest))
    return out


def of_feed_views(feeds: Iterable[FeedView], *, committed_va: int) -> list[SideBar]:
    """A rack detail's feeds (GET /v1/racks/{id}) and its committed load."""
    return bars(side_budgets((Feed(f.netbox_id, f.side, f.nominal_va, f.available_va, f.allocated_w, f.status,
                                   circuit=f.tenant_circuit) for f in feeds), committed_va=committed_va))


def of_feed_rows(rows: Iterable[Mapping[str, Any]], *, committed_va: int) -> list[SideBar]:
    """Read-model feed rows (dcim_power_feed) of one rack and its committed load."""
    return bars(side_budgets((feed_of_row(dict(row)) for row in rows), committed_va=committed_va))
