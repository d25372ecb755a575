"""Input and output shapes of metering (msgspec; bounded strings, numbers and lists)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from metering.status import AlertKind, Metric, Resolution

MeterKey = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")]


class ReadingIn(msgspec.Struct, forbid_unknown_fields=True):
    """One reading pushed by a BMS: its meter (by key), channel (0 = whole meter, 1-3 phase,
    101+ probe), metric, instant (with its offset) and value in Colo's units."""

    meter: MeterKey
    at: datetime
    metric: Metric
    value: Annotated[float, Meta(ge=-1e9, le=1e12)]
    channel: Annotated[int, Meta(ge=0, le=999)] = 0


class ReadingBatch(msgspec.Struct, forbid_unknown_fields=True):
    readings: Annotated[list[ReadingIn], Meta(min_length=1, max_length=5000)]


class IngestResult(msgspec.Struct):
    accepted: int  # new readings stored
    duplicates: int  # already stored for that meter, channel, metric and instant


class PhaseFigures(msgspec.Struct):
    channel: int
    current_a: float | None
    power_w: float | None


class Peak(msgspec.Struct):
    kw: float
    at: datetime | None


class PowerNow(msgspec.Struct):
    """A feed's, rack's or tenant's draw now and its peaks; percentages when capacity is known."""

    subject: str  # feed:<id>, rack:<id>, tenant:<uuid>
    kw: float
    meters: int
    meters_reporting: int
    phases: list[PhaseFigures]
    capacity_kw: float | None  # derated capacity (feeds; a rack's weaker side)
    capacity_pct: float | None
    contracted_kw: float | None
    contracted_pct: float | None
    peak_7d: Peak
    peak_30d: Peak
    kwh_today: float
    kwh_month: float
    temperature_c: float | None = None
    humidity_pct: float | None = None
    measured_at: datetime | None = None


class HistoryPoint(msgspec.Struct):
    at: datetime
    kw: float  # mean
    peak_kw: float
    kwh: float
    flags: list[str]


class History(msgspec.Struct):
    subject: str
    resolution: Resolution
    points: list[HistoryPoint]


class AlertRead(msgspec.Struct):
    id: UUID
    kind: AlertKind
    subject: str
    tenant_id: UUID | None
    detail: str
    value: float
    threshold: float
    opened_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> AlertRead:
        return cls(id=row["id"], kind=AlertKind(row["kind"]), subject=row["subject"], tenant_id=row["tenant_id"],
                   detail=row["detail"], value=row["value"], threshold=row["threshold"],
                   opened_at=row["opened_at"], cleared_at=row["cleared_at"],
                   acknowledged_at=row["acknowledged_at"], acknowledged_by=row["acknowledged_by"])


class Gap(msgspec.Struct):
    meter: str
    start: datetime
    end: datetime


class MeterChange(msgspec.Struct):
    meter: str
    at: datetime
    kind: str  # meter_change (first reading of a meter) | counter_reset


class CircuitBill(msgspec.Struct):
    feed_id: int
    feed_name: str
    kwh: float
    peak_kw: float
    contracted_kw: float
    hours_over_contract: int
    completeness_pct: float  # share of the month's 5-minute buckets with readings


class Bill(msgspec.Struct):
    tenant_id: UUID
    month: str
    kwh: float
    peak_kw: float
    contracted_kw: float
    hours_over_contract: int
    completeness_pct: float
    circuits: list[CircuitBill]
    gaps: list[Gap]
    meter_changes: list[MeterChange]
