"""Power headroom against the live plant: the rack's supply, and each feeding panel's capacity.

The rack check sells what the weaker of its A/B sides carries; the panel check (only where ops
recorded a capacity on the NetBox panel) adds every order fed from that panel — the full load
on each side's panel, since one side must carry everything when the other fails.
"""

from __future__ import annotations

from uuid import UUID

from dcim.netbox.provisioning import FeedLive, Provisioner
from dcim.orders import store
from dcim.orders.rules import check_headroom, sellable_w
from dcim.orders.supply import panel_for_side, supply_feeds


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
    check_headroom(requested_w=requested_w, sellable=sellable_w(supply_feeds(feeds), redundant=redundant),
                   committed_w=await store.committed_power_w(rack_id, exclude_order=exclude_order),
                   scope=f"rack {rack_id}")
    for panel, capacity in sorted(capacities.items()):
        check_headroom(requested_w=requested_w, sellable=capacity,
                       committed_w=await store.committed_panel_w(panel, exclude_order=exclude_order),
                       scope=f"power panel {panel}")
