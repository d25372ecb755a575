"""Live NetBox feeds → the one power model (dcim.power), and the panels tenant circuits hang off.

Feeds Colo created for power orders carry an order id: they are tenant circuits, a commitment
against the supply and never more supply (dcim.power.is_supply). Everything else live on the
rack is the A (primary) or B (redundant) side.
"""

from __future__ import annotations

from collections.abc import Iterable

from dcim.netbox.provisioning import FeedLive
from dcim.power import Feed, available_va, is_supply, nominal_va

SIDE_OF_TYPE = {"primary": "a", "redundant": "b"}


def budget_feed(feed: FeedLive) -> Feed:
    return Feed(
        netbox_id=feed.id, side=feed.feed_type,
        nominal_va=nominal_va(voltage=feed.voltage, amperage=feed.amperage, phase=feed.phase),
        available_va=available_va(voltage=feed.voltage, amperage=feed.amperage, phase=feed.phase,
                                  max_utilization=feed.max_utilization),
        allocated_w=feed.allocated_w, status=feed.status, circuit=feed.colo_order_id is not None,
    )


def budget_feeds(feeds: Iterable[FeedLive]) -> list[Feed]:
    return [budget_feed(f) for f in feeds]


def panel_for_side(feeds: Iterable[FeedLive], side: str) -> int | None:
    """The power panel of the rack's supply feed on `side`: tenant circuits hang off the same panel."""
    for feed in feeds:
        if is_supply(budget_feed(feed)) and SIDE_OF_TYPE[feed.feed_type] == side:
            return feed.panel_id
    return None
