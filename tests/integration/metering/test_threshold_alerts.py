"""Threshold alerts from pushed readings (real PostgreSQL): a feed above 80 % then 90 % of its
derated capacity, a tenant above its contracted power, humidity outside the range and a meter
gone silent — each raised once while it holds, cleared when the readings are back to normal,
and acknowledged by ops."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from litestar.testing import AsyncTestClient

from colo.identity import Role
from metering.alerts import evaluate
from metering.config import MeteringConfig
from metering.discovery import DiscoveredMeter, sync_meters
from metering.status import MeterSource
from metering.tables import MeteringAlert


async def test_feed_tenant_humidity_and_silence_alerts_fire_once_and_clear(
        client: AsyncTestClient, run_in_app: Callable[..., Awaitable[Any]],
        make_tenant: Callable[..., Awaitable[Any]], make_key: Callable[..., Awaitable[Any]]) -> None:
    tenant = await make_tenant()
    ops = await make_key(Role.OPS, name="threshold ops")
    key, feed = f"bms-{uuid4().hex[:8]}", 1_950_000_000 + uuid4().int % 10_000_000
    await run_in_app(sync_meters, [DiscoveredMeter(
        key=key, name=key, netbox_device_id=None, host="", feed_id=feed, feed_name=f"F{feed}", side="primary",
        feed_capacity_w=10_000, tenant_id=tenant.id, contracted_w=9_000, source=MeterSource.PUSH)],
        deactivate_missing=False)
    config = MeteringConfig()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)

    async def push(minute: int, watts: float, humidity: float) -> None:
        at = (t0 + timedelta(minutes=minute)).isoformat()
        answer = await client.post("/v1/metering/readings", headers=ops.headers, json={"readings": [
            {"meter": key, "at": at, "metric": "power_w", "value": watts},
            {"meter": key, "at": at, "metric": "humidity_pct", "channel": 101, "value": humidity}]})
        assert answer.status_code == 200, answer.text
        await run_in_app(evaluate, config, now=t0 + timedelta(minutes=minute))

    async def open_kinds() -> dict[str, int]:
        rows = await run_in_app(MeteringAlert.select(MeteringAlert.kind, MeteringAlert.subject).where(
            MeteringAlert.cleared_at.is_null()).run)
        mine = {f"feed:{feed}", f"tenant:{tenant.id}"}
        kinds: dict[str, int] = {}
        for row in rows:
            if row["subject"] in mine or (row["subject"].startswith("meter:") and key in await _meter_key(row)):
                kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
        return kinds

    async def _meter_key(row: dict[str, Any]) -> str:
        from metering.tables import Meter

        meter_id = row["subject"].split(":")[1]
        found = await run_in_app(Meter.select(Meter.key).where(Meter.id == meter_id).first().run)
        return found["key"] if found else ""

    await push(0, 5_000, 45)
    assert await open_kinds() == {}
    await push(1, 8_500, 45)  # 85 %
    await push(2, 8_600, 45)  # still: no second alert
    assert await open_kinds() == {"feed_warning": 1}
    await push(3, 9_500, 70)  # 95 %: critical instead of warning; over the 9 kW contract; humid
    assert await open_kinds() == {"feed_critical": 1, "tenant_over_contract": 1, "humidity": 1}
    listed = await client.get("/v1/metering/alerts", headers=ops.headers, params={"kind": "tenant_over_contract"})
    [alert] = [a for a in listed.json()["items"] if a["subject"] == f"tenant:{tenant.id}"]
    acked = await client.post(f"/v1/metering/alerts/{alert['id']}/acknowledge", headers=ops.headers)
    assert acked.status_code == 200 and acked.json()["acknowledged_at"]
    await push(4, 4_000, 50)  # back to normal: everything clears
    assert await open_kinds() == {}
    # Silent: nothing for 3 intervals (3 min) → one alert; a reading again clears it
    await run_in_app(evaluate, config, now=t0 + timedelta(minutes=9))
    await run_in_app(evaluate, config, now=t0 + timedelta(minutes=10))
    assert await open_kinds() == {"meter_silent": 1}
    await push(11, 4_000, 50)
    assert await open_kinds() == {}
