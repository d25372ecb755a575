"""Power headroom against the live plant: the rack's budget, and each feeding panel's capacity.

The rack check is the one power model (dcim.power.rack_budget) over the live feeds and Colo's
orders: the figures a refusal names are the ones the rack view, utilization and capacity search
show. The panel check (only where ops recorded a capacity on the NetBox panel) adds every order
fed from that panel — the full load on each side's panel, since one side must carry everything
when the other fails.
"""

from __future__ import annotations

from uuid import UUID

from dcim.netbox.provisioning import FeedLive, Provisioner
from dcim.orders import store
from dcim.orders.rules import check_headroom
from dcim.orders.supply import budget_feeds, panel_for_side
from dcim.power import rack_budget


def feeding_panels(feeds: list[FeedLive], *, redundant: bool) -> list[int]:
    sides = ("a", "b") if redundant else ("a",)
    return sorted({p for side in sides if (p := panel_for_side(feeds, side)) is not None})


async def panel_capacities(provisioner: Provisioner, panels: list[int]) -> dict[int, int]:
    """panel id → capacity in W, for the panels that have one recorded."""
    found = {panel: await provisioner.panel_capacity_w(panel) for panel in panels}
    return {panel: capacity for panel, capacity in found.items() if capacity is not None}


async def check_power(
    *, rack_id: int, feeds: list[FeedLive], capacities: dict[int, int], requested_w: int, redundant: bool,
    exclude_order: UUID | None = None,
) -> None:
    """Raise Conflict (with requested/available/committed kW) when the rack or a panel is full.
    Callers hold the rack and panel locks (service) or accept a re-check race (fulfilment)."""
    ordered = await store.committed_power_w(rack_id, exclude_order=exclude_order)
    budget = rack_budget(budget_feeds(feeds), ordered_w=ordered)
    check_headroom(requested_w=requested_w, sellable=budget.sellable_for(redundant=redundant),
                   committed_w=budget.committed_va, scope=f"rack {rack_id}")
    for panel, capacity in sorted(capacities.items()):
        check_headroom(requested_w=requested_w, sellable=capacity,
                       committed_w=await store.committed_panel_w(panel, exclude_order=exclude_order),
                       scope=f"power panel {panel}")
