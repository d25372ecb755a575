"""A rack's power supply as orders see it: the facility's own feeds, not the tenant circuits.

Feeds Colo created for power orders carry an order id; they draw from the supply and must not
be counted as more supply. Everything else attached to the rack is the A (primary) or B
(redundant) side.
"""

from __future__ import annotations

from collections.abc import Iterable

from dcim.netbox.provisioning import FeedLive
from dcim.orders.rules import SupplyFeed, feed_available_va

SIDE_OF_TYPE = {"primary": "a", "redundant": "b"}


def is_supply(feed: FeedLive) -> bool:
    return feed.colo_order_id is None and feed.status in ("active", "planned") and feed.feed_type in SIDE_OF_TYPE


def supply_feeds(feeds: Iterable[FeedLive]) -> list[SupplyFeed]:
    return [
        SupplyFeed(
            feed_id=f.id, side=SIDE_OF_TYPE[f.feed_type],
            available_w=feed_available_va(voltage=f.voltage, amperage=f.amperage,
                                          max_utilization=f.max_utilization, phase=f.phase),
        )
        for f in feeds if is_supply(f)
    ]


def panel_for_side(feeds: Iterable[FeedLive], side: str) -> int | None:
    """The power panel of the rack's supply feed on `side`: tenant circuits hang off the same panel."""
    for feed in feeds:
        if is_supply(feed) and SIDE_OF_TYPE[feed.feed_type] == side:
            return feed.panel_id
    return None
