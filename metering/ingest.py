"""Storing readings, polled or pushed: one batched insert, idempotent per meter, channel, metric
and instant (`dedup`), then each meter's latest values and last-seen time.

A pushed reading names its meter by key; an unknown key, or an instant in the future, is refused
with the field's path (`readings[3].meter`), and nothing of the batch is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from piccolo.engine.postgres import PostgresEngine

from colo.errors import ValidationFailed
from metering.alerts import evaluate
from metering.config import MeteringConfig
from metering.rollup import roll_up
from metering.schemas import IngestResult, ReadingIn
from metering.tables import Meter, Reading

FUTURE_SLACK = timedelta(minutes=5)  # a BMS clock a little ahead is tolerated
CHUNK = 1000  # rows a multi-row INSERT (SQLite)
BATCH = 10_000  # rows an UNNEST insert (PostgreSQL)
UNNEST_INSERT = (
    "INSERT INTO metering_reading (id, meter_id, channel, metric, at, value, dedup) "
    "SELECT * FROM unnest({}::uuid[], {}::uuid[], {}::int[], {}::text[], {}::timestamptz[], {}::float8[], {}::text[]) "
    "ON CONFLICT (dedup) DO NOTHING RETURNING id")
LATEST_UPDATE = (
    "UPDATE metering_meter AS m SET last_seen_at = v.seen, last_values = v.vals, first_seen_at = v.first "
    "FROM unnest({}::uuid[], {}::timestamptz[], {}::text[], {}::timestamptz[]) AS v(id, seen, vals, first) "
    "WHERE m.id = v.id")


@dataclass(frozen=True, slots=True)
class Row:
    meter_id: UUID
    channel: int
    metric: str
    at: datetime
    value: float


def now_utc() -> datetime:
    return datetime.now(UTC)


def dedup_key(meter_id: UUID, channel: int, metric: str, at: datetime) -> str:
    return f"{meter_id.hex}:{channel}:{metric}:{int(at.timestamp() * 1000)}"


async def store(rows: Sequence[Row]) -> IngestResult:
    """Insert what is new (ON CONFLICT DO NOTHING on `dedup`), then refresh the meters' latest."""
    accepted = 0
    postgres = isinstance(Reading._meta.db, PostgresEngine)
    for start in range(0, len(rows), BATCH if postgres else CHUNK):
        chunk = rows[start:start + (BATCH if postgres else CHUNK)]
        if postgres:  # one statement a batch: its columns as arrays (no parameter limit, no per-row objects)
            inserted = await Reading.raw(
                UNNEST_INSERT, [uuid4() for _ in chunk], [r.meter_id for r in chunk], [r.channel for r in chunk],
                [r.metric for r in chunk], [r.at for r in chunk], [r.value for r in chunk],
                [dedup_key(r.meter_id, r.channel, r.metric, r.at) for r in chunk])
        else:
            inserted = await Reading.insert(*[
                Reading(id=uuid4(), meter_id=r.meter_id, channel=r.channel, metric=r.metric, at=r.at,
                        value=r.value, dedup=dedup_key(r.meter_id, r.channel, r.metric, r.at)) for r in chunk
            ]).on_conflict(target=Reading.dedup, action="DO NOTHING").returning(Reading.id)
        accepted += len(inserted)
    await _refresh_latest(rows)
    return IngestResult(accepted=accepted, duplicates=len(rows) - accepted)


async def _refresh_latest(rows: Iterable[Row]) -> None:
    """Each meter's newest values, last-seen and first-seen instants: one read of the meters, then
    one UPDATE (PostgreSQL: every meter of the batch at once, from arrays)."""
    newest: dict[UUID, tuple[datetime, dict[str, float]]] = {}
    earliest: dict[UUID, datetime] = {}
    for r in rows:
        earliest[r.meter_id] = min(earliest.get(r.meter_id, r.at), r.at)
        at, values = newest.get(r.meter_id, (r.at, {}))
        if r.at > at:
            at, values = r.at, {}
        if r.at == at:
            values[f"{r.channel}:{r.metric}"] = r.value
        newest[r.meter_id] = (at, values)
    if not newest:
        return
    known = {m["id"]: m for m in await Meter.select(Meter.id, Meter.last_seen_at, Meter.first_seen_at,
                                                     Meter.last_values).where(Meter.id.is_in(list(newest)))}
    updates: list[tuple[UUID, datetime, str, datetime]] = []  # id, last seen, latest values, first seen
    for meter_id, (at, values) in newest.items():
        meter = known.get(meter_id)
        if meter is None:
            continue
        seen, first = meter["last_seen_at"], meter["first_seen_at"]
        first = earliest[meter_id] if first is None else min(first, earliest[meter_id])
        if seen is not None and seen > at:  # a late batch: the latest values stay
            updates.append((meter_id, seen, meter["last_values"], first))
            continue
        merged = {**json.loads(meter["last_values"] or "{}"), **values} if seen == at else values
        updates.append((meter_id, at, json.dumps(merged), first))
    if isinstance(Meter._meta.db, PostgresEngine):
        await Meter.raw(LATEST_UPDATE, *[list(column) for column in zip(*updates, strict=True)])
        return
    for meter_id, at, values_json, first in updates:
        await Meter.update({Meter.last_seen_at: at, Meter.last_values: values_json,
                            Meter.first_seen_at: first}).where(Meter.id == meter_id)


async def ingest(readings: Sequence[ReadingIn], *, now: datetime | None = None) -> IngestResult:
    """A BMS's batch: every reading checked first (meter known, instant not in the future)."""
    moment = now or now_utc()
    keys = sorted({r.meter for r in readings})
    meters = {m["key"]: m["id"] for m in await Meter.select(Meter.key, Meter.id).where(Meter.key.is_in(keys))}
    rows: list[Row] = []
    for index, reading in enumerate(readings):
        if reading.meter not in meters:
            raise ValidationFailed(f"readings[{index}].meter", "no such meter")
        at = reading.at if reading.at.tzinfo else reading.at.replace(tzinfo=UTC)
        if at > moment + FUTURE_SLACK:
            raise ValidationFailed(f"readings[{index}].at", "in the future")
        rows.append(Row(meters[reading.meter], reading.channel, reading.metric.value, at.astimezone(UTC),
                        float(reading.value)))
    return await store(rows)


async def push(readings: Sequence[ReadingIn], *, config: MeteringConfig, now: datetime | None = None) -> IngestResult:
    """A BMS's batch stored, the buckets it touches rolled up, the alerts evaluated."""
    result = await ingest(readings, now=now)
    instants = [r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC) for r in readings]
    await roll_up(start=min(instants), end=max(instants) + timedelta(seconds=1), gap_seconds=config.gap_seconds)
    await evaluate(config, now=now)
    return result
