"""Measured power as the portal draws it: gauges of the draw now against the derated capacity and the
contracted power, per-phase current, the last 24 hours at 5-minute resolution and the last 30 days
by day with the 7- and 30-day peaks, and the inlet temperature and humidity where probes report.

Why a module of its own: the rack page (tenants and ops) and the tenant dashboard draw the same
pictures from metering.readouts (the figures GET /v1/metering/... answers), as server-side SVG —
no chart script, nothing from a CDN, nothing to run in the browser. The geometry is pure, so it is
unit-testable without a browser; the template (_power_charts.html) draws it, with a table of the
same numbers beside each chart for screen readers. Labels are message ids the template translates;
no style attributes (the portal's CSP): colours are SVG presentation attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from metering.readouts import FeedReadout, Readout
from metering.schemas import HistoryPoint, PowerNow
from web.i18n import marker as _

WIDTH = 640  # viewBox units of the history charts
HEIGHT = 200
LEFT = 52  # room for the kW axis labels
RIGHT = 12
TOP = 12
BOTTOM = 28  # room for the time labels
GAUGE_W = 100  # gauges are drawn in percent of their width
FIVE_MINUTES = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Gauge:
    """A bar of the draw now on a scale that holds the capacity, the contract and the peaks."""

    kw: float
    capacity_kw: float | None
    contracted_kw: float | None
    scale_kw: float
    fill: float  # 0-100: the bar's width
    capacity_x: float | None  # 0-100: where the capacity mark stands
    contracted_x: float | None
    over: bool  # above the capacity or the contract


def _x(value: float | None, scale: float) -> float | None:
    return None if value is None else round(min(100.0, 100.0 * value / scale), 2)


def gauge(now: PowerNow) -> Gauge:
    scale = nice_max(max(now.kw, now.capacity_kw or 0.0, now.contracted_kw or 0.0, now.peak_7d.kw, 0.001) * 1.05)
    over = any(limit is not None and now.kw > limit for limit in (now.capacity_kw, now.contracted_kw))
    return Gauge(kw=now.kw, capacity_kw=now.capacity_kw, contracted_kw=now.contracted_kw, scale_kw=scale,
                 fill=_x(now.kw, scale) or 0.0, capacity_x=_x(now.capacity_kw, scale),
                 contracted_x=_x(now.contracted_kw, scale), over=over)


@dataclass(frozen=True, slots=True)
class PhaseBar:
    channel: int
    current_a: float | None
    power_w: float | None
    share_w: float | None  # this phase's share of the feed's derated capacity
    fill: float  # 0-100
    percent: float | None


def phase_bars(now: PowerNow) -> list[PhaseBar]:
    """Each phase's power against its even share of the derated capacity (a three-phase feed
    carries a third of it on each phase); the current in A beside it."""
    count = len(now.phases)
    share = now.capacity_kw * 1000 / count if now.capacity_kw and count else None
    out = []
    for phase in now.phases:
        percent = round(100 * phase.power_w / share, 1) if share and phase.power_w is not None else None
        out.append(PhaseBar(channel=phase.channel, current_a=phase.current_a, power_w=phase.power_w, share_w=share,
                            fill=min(100.0, percent or 0.0), percent=percent))
    return out


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^n at or above the value: the axis' top."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value - 1e-9:
            return round(step * power, 6)
    return 10.0 * power


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # the coordinate along its axis
    value: float | datetime


@dataclass(frozen=True, slots=True)
class Line:
    """A horizontal reference: the capacity, the contract, a peak."""

    label: str
    kw: float
    y: float
    dashed: bool


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    peak_y: float
    point: HistoryPoint


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: int
    bottom_y: float
    right_x: float
    scale_kw: float
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    paths: list[str]  # polylines of the mean, broken where buckets are missing
    peak_paths: list[str]
    bars: list[Bar]
    lines: list[Line]
    points: list[HistoryPoint]


CAPACITY = _("Derated capacity")
CONTRACT = _("Contracted power")
PEAK_7D = _("7-day peak")
PEAK_30D = _("30-day peak")


def _frame(top_kw: float) -> tuple[float, float, list[Tick]]:
    scale = nice_max(top_kw * 1.05)
    bottom_y, span = float(HEIGHT - BOTTOM), float(HEIGHT - BOTTOM - TOP)
    ticks = [Tick(at=round(bottom_y - span * i / 4, 2), value=round(scale * i / 4, 3)) for i in range(5)]
    return scale, bottom_y, ticks


def _y(kw: float, scale: float) -> float:
    span = HEIGHT - BOTTOM - TOP
    return round(HEIGHT - BOTTOM - span * min(kw, scale) / scale, 2)


def _lines(references: list[tuple[str, float | None, bool]], scale: float) -> list[Line]:
    return [Line(label=label, kw=kw, y=_y(kw, scale), dashed=dashed) for label, kw, dashed in references
            if kw is not None and kw > 0]


def recent_chart(readout: Readout) -> Chart:
    """The last 24 hours: the mean of each 5-minute bucket as a line (and its peak, lighter),
    against the capacity and the contract; a line breaks where buckets are missing."""
    now, points = readout.now, readout.recent.points
    start, end = readout.start, readout.end
    top = max([p.peak_kw for p in points] + [now.capacity_kw or 0.0, now.contracted_kw or 0.0, 0.001])
    scale, bottom_y, y_ticks = _frame(top)
    seconds = (end - start).total_seconds()
    right_x = float(WIDTH - RIGHT)

    def x(at: datetime) -> float:
        return round(LEFT + (right_x - LEFT) * (at - start).total_seconds() / seconds, 2)

    paths: list[str] = []
    peaks: list[str] = []
    run: list[HistoryPoint] = []
    for point in [*points, None]:
        if point is not None and (not run or point.at - run[-1].at <= FIVE_MINUTES):
            run.append(point)
            continue
        if run:
            paths.append(" ".join(f"{x(p.at + FIVE_MINUTES / 2)},{_y(p.kw, scale)}" for p in run))
            peaks.append(" ".join(f"{x(p.at + FIVE_MINUTES / 2)},{_y(p.peak_kw, scale)}" for p in run))
        run = [point] if point is not None else []
    first = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    x_ticks = [Tick(at=x(first + timedelta(hours=h)), value=first + timedelta(hours=h))
               for h in range(0, 24, 6) if first + timedelta(hours=h) <= end]
    return Chart(width=WIDTH, height=HEIGHT, left=LEFT, bottom_y=bottom_y, right_x=right_x, scale_kw=scale,
                 y_ticks=y_ticks, x_ticks=x_ticks, paths=paths, peak_paths=peaks, bars=[],
                 lines=_lines([(CAPACITY, now.capacity_kw, False), (CONTRACT, now.contracted_kw, True)], scale),
                 points=points)


def daily_chart(readout: Readout) -> Chart:
    """The last 30 days: a bar per day of its mean draw, its peak marked, against the 7- and 30-day
    peaks and the contract."""
    now, points = readout.now, readout.daily.points
    days = max(1, round((readout.end - readout.daily_start).total_seconds() / 86400 + 0.5))
    top = max([p.peak_kw for p in points] + [now.contracted_kw or 0.0, now.peak_30d.kw, 0.001])
    scale, bottom_y, y_ticks = _frame(top)
    right_x = float(WIDTH - RIGHT)
    slot = (right_x - LEFT) / days
    bars = []
    for point in points:
        index = (point.at - readout.daily_start).days
        if not 0 <= index < days:
            continue
        y = _y(point.kw, scale)
        bars.append(Bar(x=round(LEFT + slot * index + slot * 0.15, 2), y=y, width=round(slot * 0.7, 2),
                        height=round(bottom_y - y, 2), peak_y=_y(point.peak_kw, scale), point=point))
    x_ticks = [Tick(at=round(LEFT + slot * (i + 0.5), 2), value=readout.daily_start + timedelta(days=i))
               for i in range(0, days, 7)]
    return Chart(width=WIDTH, height=HEIGHT, left=LEFT, bottom_y=bottom_y, right_x=right_x, scale_kw=scale,
                 y_ticks=y_ticks, x_ticks=x_ticks, paths=[], peak_paths=[], bars=bars,
                 lines=_lines([(PEAK_7D, now.peak_7d.kw, True), (PEAK_30D, now.peak_30d.kw, False),
                               (CONTRACT, now.contracted_kw, True)], scale),
                 points=points)


@dataclass(frozen=True, slots=True)
class Climate:
    """A probe's reading on a scale with the recommended range shaded."""

    value: float
    low: float
    high: float
    scale_low: float
    scale_high: float
    x: float  # 0-100
    band_x: float
    band_w: float
    outside: bool


