"""What a caller may read: the draw now, its peaks and its history, per feed, rack or tenant.

Scope: a tenant reads the meters whose readings belong to it (the tenant of the rack or circuit,
set at discovery); another tenant's feed or rack answers exactly like a missing one (404). Staff
read every meter. Figures are computed from the meters' latest values and the roll-ups.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from colo.errors import NotFound
from colo.identity import Principal
from metering.schemas import History, HistoryPoint, Peak, PhaseFigures, PowerNow
from metering.status import PHASE_CHANNELS, SENSOR_CHANNEL_BASE, Metric, Resolution
from metering.tables import Meter, Rollup

STALE_AFTER = timedelta(minutes=5)  # a latest value older than this is not "now"
MAX_HISTORY_POINTS = 2000


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str  # feed | rack | tenant
    ident: int | UUID

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.ident}"


async def scoped_meters(principal: Principal, subject: Subject) -> list[dict[str, Any]]:
    """The subject's active meters the caller may see; none = NotFound (missing or not theirs)."""
    column = {"feed": Meter.feed_id, "rack": Meter.rack_id, "tenant": Meter.tenant_id}[subject.kind]
    where = (column == subject.ident) & (Meter.active == True)  # noqa: E712 - Piccolo builds SQL from ==
    if not principal.is_facility:
        if principal.tenant_id is None or (subject.kind == "tenant" and subject.ident != principal.tenant_id):
            raise NotFound(subject.kind, subject.ident)
        where = where & (Meter.tenant_id == principal.tenant_id)
    meters = await Meter.select(exclude_secrets=True).where(where)  # never the sealed community
    if not meters:
        raise NotFound(subject.kind, subject.ident)
    return list(meters)


def _latest(meter: dict[str, Any], now: datetime) -> dict[str, float]:
    seen = meter["last_seen_at"]
    if seen is None or now - seen > STALE_AFTER:
        return {}
    return {str(k): float(v) for k, v in json.loads(meter["last_values"] or "{}").items()}


def _capacity_w(meters: list[dict[str, Any]], kind: str) -> int | None:
    feeds = {m["feed_id"]: (m["side"], m["feed_capacity_w"]) for m in meters if m["feed_id"] is not None}
    if not feeds or kind == "tenant":
        return None
    if kind == "feed":
        return next(iter(feeds.values()))[1] or None
    sides: dict[str, int] = defaultdict(int)
    for side, capacity in feeds.values():
        sides[side] += capacity
    return min(sides.values()) or None  # a rack with A and B: what one side can carry alone


def contracted_w(meters: list[dict[str, Any]]) -> int:
    """Each tenant's circuit on each feed counted once (a feed may carry several tenants' circuits)."""
    return sum({(m["feed_id"], m["tenant_id"]): m["contracted_w"] for m in meters}.values())


async def _bucket_kw(meter_ids: list[UUID], resolution: Resolution, start: datetime, end: datetime,
                     ) -> dict[datetime, dict[str, Any]]:
    rows = await Rollup.select(Rollup.bucket, Rollup.metric, Rollup.mean, Rollup.high, Rollup.energy_kwh,
                               Rollup.flags).where(
        Rollup.meter_id.is_in(meter_ids) & (Rollup.resolution == resolution.value) & (Rollup.channel == 0)
        & (Rollup.bucket >= start) & (Rollup.bucket < end))
    points: dict[datetime, dict[str, Any]] = defaultdict(lambda: {"kw": 0.0, "peak": 0.0, "kwh": 0.0, "flags": set()})
    for row in rows:
        point = points[row["bucket"]]
        if row["metric"] == Metric.POWER_W.value:
            point["kw"] += row["mean"] / 1000
            point["peak"] += row["high"] / 1000
        elif row["metric"] == Metric.ENERGY_KWH.value:
            point["kwh"] += row["energy_kwh"]
        point["flags"].update(f for f in row["flags"].split(",") if f)
    return points


async def _peak(meter_ids: list[UUID], since: datetime, now: datetime) -> Peak:
    points = await _bucket_kw(meter_ids, Resolution.FIVE_MINUTES, since, now)
    if not points:
        return Peak(kw=0.0, at=None)
    at, point = max(points.items(), key=lambda item: (item[1]["kw"], item[0]))
    return Peak(kw=round(point["kw"], 3), at=at)


async def _kwh(meter_ids: list[UUID], since: datetime, now: datetime) -> float:
    points = await _bucket_kw(meter_ids, Resolution.HOUR, since, now)
    return round(float(sum(p["kwh"] for p in points.values())), 3)


async def power_now(principal: Principal, subject: Subject, *, now: datetime | None = None) -> PowerNow:
    moment = now or datetime.now(UTC)
    meters = await scoped_meters(principal, subject)
    ids = [m["id"] for m in meters]
    latest = [(m, _latest(m, moment)) for m in meters]
    reporting = [values for _, values in latest if values]
    kw = sum(values.get("0:power_w", 0.0) for values in reporting) / 1000
    phases = []
    for channel in PHASE_CHANNELS:
        amps = [v[f"{channel}:current_a"] for v in reporting if f"{channel}:current_a" in v]
        watts = [v[f"{channel}:power_w"] for v in reporting if f"{channel}:power_w" in v]
        if amps or watts:
            phases.append(PhaseFigures(channel=channel, current_a=round(sum(amps), 2) if amps else None,
                                       power_w=round(sum(watts), 1) if watts else None))
    probes = [(k, v) for values in reporting for k, v in values.items()
              if int(k.split(":")[0]) >= SENSOR_CHANNEL_BASE]
    temps = [v for k, v in probes if k.endswith(Metric.TEMPERATURE_C.value)]
    hums = [v for k, v in probes if k.endswith(Metric.HUMIDITY_PCT.value)]
    capacity = _capacity_w(meters, subject.kind)
    contracted = contracted_w(meters)
    today = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    seen = [m["last_seen_at"] for m in meters if m["last_seen_at"] is not None]
    return PowerNow(
        subject=subject.name, kw=round(kw, 3), meters=len(meters), meters_reporting=len(reporting), phases=phases,
        capacity_kw=capacity / 1000 if capacity else None,
        capacity_pct=round(kw * 1000 * 100 / capacity, 1) if capacity else None,
        contracted_kw=contracted / 1000 if contracted else None,
        contracted_pct=round(kw * 1000 * 100 / contracted, 1) if contracted else None,
        peak_7d=await _peak(ids, moment - timedelta(days=7), moment),
        peak_30d=await _peak(ids, moment - timedelta(days=30), moment),
        kwh_today=await _kwh(ids, today, moment), kwh_month=await _kwh(ids, today.replace(day=1), moment),
        temperature_c=round(max(temps), 1) if temps else None, humidity_pct=round(max(hums), 1) if hums else None,
        measured_at=max(seen) if seen else None,
    )


async def history(principal: Principal, subject: Subject, *, resolution: Resolution, start: datetime,
                  end: datetime) -> History:
    meters = await scoped_meters(principal, subject)
    points = await _bucket_kw([m["id"] for m in meters], resolution, start, end)
    ordered = sorted(points.items())[:MAX_HISTORY_POINTS]
    return History(subject=subject.name, resolution=resolution, points=[
        HistoryPoint(at=at, kw=round(p["kw"], 3), peak_kw=round(p["peak"], 3), kwh=round(p["kwh"], 3),
                     flags=sorted(p["flags"])) for at, p in ordered])
