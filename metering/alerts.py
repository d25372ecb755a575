"""Power and environment alerts for ops, from the meters' latest values: evaluated after every
poll round and push; each condition raises one alert while it holds and clears it when it ends.

- a feed above the warning / critical share of its derated capacity;
- redundancy at risk: a rack's A and B sides together draw more than the weaker side can carry
  alone (losing one feed would trip the other);
- a tenant drawing more than its contracted power;
- a probe's temperature or humidity outside the configured (ASHRAE recommended) range;
- a meter silent for N intervals.
Kept in metering's own table (`open_key` unique while open), acknowledged by ops.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from colo.errors import NotFound
from colo.identity import Principal
from colo.outbox import EventType, PowerOverContract, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
from metering.config import MeteringConfig
from metering.schemas import AlertRead
from metering.status import SENSOR_CHANNEL_BASE, AlertKind, Metric
from metering.tables import Meter, MeteringAlert

ALERT_KEYS = Keyset("metering_alerts", (datetime, UUID), descending=True)  # newest first


@dataclass(frozen=True, slots=True)
class Condition:
    kind: AlertKind
    subject: str
    detail: str
    value: float
    threshold: float
    tenant_id: UUID | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.subject}"


def _power(values: dict[str, float]) -> float:
    return values.get("0:power_w", 0.0)


def conditions(meters: list[dict[str, Any]], config: MeteringConfig, now: datetime) -> list[Condition]:
    """Every condition that holds now (pure: from the meters' rows)."""
    found: list[Condition] = []
    silent_after = timedelta(seconds=config.interval * config.silent_intervals)
    live: list[tuple[dict[str, Any], dict[str, float]]] = []
    for meter in meters:
        seen = meter["last_seen_at"]
        if seen is None or now - seen > silent_after:
            since = f"since {seen:%Y-%m-%d %H:%M} UTC" if seen else "never read"
            found.append(Condition(AlertKind.METER_SILENT, f"meter:{meter['id']}",
                                   f"{meter['name']}: no reading {since}", 0.0, float(config.silent_intervals)))
            continue
        live.append((meter, json.loads(meter["last_values"] or "{}")))
    feeds: dict[int, list[tuple[dict[str, Any], dict[str, float]]]] = defaultdict(list)
    for meter, values in live:
        if meter["feed_id"] is not None:
            feeds[meter["feed_id"]].append((meter, values))
        for key, value in values.items():
            channel, metric = key.split(":")
            if int(channel) < SENSOR_CHANNEL_BASE:
                continue
            kind, (low, high), unit = ((AlertKind.TEMPERATURE, config.temperature, "°C")
                                       if metric == Metric.TEMPERATURE_C.value else
                                       (AlertKind.HUMIDITY, config.humidity, "%"))
            if not low <= value <= high:
                found.append(Condition(kind, f"meter:{meter['id']}:{channel}",
                                       f"{meter['name']} probe {int(channel) - SENSOR_CHANNEL_BASE}: {value:g} {unit}"
                                       f" outside {low:g}-{high:g} {unit}", value, high if value > high else low,
                                       meter["tenant_id"]))
    racks: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for feed_id, members in feeds.items():
        meter = members[0][0]
        draw = sum(_power(values) for _, values in members)
        capacity = meter["feed_capacity_w"]
        if meter["rack_id"] is not None and meter["side"]:
            racks[meter["rack_id"]][meter["side"]].append(feed_id)
        if capacity <= 0:
            continue
        share = draw * 100 / capacity
        for kind, pct in ((AlertKind.FEED_CRITICAL, config.feed_critical_pct),
                          (AlertKind.FEED_WARNING, config.feed_warning_pct)):
            if share >= pct:
                found.append(Condition(kind, f"feed:{feed_id}", f"{meter['feed_name']}: {draw / 1000:.2f} kW, "
                                       f"{share:.0f} % of {capacity / 1000:.2f} kW derated", share, float(pct)))
                break
    by_feed = {feed_id: (members[0][0], sum(_power(v) for _, v in members)) for feed_id, members in feeds.items()}
    for rack_id, sides in racks.items():
        if len(sides) < 2:
            continue
        carry = min(sum(by_feed[f][0]["feed_capacity_w"] for f in feed_ids) for feed_ids in sides.values())
        total = sum(by_feed[f][1] for feed_ids in sides.values() for f in feed_ids)
        if carry > 0 and total > carry:
            found.append(Condition(AlertKind.REDUNDANCY_AT_RISK, f"rack:{rack_id}",
                                   f"rack {rack_id}: A+B draw {total / 1000:.2f} kW, one side carries "
                                   f"{carry / 1000:.2f} kW", total, float(carry)))
    # A tenant's draw is its own meters' (a feed may carry several tenants' PDUs: never another's watts),
    # its contract the committed power of each of its circuits once.
    tenants: dict[UUID, tuple[float, dict[int, int]]] = {}
    for meter, values in live:
        if meter["tenant_id"] is None or meter["feed_id"] is None:
            continue
        total, contracts = tenants.get(meter["tenant_id"], (0.0, {}))
        contracts[meter["feed_id"]] = max(contracts.get(meter["feed_id"], 0), meter["contracted_w"])
        tenants[meter["tenant_id"]] = (total + _power(values), contracts)
    for tenant_id, (draw, contracts) in tenants.items():
        contracted = sum(contracts.values())
        if contracted > 0 and draw > contracted:
            found.append(Condition(AlertKind.TENANT_OVER_CONTRACT, f"tenant:{tenant_id}",
                                   f"{draw / 1000:.2f} kW drawn, {contracted / 1000:.2f} kW contracted", draw,
                                   float(contracted), tenant_id))
    return found


async def evaluate(config: MeteringConfig, *, now: datetime | None = None) -> tuple[int, int]:
    """Raise what newly holds, clear what no longer does; returns (raised, cleared)."""
    moment = now or datetime.now(UTC)
    meters = list(await Meter.select(exclude_secrets=True).where(Meter.active == True))  # noqa: E712 - Piccolo SQL
    holding = {c.key: c for c in conditions(meters, config, moment)}
    open_rows = await MeteringAlert.select(MeteringAlert.id, MeteringAlert.open_key).where(
        MeteringAlert.open_key.is_not_null())
    open_keys = {row["open_key"]: row["id"] for row in open_rows}
    raised = 0
    for key, c in holding.items():
        if key in open_keys:
            continue
        raised += await _raise(c, moment)
    cleared = [alert_id for key, alert_id in open_keys.items() if key not in holding]
    if cleared:
        await MeteringAlert.update({MeteringAlert.open_key: None, MeteringAlert.cleared_at: moment}).where(
            MeteringAlert.id.is_in(cleared))
    return raised, len(cleared)


async def _raise(c: Condition, moment: datetime) -> int:
    """Insert the alert (unless open already); a tenant's over-contract alert tells the tenant, in the
    same transaction (its draw and contract only: no other tenant's figures)."""
    async with MeteringAlert._meta.db.transaction():
        inserted = await MeteringAlert.insert(MeteringAlert(
            id=uuid4(), kind=c.kind.value, subject=c.subject, open_key=c.key, tenant_id=c.tenant_id,
            detail=c.detail[:500], value=round(c.value, 3), threshold=c.threshold, opened_at=moment,
        )).on_conflict(target=MeteringAlert.open_key, action="DO NOTHING").returning(MeteringAlert.id)
        if inserted and c.kind is AlertKind.TENANT_OVER_CONTRACT and c.tenant_id is not None:
            await record_event(type=EventType.POWER_OVER_CONTRACT, tenant_id=c.tenant_id, now=moment,
                               payload=PowerOverContract(alert_id=inserted[0]["id"], drawn_w=round(c.value, 3),
                                                         contracted_w=c.threshold, at=moment))
    return len(inserted)


async def list_alerts(*, open_only: bool = True, kind: AlertKind | None = None,
                      page: PageRequest) -> PageResult[AlertRead]:
    query = MeteringAlert.select()
    if open_only:
        query = query.where(MeteringAlert.cleared_at.is_null() | MeteringAlert.acknowledged_at.is_null())
    if kind is not None:
        query = query.where(MeteringAlert.kind == kind.value)
    rows = await select_page(query, columns=(MeteringAlert.opened_at, MeteringAlert.id), keyset=ALERT_KEYS,
                             page=page)
    return rows.map(AlertRead.of)


async def acknowledge(*, principal: Principal, alert_id: UUID, now: datetime | None = None) -> AlertRead:
    """Mark the alert handled; the first acknowledgement stands."""
    await MeteringAlert.update({MeteringAlert.acknowledged_at: now or datetime.now(UTC),
                                MeteringAlert.acknowledged_by: principal.key_id}).where(
        (MeteringAlert.id == alert_id) & MeteringAlert.acknowledged_at.is_null())
    row = await MeteringAlert.select().where(MeteringAlert.id == alert_id).first()
    if row is None:
        raise NotFound("alert", alert_id)
    return AlertRead.of(row)
