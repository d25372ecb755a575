"""Energy and the monthly bill from pushed readings (a BMS's batch through the API, real
PostgreSQL): a counter reset and a meter replaced on the same circuit give the kWh the counters
measured, a gap is stated (never filled), the export is the same every time, and bad input is
answered with problem details naming the field."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from colo.identity import Role
from metering.discovery import DiscoveredMeter, sync_meters
from metering.status import MeterSource

MONTH = "2026-01"
START = datetime(2026, 1, 1, tzinfo=UTC)


def _readings(key: str, points: list[tuple[datetime, float, float]]) -> list[dict[str, Any]]:
    out = []
    for at, energy, watts in points:
        out.append({"meter": key, "at": at.isoformat(), "metric": "energy_kwh", "value": energy})
        out.append({"meter": key, "at": at.isoformat(), "metric": "power_w", "value": watts})
    return out


async def test_reset_replacement_and_gap_in_the_monthly_bill(
        client: AsyncTestClient, run_in_app: Callable[..., Awaitable[Any]],
        make_tenant: Callable[..., Awaitable[Any]], make_key: Callable[..., Awaitable[Any]]) -> None:
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="bill admin")
    ops = await make_key(Role.OPS, name="bill ops")
    feed = random.randint(1_500_000_000, 1_900_000_000)
    s = uuid4().hex[:8]
    old, new = f"bms-{s}-old", f"bms-{s}-new"
    await run_in_app(sync_meters, [
        DiscoveredMeter(key=key, name=key, netbox_device_id=None, host="", feed_id=feed, feed_name=f"Circuit {s}",
                        side="primary", feed_capacity_w=7360, tenant_id=tenant.id, contracted_w=5000,
                        source=MeterSource.PUSH) for key in (old, new)], deactivate_missing=False)
    # The old meter: every 5 minutes 00:00-05:55 at 6 kW (0.5 kWh a step), nothing 01:00-01:55 (a gap),
    # its counter reset at 03:00 (restarts from 0: 0.5 there). Measured: 17.5 + 0.5 + 17.5 = 35.5 kWh.
    points = []
    for k in range(72):
        if 12 <= k < 24:
            continue
        energy = 100 + 0.5 * k if k < 36 else 0.5 * (k - 35)
        points.append((START + timedelta(minutes=5 * k), energy, 6000.0))
    # The new meter replaces it on the same circuit at 06:00: its counter starts at 5000, 3 kW (0.25 a step).
    replacement = [(START + timedelta(hours=6, minutes=5 * k), 5000 + 0.25 * k, 3000.0) for k in range(24)]
    for batch in (_readings(old, points), _readings(new, replacement)):
        pushed = await client.post("/v1/metering/readings", headers=ops.headers, json={"readings": batch})
        assert pushed.status_code == 200, pushed.text
        assert pushed.json() == {"accepted": len(batch), "duplicates": 0}
    again = await client.post("/v1/metering/readings", headers=ops.headers,
                              json={"readings": _readings(new, replacement[:3])})
    assert again.json() == {"accepted": 0, "duplicates": 6}  # idempotent per meter and instant

    bill = await client.get(f"/v1/metering/bills/{MONTH}", headers=admin.headers)
    assert bill.status_code == 200, bill.text
    body = bill.json()
    assert body["kwh"] == pytest.approx(35.5 + 23 * 0.25)
    [circuit] = body["circuits"]
    assert circuit["feed_id"] == feed and circuit["kwh"] == pytest.approx(41.25)
    assert circuit["peak_kw"] == pytest.approx(6.0) and circuit["contracted_kw"] == pytest.approx(5.0)
    assert circuit["hours_over_contract"] == 5  # 00, 02, 03, 04, 05 at 6 kW; 01 had no readings
    assert body["hours_over_contract"] == 5
    # covered hours: 00, 03, 04, 05 (old), 06, 07 (new); 02 carries the gap's flag: 6 of 744
    assert circuit["completeness_pct"] == pytest.approx(round(6 * 100 / 744, 2))
    gaps = {(g["meter"], g["start"][:16], g["end"][:16]) for g in body["gaps"]}
    assert (old, "2026-01-01T01:00", "2026-01-01T03:00") in gaps
    changes = {(c["meter"], c["at"][:16], c["kind"]) for c in body["meter_changes"]}
    assert changes == {(old, "2026-01-01T00:00", "meter_change"), (old, "2026-01-01T03:00", "counter_reset"),
                       (new, "2026-01-01T06:00", "meter_change")}
    first = await client.get(f"/v1/metering/bills/{MONTH}", headers=ops.headers,
                             params={"tenant_id": str(tenant.id), "format": "csv"})
    second = await client.get(f"/v1/metering/bills/{MONTH}", headers=ops.headers,
                              params={"tenant_id": str(tenant.id), "format": "csv"})
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/csv")
    assert first.content == second.content  # reproducible
    rows = list(csv.DictReader(io.StringIO(first.text)))
    assert [r["kwh"] for r in rows if r["row"] == "total"] == ["41.250"]
    assert any(r["row"] == "gap" and r["meter"] == old and r["start"].startswith("2026-01-01T01:00") for r in rows)
    assert {r["row"] for r in rows} >= {"circuit", "total", "gap", "meter_change", "counter_reset"}

    history = await client.get(f"/v1/metering/feeds/{feed}/history", headers=admin.headers, params={
        "resolution": "1h", "start": "2026-01-01T00:00:00Z", "end": "2026-01-01T08:00:00Z"})
    assert history.status_code == 200, history.text
    hours = {p["at"][:13]: p for p in history.json()["points"]}
    assert "2026-01-01T01" not in hours and "gap" in hours["2026-01-01T02"]["flags"]
    assert hours["2026-01-01T03"]["kwh"] == pytest.approx(0.5 + 11 * 0.5)
    assert "counter_reset" in hours["2026-01-01T03"]["flags"]


@pytest.mark.parametrize(("reading", "field"), [
    ({"meter": "no-such-meter", "at": "2026-01-01T00:00:00Z", "metric": "power_w", "value": 1.0},
     "readings[0].meter"),
    ({"meter": "m", "at": "2026-01-01T00:00:00Z", "metric": "volts", "value": 1.0}, "readings[0].metric"),
    ({"meter": "m", "at": "yesterday", "metric": "power_w", "value": 1.0}, "readings[0].at"),
    ({"meter": "m", "at": "2026-01-01T00:00:00Z", "metric": "power_w", "value": 1.0, "channel": -1},
     "readings[0].channel"),
    ({"meter": "m", "at": "2026-01-01T00:00:00Z", "metric": "power_w"}, "readings[0].value"),
])
async def test_bad_ingest_input_names_the_field(client: AsyncTestClient, make_key: Callable[..., Awaitable[Any]],
                                                reading: dict[str, Any], field: str) -> None:
    ops = await make_key(Role.OPS, name="ingest ops")
    answer = await client.post("/v1/metering/readings", headers=ops.headers, json={"readings": [reading]})
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == field


async def test_a_reading_in_the_future_is_refused(client: AsyncTestClient, run_in_app: Callable[..., Awaitable[Any]],
                                                  make_key: Callable[..., Awaitable[Any]]) -> None:
    ops = await make_key(Role.OPS, name="future ops")
    key = f"bms-{uuid4().hex[:8]}"
    await run_in_app(sync_meters, [DiscoveredMeter(key=key, name=key, netbox_device_id=None, host="",
                                                   source=MeterSource.PUSH)], deactivate_missing=False)
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    answer = await client.post("/v1/metering/readings", headers=ops.headers, json={"readings": [
        {"meter": key, "at": "2026-01-01T00:00:00Z", "metric": "power_w", "value": 1.0},
        {"meter": key, "at": future, "metric": "power_w", "value": 1.0}]})
    assert answer.status_code == 422 and answer.json()["field"] == "readings[1].at"
