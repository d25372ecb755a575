"""Metering: ingest of readings in batches (vs a bare batched INSERT of the same rows), one SNMP
poll round of N simulated PDUs (snmpsim agents on loopback; the poller's CPU share), and the
facility's monthly kWh per feed for 2 000 feeds from the daily roll-ups (vs a bare GROUP BY).

Runs against a throwaway PostgreSQL database. `python -m bench.bench_metering` prints the rows.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import Measurement
from colo.migrate import drop_postgres_database

PG_SERVER = os.environ.get("COLO_BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
INGEST_GOAL = 20_000  # readings/s
ROUND_GOAL_S = 60.0
EXPORT_GOAL_MS = 1000.0
FEEDS = 2000
PDUS, QUICK_PDUS = 2000, 400  # simulated PDUs in one poll round (the goal is for 2 000)


def _rows(meters: list[uuid.UUID], count: int, start: datetime) -> list[Any]:
    from metering.ingest import Row

    metrics = ("power_w", "energy_kwh", "current_a", "temperature_c")
    rows, step = [], 0
    while len(rows) < count:
        at = start + timedelta(seconds=60 * step)
        for n, meter in enumerate(meters):
            rows.append(Row(meter, 0, metrics[(step + n) % 4], at, 1000.0 + n))
            if len(rows) == count:
                break
        step += 1
    return rows


async def _ingest(url: str, readings: int) -> tuple[float, float]:
    import asyncpg

    from colo.db import bound_engine
    from metering.discovery import DiscoveredMeter, sync_meters
    from metering.ingest import dedup_key, store
    from metering.status import MeterSource
    from metering.tables import Meter, Reading

    async with bound_engine(url):
        await sync_meters([DiscoveredMeter(key=f"bench-{n}", name=f"bench {n}", netbox_device_id=None, host="",
                                           feed_id=n + 1, source=MeterSource.PUSH) for n in range(200)],
                          deactivate_missing=False)
        meters = [m["id"] for m in await Meter.select(Meter.id)]
        batch = 5000
        rows = _rows(meters, readings, datetime(2026, 1, 1, tzinfo=UTC))
        started = time.perf_counter()
        for i in range(0, len(rows), batch):
            await store(rows[i:i + batch])
        ours = len(rows) / (time.perf_counter() - started)
        await Reading.delete(force=True)
    conn = await asyncpg.connect(url)
    try:
        bare = [(uuid.uuid4(), r.meter_id, r.channel, r.metric, r.at, r.value,
                 dedup_key(r.meter_id, r.channel, r.metric, r.at)) for r in rows]
        started = time.perf_counter()
        for i in range(0, len(bare), batch):
            await conn.executemany("INSERT INTO metering_reading (id, meter_id, channel, metric, at, value, dedup) "
                                   "VALUES ($1, $2, $3, $4, $5, $6, $7)", bare[i:i + batch])
        baseline = len(bare) / (time.perf_counter() - started)
    finally:
        await conn.close()
    return ours, baseline


@dataclass(frozen=True, slots=True)
class PollFigures:
    pdus: int
    answered: int
    first_s: float  # the first round: every PDU's columns walked (GETBULK), its rows learnt
    wall_s: float  # a steady round: one GET of the learnt rows per PDU
    poller_cpu_s: float  # this process's CPU (user + system) during the steady round
    agents_cpu_s: float  # the snmpsim processes' CPU during the steady round
    first_agents_cpu_s: float  # theirs during the first round


def _cpu_of(pid: int) -> float:
    """A process's user + system CPU seconds, from /proc (the agents are other processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _poll(pdus: int, agents_count: int = 2) -> PollFigures:
    """Every PDU a distinct community (its own data file) on snmpsim processes of their own, so the
    poller's CPU (this process) is measured apart from the agents' (theirs, from /proc)."""
    from devtools.snmp_agents import PduProfile, SnmpAgent, free_udp_port
    from metering.community import community_key, seal
    from metering.config import SnmpCredentials
    from metering.snmp import Poller, Target

    per_agent = pdus // agents_count
    agents = [SnmpAgent(None, [PduProfile(f"pdu-{a}-{n}", power_w=2000 + n) for n in range(per_agent)],
                        port=free_udp_port()) for a in range(agents_count)]
    try:
        for agent in agents:
            agent.start(wait=900)
        master_key = os.urandom(32)  # the communities sealed as discovery stores them; unsealed per request
        key = community_key(master_key)
        targets = [Target(meter, "127.0.0.1", agent.port, sealed_community=seal(key, meter, profile.community))
                   for agent in agents for profile in agent.profiles for meter in (uuid.uuid4(),)]
        poller = Poller(credentials=SnmpCredentials(), timeout=10.0, concurrency=64, master_key=master_key)
        try:
            def agents_cpu() -> float:
                return sum(_cpu_of(a.process.pid) for a in agents if a.process)

            before, started = agents_cpu(), time.perf_counter()
            await poller.poll_round(targets)
            first, first_agents = time.perf_counter() - started, agents_cpu() - before
            cpu, before = _own_cpu(), agents_cpu()
            started = time.perf_counter()
            result = await poller.poll_round(targets)
            wall = time.perf_counter() - started
            return PollFigures(pdus=len(targets), answered=len(result.answered), first_s=first, wall_s=wall,
                               poller_cpu_s=_own_cpu() - cpu, agents_cpu_s=agents_cpu() - before,
                               first_agents_cpu_s=first_agents)
        finally:
            poller.close()
    finally:
        for agent in agents:
            agent.stop()


