"""Metering on the embedded default (SQLite), in a process of its own (table binding is
process-wide and the session's app is bound to PostgreSQL): readings stored idempotently, rolled
up, billed with the same numbers as on PostgreSQL, and pruned past retention."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio

SCRIPT = """
import asyncio, json, uuid, warnings
warnings.simplefilter("ignore")
from datetime import UTC, datetime, timedelta
from colo.db import bound_engine
from colo.migrate import migrate
from metering import billing, ingest, rollup
from metering.discovery import DiscoveredMeter, sync_meters
from metering.status import MeterSource
from metering.tables import Meter, Reading

async def main(url):
    await migrate(url)
    out = {}
    async with bound_engine(url):
        tenant = uuid.UUID(int=9)
        await sync_meters([DiscoveredMeter(key="m1", name="m1", netbox_device_id=None, host="", feed_id=5,
                                           tenant_id=tenant, contracted_w=1000, source=MeterSource.PUSH)])
        meter = (await Meter.select(Meter.id).first())["id"]
        start = datetime(2026, 1, 1, tzinfo=UTC)
        rows = [ingest.Row(meter, 0, m, start + timedelta(minutes=5 * k), v)
                for k in range(24) for m, v in (("energy_kwh", 10 + 0.25 * k), ("power_w", 3000.0))]
        out["first"] = (await ingest.store(rows)).accepted
        out["again"] = (await ingest.store(rows[:4])).duplicates
        await rollup.roll_up(start=start, end=start + timedelta(hours=2), gap_seconds=300)
        bill = await billing.monthly_bill(tenant_id=tenant, month="2026-01")
        out["kwh"] = bill.kwh
        out["over"] = bill.hours_over_contract
        out["feeds"] = await billing.feed_kwh(month="2026-01")
        out["pruned"] = await rollup.prune(now=start + timedelta(days=40))
        out["left"] = await Reading.count()
    return out

print(json.dumps(asyncio.run(main(__import__("os").environ["COLO_DATABASE_URL"]))))
"""


async def test_metering_on_sqlite(tmp_path: Path) -> None:
    env = {**os.environ, "COLO_ENV": "test", "COLO_DATABASE_URL": f"sqlite:///{tmp_path}/colo.sqlite3",
           "COLO_SECRETS_DIR": str(tmp_path / "secrets"), "COLO_LOG_LEVEL": "ERROR"}
    result = await anyio.run_process([sys.executable, "-c", SCRIPT], env=env, check=False, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    out = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert out["first"] == 48 and out["again"] == 4
    assert out["kwh"] == 23 * 0.25 and out["over"] == 2  # 00:00 and 01:00 at 3 kW over a 1 kW contract
    assert out["feeds"] == [[5, 5.75]]
    assert out["pruned"] > 0 and out["left"] == 0  # raw readings and 5-minute buckets past retention
