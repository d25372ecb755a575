"""The monthly billing export of a tenant, per circuit (feed): kWh, peak kW, hours over the
contracted power and data completeness, from the hourly roll-ups — so the same month exports the
same numbers every time. Gaps (hours without readings, or readings further apart than the gap
threshold) and meter changes (a new or replaced meter, a counter reset) are listed, never filled.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Sum

from colo.errors import ValidationFailed
from metering.schemas import Bill, CircuitBill, Gap, MeterChange
from metering.status import Flag, Metric, Resolution
from metering.tables import Meter, Rollup


def month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailed("month", "expected YYYY-MM") from None
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _hours(start: datetime, end: datetime) -> list[datetime]:
    count = int((end - start).total_seconds() // 3600)
    return [start + timedelta(hours=h) for h in range(count)]


def _runs(missing: list[datetime]) -> list[tuple[datetime, datetime]]:
    runs: list[tuple[datetime, datetime]] = []
    for hour in missing:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + timedelta(hours=1))
        else:
            runs.append((hour, hour + timedelta(hours=1)))
    return runs


async def monthly_bill(*, tenant_id: UUID, month: str, now: datetime | None = None) -> Bill:
    """The month's bill; for the month in progress, up to the current hour (hours to come are no gap)."""
    start, end = month_bounds(month)
    moment = now or datetime.now(UTC)
    end = max(start + timedelta(hours=1), min(end, moment.replace(minute=0, second=0, microsecond=0)
                                              + timedelta(hours=1)))
    meters = await Meter.select(exclude_secrets=True).where(Meter.tenant_id == tenant_id).order_by(Meter.key)
    ids = [m["id"] for m in meters]
    rows = await Rollup.select(Rollup.meter_id, Rollup.metric, Rollup.bucket, Rollup.mean, Rollup.high,
                               Rollup.energy_kwh, Rollup.flags).where(
        Rollup.meter_id.is_in(ids) & (Rollup.resolution == Resolution.HOUR.value) & (Rollup.channel == 0)
        & (Rollup.bucket >= start) & (Rollup.bucket < end)).order_by(Rollup.bucket) if ids else []
    by_meter: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_meter[row["meter_id"]].append(row)
    hours = _hours(start, end)
    gaps: list[Gap] = []
    changes: list[MeterChange] = []
    circuits: dict[int, dict[str, Any]] = {}
    tenant_hourly: dict[datetime, float] = defaultdict(float)
    for meter in meters:
        feed = meter["feed_id"] or 0
        circuit = circuits.setdefault(feed, {"name": meter["feed_name"] or meter["name"], "kwh": 0.0,
                                             "hourly": defaultdict(float), "peak": defaultdict(float),
                                             "covered": set(), "contracted": meter["contracted_w"]})
        circuit["contracted"] = max(circuit["contracted"], meter["contracted_w"])
        covered: set[datetime] = set()
        for row in by_meter.get(meter["id"], []):
            flags = {f for f in row["flags"].split(",") if f}
            if row["metric"] == Metric.POWER_W.value:
                circuit["hourly"][row["bucket"]] += row["mean"] / 1000
                circuit["peak"][row["bucket"]] += row["high"] / 1000
                tenant_hourly[row["bucket"]] += row["mean"] / 1000
                if Flag.GAP.value not in flags:
                    covered.add(row["bucket"])
            elif row["metric"] == Metric.ENERGY_KWH.value:
                circuit["kwh"] += row["energy_kwh"]
                for flag in (Flag.METER_CHANGE, Flag.COUNTER_RESET):
                    if flag.value in flags:
                        changes.append(MeterChange(meter=meter["key"], at=row["bucket"], kind=flag.value))
        circuit["covered"] |= covered
        # a meter that existed in the month: its hours without readings are gaps
        gaps += [Gap(meter=meter["key"], start=a, end=b) for a, b in _runs([h for h in hours if h not in covered])]
    lines = []
    for feed, c in sorted(circuits.items()):
        contracted_kw = c["contracted"] / 1000
        lines.append(CircuitBill(
            feed_id=feed, feed_name=c["name"], kwh=round(c["kwh"], 3),
            peak_kw=round(max(c["peak"].values(), default=0.0), 3), contracted_kw=contracted_kw,
            hours_over_contract=sum(1 for kw in c["hourly"].values() if contracted_kw and kw > contracted_kw),
            completeness_pct=round(len(c["covered"]) * 100 / len(hours), 2)))
    contracted = sum(c.contracted_kw for c in lines)
    return Bill(
        tenant_id=tenant_id, month=month, kwh=round(sum(c.kwh for c in lines), 3),
        peak_kw=round(max(tenant_hourly.values(), default=0.0), 3), contracted_kw=contracted,
        hours_over_contract=sum(1 for kw in tenant_hourly.values() if contracted and kw > contracted),
        completeness_pct=round(min((c.completeness_pct for c in lines), default=0.0), 2),
        circuits=lines, gaps=gaps, meter_changes=sorted(changes, key=lambda c: (c.at, c.meter)))


def as_csv(bill: Bill) -> str:
    """One row per circuit, then the tenant's total; gaps and meter changes as their own rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "tenant_id", "row", "feed_id", "feed_name", "kwh", "peak_kw", "contracted_kw",
                     "hours_over_contract", "completeness_pct", "meter", "start", "end", "note"])
    for c in bill.circuits:
        writer.writerow([bill.month, bill.tenant_id, "circuit", c.feed_id, c.feed_name, f"{c.kwh:.3f}",
                         f"{c.peak_kw:.3f}", f"{c.contracted_kw:.3f}", c.hours_over_contract,
                         f"{c.completeness_pct:.2f}", "", "", "", ""])
    writer.writerow([bill.month, bill.tenant_id, "total", "", "", f"{bill.kwh:.3f}", f"{bill.peak_kw:.3f}",
                     f"{bill.contracted_kw:.3f}", bill.hours_over_contract, f"{bill.completeness_pct:.2f}",
                     "", "", "", ""])
    for g in bill.gaps:
        writer.writerow([bill.month, bill.tenant_id, "gap", "", "", "", "", "", "", "", g.meter,
                         g.start.isoformat(), g.end.isoformat(), "no readings: not billed, not estimated"])
    for m in bill.meter_changes:
        writer.writerow([bill.month, bill.tenant_id, m.kind, "", "", "", "", "", "", "", m.meter,
                         m.at.isoformat(), "", "energy counted from the new counter value"])
    return out.getvalue()


async def feed_kwh(*, month: str) -> list[tuple[int, float]]:
    """The facility's month per feed (kWh), from the daily roll-ups: what billing reconciles against
    the utility's meter, and the figure the bench measures for 2 000 feeds."""
    start, end = month_bounds(month)
    meters = {m["id"]: m["feed_id"] for m in await Meter.select(Meter.id, Meter.feed_id)
              .where(Meter.feed_id.is_not_null())}
    rows = await Rollup.select(Rollup.meter_id, Sum(Rollup.energy_kwh).as_alias("kwh")).where(
        (Rollup.resolution == Resolution.DAY.value) & (Rollup.metric == Metric.ENERGY_KWH.value)
        & (Rollup.channel == 0) & (Rollup.bucket >= start) & (Rollup.bucket < end)).group_by(Rollup.meter_id)
    totals: dict[int, float] = defaultdict(float)
    for row in rows:
        feed = meters.get(row["meter_id"])
        if feed is not None:
            totals[feed] += float(row["kwh"] or 0.0)
    return sorted((feed, round(kwh, 3)) for feed, kwh in totals.items())
