"""The measured-power drawings' geometry (web/power_charts.py), without a browser: the gauge's
scale holds the capacity and the contract, a phase is measured against its share of the feed, the
24-hour line breaks where buckets are missing, each day's bar stands in its own slot, a probe
outside the recommended range is marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from metering.readouts import Readout
from metering.schemas import History, HistoryPoint, Peak, PhaseFigures, PowerNow
from metering.status import Resolution
from web.power_charts import charts, climate, gauge, nice_max, phase_bars

END = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def now(kw: float, *, capacity: float | None = 2.944, contracted: float | None = 1.8, peak: float = 0.0,
        phases: list[PhaseFigures] | None = None) -> PowerNow:
    return PowerNow(subject="rack:1", kw=kw, meters=1, meters_reporting=1, phases=phases or [],
                    capacity_kw=capacity, capacity_pct=None, contracted_kw=contracted, contracted_pct=None,
                    peak_7d=Peak(kw=peak, at=None), peak_30d=Peak(kw=peak, at=None), kwh_today=0.0, kwh_month=0.0)


def point(at: datetime, kw: float) -> HistoryPoint:
    return HistoryPoint(at=at, kw=kw, peak_kw=kw + 0.1, kwh=0.0, flags=[])


def readout(recent: list[HistoryPoint], daily: list[HistoryPoint]) -> Readout:
    day = END.replace(hour=0)
    return Readout(subject="rack:1", now=now(2.0, peak=2.7), feeds=[],
                   recent=History(subject="rack:1", resolution=Resolution.FIVE_MINUTES, points=recent),
                   daily=History(subject="rack:1", resolution=Resolution.DAY, points=daily),
                   start=END - timedelta(hours=24), end=END, daily_start=day - timedelta(days=29))


@pytest.mark.parametrize(("value", "top"), [(0.0, 1.0), (0.9, 1.0), (1.01, 2.0), (2.2, 2.5), (3.1, 5.0), (7.0, 10.0),
                                            (12.0, 20.0)])
def test_the_axis_top_is_a_round_number_at_or_above(value: float, top: float) -> None:
    assert nice_max(value) == top


def test_the_gauge_holds_capacity_and_contract_and_marks_a_draw_over_the_contract() -> None:
    g = gauge(now(2.0))
    assert g.scale_kw == 5.0  # 2.944 x 1.05 → 5
    assert (g.fill, g.capacity_x, g.contracted_x) == (40.0, 58.88, 36.0)
    assert g.over  # 2 kW drawn, 1.8 kW contracted
    assert not gauge(now(1.0)).over
    assert gauge(now(0.5, capacity=None, contracted=None)).capacity_x is None


def test_a_phase_is_measured_against_its_share_of_the_feed() -> None:
    three = [PhaseFigures(channel=c, current_a=4.0, power_w=w) for c, w in ((1, 981.3), (2, 500.0), (3, 1200.0))]
    bars = phase_bars(now(2.7, capacity=2.944, phases=three))
    assert [b.share_w for b in bars] == [pytest.approx(981.333, abs=0.01)] * 3
    assert [b.percent for b in bars] == [100.0, 51.0, 122.3]
    assert bars[2].fill == 100.0  # an over-full phase fills its bar, no further


def test_the_24_hour_line_breaks_where_buckets_are_missing() -> None:
    start = END - timedelta(hours=2)
    run1 = [point(start + timedelta(minutes=5 * i), 1.0) for i in range(3)]
    run2 = [point(start + timedelta(minutes=60 + 5 * i), 2.0) for i in range(2)]
    chart = charts(readout(run1 + run2, []), temperature=(18.0, 27.0), humidity=(20.0, 60.0)).recent
    assert len(chart.paths) == 2 and len(chart.peak_paths) == 2
    assert [len(p.split()) for p in chart.paths] == [3, 2]
    first_x = float(chart.paths[0].split()[0].split(",")[0])
    # the first bucket's middle, 2 h before the end of a 24 h axis from x=52 to x=628
    assert first_x == pytest.approx(52 + 576 * (22 * 3600 + 150) / 86400, abs=0.01)
    assert {line.label for line in chart.lines} == {"Derated capacity", "Contracted power"}


def test_each_day_stands_in_its_own_slot_under_the_peaks() -> None:
    days = [point(END.replace(hour=0) - timedelta(days=d), 1.5) for d in (3, 0)]
    chart = charts(readout([], days), temperature=(18.0, 27.0), humidity=(20.0, 60.0)).daily
    slot = (628 - 52) / 30
    assert [b.x for b in chart.bars] == [pytest.approx(52 + slot * 26.15, abs=0.01),
                                         pytest.approx(52 + slot * 29.15, abs=0.01)]
    assert {line.label: line.kw for line in chart.lines} == {"7-day peak": 2.7, "30-day peak": 2.7,
                                                              "Contracted power": 1.8}


def test_a_probe_outside_the_recommended_range_is_marked() -> None:
    inside = climate(24.5, (18.0, 27.0), (10.0, 40.0))
    assert inside is not None and not inside.outside and inside.x == 48.33
    hot = climate(45.0, (18.0, 27.0), (10.0, 40.0))
    assert hot is not None and hot.outside and hot.x == 100.0 and hot.scale_high == 45.0
    assert climate(None, (18.0, 27.0), (10.0, 40.0)) is None
