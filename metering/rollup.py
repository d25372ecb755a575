"""Roll-ups: raw readings → 5-minute buckets → hours → days, each level kept for its own time.

Energy comes from the meter's own counter, as the sum of the advances between consecutive
readings, each advance put in the bucket of the later reading — never interpolated:
- the counter went down (a reset, or a wrap): the advance is the new value (counted from 0) and
  the bucket is flagged `counter_reset`;
- readings further apart than the gap threshold: the advance is still what the meter counted, and
  the bucket is flagged `gap` (the bill states it, with its start and end);
- a meter's first reading (a new PDU, or one that replaced another on the feed) has no advance and
  flags `meter_change`: a replaced meter's energy stays with the old meter, the new one starts at 0.
Re-running a window recomputes the same buckets (upserts keyed by `dedup`): reproducible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from metering.status import Flag, Metric, Resolution
from metering.tables import Meter, Reading, Rollup

RETENTION: dict[str, timedelta | None] = {  # how long each level is kept (None: for ever)
    "raw": timedelta(days=8), Resolution.FIVE_MINUTES.value: timedelta(days=35),
    Resolution.HOUR.value: timedelta(days=400), Resolution.DAY.value: None,
}
LOOKBACK = timedelta(days=1)  # how far back the reading before a window is looked for


def floor(at: datetime, resolution: Resolution) -> datetime:
    seconds = resolution.seconds
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


@dataclass(slots=True)
class Bucket:
    total: float = 0.0
    low: float = float("inf")
    high: float = float("-inf")
    samples: int = 0
    energy: float = 0.0
    flags: set[str] = field(default_factory=set)

    def add(self, value: float, samples: int = 1, *, low: float | None = None, high: float | None = None) -> None:
        self.total += value * samples
        self.samples += samples
        self.low = min(self.low, value if low is None else low)
        self.high = max(self.high, value if high is None else high)


Key = tuple[UUID, int, str, datetime]


def _bucket_readings(rows: Iterable[dict[str, Any]], *, start: datetime, gap_seconds: float,
                     first_seen: dict[UUID, datetime | None]) -> dict[Key, Bucket]:
    buckets: dict[Key, Bucket] = defaultdict(Bucket)
    previous: dict[tuple[UUID, int, str], tuple[datetime, float]] = {}
    for row in rows:
        meter, channel, metric, at, value = row["meter_id"], row["channel"], row["metric"], row["at"], row["value"]
        series = (meter, channel, metric)
        before = previous.get(series)
        previous[series] = (at, value)
        if at < start:
            continue
        bucket = buckets[(meter, channel, metric, floor(at, Resolution.FIVE_MINUTES))]
        bucket.add(value)
        if before is not None and (at - before[0]).total_seconds() > gap_seconds:
            bucket.flags.add(Flag.GAP.value)
        if metric != Metric.ENERGY_KWH.value:
            continue
        if before is None:
            seen = first_seen.get(meter)
            bucket.flags.add(Flag.METER_CHANGE.value if seen is not None and seen >= at else Flag.GAP.value)
            continue
        advance = value - before[1]
        if advance < 0:
            bucket.flags.add(Flag.COUNTER_RESET.value)
            advance = value
        bucket.energy += advance
    return buckets


def _rows(resolution: Resolution, buckets: dict[Key, Bucket]) -> list[Rollup]:
    return [Rollup(id=uuid4(), resolution=resolution.value, meter_id=meter, channel=channel, metric=metric,
                   bucket=at, mean=round(b.total / b.samples, 4) if b.samples else 0.0,
                   low=b.low if b.samples else 0.0, high=b.high if b.samples else 0.0, samples=b.samples,
                   energy_kwh=round(b.energy, 4), flags=",".join(sorted(b.flags)),
                   dedup=f"{resolution.value}:{meter.hex}:{channel}:{metric}:{int(at.timestamp())}")
            for (meter, channel, metric, at), b in buckets.items()]


async def _upsert(rows: list[Rollup]) -> int:
    for start in range(0, len(rows), 1000):
        await Rollup.insert(*rows[start:start + 1000]).on_conflict(
            target=Rollup.dedup, action="DO UPDATE",
            values=[Rollup.mean, Rollup.low, Rollup.high, Rollup.samples, Rollup.energy_kwh, Rollup.flags])
    return len(rows)


async def roll_up(*, start: datetime, end: datetime, gap_seconds: float) -> int:
    """Recompute the 5-minute buckets touching [start, end), then the hours and days that hold them."""
    lo, hi = floor(start, Resolution.FIVE_MINUTES), end
    readings = await Reading.select(Reading.meter_id, Reading.channel, Reading.metric, Reading.at,
                                    Reading.value).where((Reading.at >= lo - LOOKBACK) & (Reading.at < hi)
                                                         ).order_by(Reading.at)
    first_seen = {m["id"]: m["first_seen_at"] for m in await Meter.select(Meter.id, Meter.first_seen_at)}
    count = await _upsert(_rows(Resolution.FIVE_MINUTES,
                                _bucket_readings(readings, start=lo, gap_seconds=gap_seconds, first_seen=first_seen)))
    for finer, coarser in ((Resolution.FIVE_MINUTES, Resolution.HOUR), (Resolution.HOUR, Resolution.DAY)):
        # whole coarser buckets: an hour is the sum of all its 5-minute buckets, not of the window's
        count += await _aggregate(finer, coarser, start=floor(lo, coarser),
                                  end=floor(hi, coarser) + timedelta(seconds=coarser.seconds))
    return count


async def _aggregate(finer: Resolution, coarser: Resolution, *, start: datetime, end: datetime) -> int:
    rows = await Rollup.select().where((Rollup.resolution == finer.value) & (Rollup.bucket >= start)
                                       & (Rollup.bucket < end))
    buckets: dict[Key, Bucket] = defaultdict(Bucket)
    for row in rows:
        bucket = buckets[(row["meter_id"], row["channel"], row["metric"], floor(row["bucket"], coarser))]
        bucket.add(row["mean"], row["samples"], low=row["low"], high=row["high"])
        bucket.energy += row["energy_kwh"]
        bucket.flags.update(f for f in row["flags"].split(",") if f)
    return await _upsert(_rows(coarser, buckets))


async def prune(*, now: datetime) -> int:
    """Drop what is past its level's retention; returns how many rows went."""
    gone = 0
    raw = RETENTION["raw"]
    assert raw is not None
    gone += len(await Reading.delete().where(Reading.at < now - raw).returning(Reading.id))
    for level, keep in RETENTION.items():
        if level != "raw" and keep is not None:
            gone += len(await Rollup.delete().where((Rollup.resolution == level) & (Rollup.bucket < now - keep)
                                                    ).returning(Rollup.id))
    return gone