def climate(value: float | None, recommended: tuple[float, float], scale: tuple[float, float]) -> Climate | None:
    if value is None:
        return None
    lo, hi = scale
    lo, hi = min(lo, value), max(hi, value)

    def at(v: float) -> float:
        return round(100 * (v - lo) / (hi - lo), 2)

    low, high = recommended
    return Climate(value=value, low=low, high=high, scale_low=lo, scale_high=hi, x=at(value), band_x=at(low),
                   band_w=round(at(high) - at(low), 2), outside=not low <= value <= high)


@dataclass(frozen=True, slots=True)
class FeedChart:
    feed: FeedReadout
    gauge: Gauge
    phases: list[PhaseBar]


@dataclass(frozen=True, slots=True)
class PowerCharts:
    """Everything the template draws for one rack or tenant."""

    readout: Readout
    gauge: Gauge
    phases: list[PhaseBar]
    feeds: list[FeedChart]
    recent: Chart
    daily: Chart
    temperature: Climate | None
    humidity: Climate | None


def charts(readout: Readout, *, temperature: tuple[float, float], humidity: tuple[float, float]) -> PowerCharts:
    return PowerCharts(
        readout=readout, gauge=gauge(readout.now), phases=phase_bars(readout.now),
        feeds=[FeedChart(feed=f, gauge=gauge(f.now), phases=phase_bars(f.now)) for f in readout.feeds],
        recent=recent_chart(readout), daily=daily_chart(readout),
        temperature=climate(readout.now.temperature_c, temperature, (10.0, 40.0)),
        humidity=climate(readout.now.humidity_pct, humidity, (0.0, 100.0)))