async def _export(url: str) -> tuple[float, float]:
    import asyncpg

    from colo.db import bound_engine
    from metering.billing import feed_kwh
    from metering.discovery import DiscoveredMeter, sync_meters
    from metering.status import MeterSource
    from metering.tables import Meter, Rollup

    async with bound_engine(url) as engine:
        await Meter.delete(force=True)
        await sync_meters([DiscoveredMeter(key=f"feed-{n}", name=f"feed {n}", netbox_device_id=None, host="",
                                           feed_id=n + 1, source=MeterSource.PUSH) for n in range(FEEDS)],
                          deactivate_missing=False)
        meters = [m["id"] for m in await Meter.select(Meter.id)]
        days = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=d) for d in range(31)]
        rows = [Rollup(id=uuid.uuid4(), resolution="1d", meter_id=m, channel=0, metric="energy_kwh", bucket=day,
                       mean=0.0, low=0.0, high=0.0, samples=1440, energy_kwh=48.0,
                       dedup=f"1d:{m.hex}:0:energy_kwh:{int(day.timestamp())}") for m in meters for day in days]
        for i in range(0, len(rows), 2000):  # 12 columns a row: under PostgreSQL's 32 767 parameters
            await Rollup.insert(*rows[i:i + 2000])
        await engine.run_ddl("ANALYZE")
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            result = await feed_kwh(month="2026-01")
            timings.append((time.perf_counter() - started) * 1000)
        assert len(result) == FEEDS
    conn = await asyncpg.connect(url)
    try:
        base = []
        for _ in range(5):
            started = time.perf_counter()
            await conn.fetch("SELECT m.feed_id, sum(r.energy_kwh) FROM metering_rollup r JOIN metering_meter m "
                             "ON m.id = r.meter_id WHERE r.resolution = '1d' AND r.metric = 'energy_kwh' "
                             "AND r.bucket >= '2026-01-01' AND r.bucket < '2026-02-01' GROUP BY m.feed_id")
            base.append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    return statistics.median(timings), statistics.median(base)


async def _run(quick: bool) -> dict[str, Any]:
    from colo.migrate import migrate

    name = f"colo_bench_metering_{uuid.uuid4().hex[:8]}"
    url = f"{PG_SERVER}/{name}"
    await migrate(url)
    try:
        ingest = await _ingest(url, 20_000 if quick else 100_000)
        export = await _export(url)
    finally:
        await drop_postgres_database(url)
    poll = await _poll(QUICK_PDUS if quick else PDUS)
    return {"ingest": ingest, "export": export, "poll": poll}


def run(*, quick: bool = False) -> list[Measurement]:
    r = asyncio.run(_run(quick))
    ours, bare = r["ingest"]
    poll: PollFigures = r["poll"]
    export, base = r["export"]
    return [
        Measurement(benchmark="Metering ingest (PostgreSQL, batches of 5 000)", metric="readings/s",
                    value=f"{ours:,.0f}", ratio=f"{ours / bare:.2f}x", baseline=f"bare INSERT: {bare:,.0f}/s",
                    goal=f">= {INGEST_GOAL:,}/s", met=ours >= INGEST_GOAL,
                    note="idempotent (ON CONFLICT on meter, channel, metric, instant) + latest values"),
        Measurement(benchmark="SNMP poll round (snmpsim APC rPDU2 on loopback, v2c)", metric=f"{poll.pdus:,} PDUs",
                    value=f"{poll.wall_s:.1f} s", ratio=f"{poll.wall_s / ROUND_GOAL_S:.2f}x",
                    baseline="the 60 s interval", goal="< 60 s",
                    met=poll.wall_s < ROUND_GOAL_S and poll.answered == poll.pdus,
                    note=f"{poll.answered:,} answered, {poll.pdus / poll.wall_s:,.0f} PDUs/s; poller CPU "
                         f"{poll.poller_cpu_s:.2f} s a round = {poll.poller_cpu_s * 100 / poll.wall_s:.0f} % of one "
                         f"core; the snmpsim agents {poll.agents_cpu_s:.1f} s on the same 2 cores; first round "
                         f"(rows learnt, then read) {poll.first_s:.1f} s, agents {poll.first_agents_cpu_s:.1f} s"),
        Measurement(benchmark="Monthly kWh per feed from daily roll-ups", metric=f"{FEEDS} feeds",
                    value=f"{export:.0f} ms", ratio=f"{export / base:.1f}x", baseline=f"bare GROUP BY: {base:.0f} ms",
                    goal=f"<= {EXPORT_GOAL_MS:.0f} ms", met=export <= EXPORT_GOAL_MS),
    ]


if __name__ == "__main__":
    for row in run(quick=os.environ.get("BENCH_QUICK") == "1"):
        print(f"{row.benchmark} | {row.metric}: {row.value} ({row.ratio} vs {row.baseline}) {row.goal} {row.note}")
