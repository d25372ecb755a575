"""A rack's measured power in one read, for the pages that draw it and for ops deciding on an order.

Why a module of its own: the rack page's charts, the dashboard and the order-time power check all
need the same figures — the rack's draw now and its 7- and 30-day peaks, each feed's draw against
its derated capacity and the contracted power, the recent history — and they must be the figures
GET /v1/metering/racks/{id} and /feeds/{id} answer. So this only composes metering/views.py (the
one rule for "now", peaks and history) under the caller's scope: a tenant sees its own meters of
the rack, staff every meter. A rack with no meter the caller may see has no readout (None), never
an error: the page then simply draws no chart. dcim never imports this (layers): api/ and web/
put it beside dcim's committed power.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from colo.errors import NotFound
from colo.identity import Principal
from metering import views
from metering.schemas import History, PowerNow
from metering.status import Resolution

SIDE_ORDER = {"primary": 0, "redundant": 1}
RECENT = timedelta(hours=24)  # 5-minute history drawn
DAILY = timedelta(days=30)  # daily history drawn


@dataclass(frozen=True, slots=True)
class FeedReadout:
    feed_id: int
    name: str
    side: str  # primary (A) | redundant (B) | ""
    now: PowerNow


@dataclass(frozen=True, slots=True)
class Readout:
    """A subject's draw now, each of its feeds' (racks), and its last 24 h and 30 days."""

    subject: str
    now: PowerNow
    feeds: list[FeedReadout]
    recent: History  # 5-minute buckets, RECENT long
    daily: History  # day buckets, DAILY long
    start: datetime  # of `recent`
    end: datetime
    daily_start: datetime


async def _history(principal: Principal, subject: views.Subject, moment: datetime) -> tuple[History, History]:
    recent = await views.history(principal, subject, resolution=Resolution.FIVE_MINUTES, start=moment - RECENT,
                                 end=moment)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    daily = await views.history(principal, subject, resolution=Resolution.DAY, start=day - DAILY + timedelta(days=1),
                                end=moment)
    return recent, daily


async def readout(principal: Principal, subject: views.Subject, *, now: datetime | None = None) -> Readout | None:
    """The subject's readout as the caller may see it; None when it has no meter the caller reaches."""
    moment = now or datetime.now(UTC)
    try:
        meters = await views.scoped_meters(principal, subject)
    except NotFound:
        return None
    feeds: list[FeedReadout] = []
    if subject.kind == "rack":
        seen = {m["feed_id"]: (m["feed_name"], m["side"]) for m in meters if m["feed_id"] is not None}
        for feed_id, (name, side) in sorted(seen.items(), key=lambda item: (SIDE_ORDER.get(item[1][1], 9), item[0])):
            feeds.append(FeedReadout(feed_id=feed_id, name=name, side=side,
                                     now=await views.power_now(principal, views.Subject("feed", feed_id), now=moment)))
    recent, daily = await _history(principal, subject, moment)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return Readout(subject=subject.name, now=await views.power_now(principal, subject, now=moment), feeds=feeds,
                   recent=recent, daily=daily, start=moment - RECENT, end=moment,
                   daily_start=day - DAILY + timedelta(days=1))


async def rack_readout(principal: Principal, rack_id: int, *, now: datetime | None = None) -> Readout | None:
    return await readout(principal, views.Subject("rack", rack_id), now=now)


async def tenant_readout(principal: Principal, tenant_id: UUID, *, now: datetime | None = None) -> Readout | None:
    return await readout(principal, views.Subject("tenant", tenant_id), now=now)


@dataclass(frozen=True, slots=True)
class MeasuredPeaks:
    """What ops weigh against committed power when approving: the rack's measured draw now and its
    7- and 30-day peaks, and each feed's (with the contracted power recorded on its meters)."""

    rack_id: int
    meters: int
    meters_reporting: int
    now_w: int
    peak_7d_w: int
    peak_7d_at: datetime | None
    peak_30d_w: int
    peak_30d_at: datetime | None
    feeds: list[FeedPeaks]


@dataclass(frozen=True, slots=True)
class FeedPeaks:
    feed_id: int
    name: str
    side: str
    capacity_w: int  # derated
    contracted_w: int
    now_w: int
    peak_7d_w: int
    peak_30d_w: int


def _w(kw: float | None) -> int:
    return round((kw or 0.0) * 1000)


async def measured_peaks(principal: Principal, rack_id: int, *, now: datetime | None = None) -> MeasuredPeaks | None:
    """The order-time check's measured side for one rack; None when no meter measures it."""
    moment = now or datetime.now(UTC)
    try:
        meters = await views.scoped_meters(principal, views.Subject("rack", rack_id))
    except NotFound:
        return None
    rack = await views.power_now(principal, views.Subject("rack", rack_id), now=moment)
    feeds: list[FeedPeaks] = []
    seen = {m["feed_id"]: (m["feed_name"], m["side"]) for m in meters if m["feed_id"] is not None}
    for feed_id, (name, side) in sorted(seen.items(), key=lambda item: (SIDE_ORDER.get(item[1][1], 9), item[0])):
        feed = await views.power_now(principal, views.Subject("feed", feed_id), now=moment)
        feeds.append(FeedPeaks(feed_id=feed_id, name=name, side=side, capacity_w=_w(feed.capacity_kw),
                               contracted_w=_w(feed.contracted_kw), now_w=_w(feed.kw),
                               peak_7d_w=_w(feed.peak_7d.kw), peak_30d_w=_w(feed.peak_30d.kw)))
    return MeasuredPeaks(rack_id=rack_id, meters=rack.meters, meters_reporting=rack.meters_reporting,
                         now_w=_w(rack.kw), peak_7d_w=_w(rack.peak_7d.kw), peak_7d_at=rack.peak_7d.at,
                         peak_30d_w=_w(rack.peak_30d.kw), peak_30d_at=rack.peak_30d.at, feeds=feeds)
