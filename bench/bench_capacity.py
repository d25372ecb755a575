"""Capacity search over synthetic racks: 2 000 racks (goal < 50 ms), and growth 200 → 2 000 → 20 000.

Runs against a throwaway PostgreSQL database filled with a plausible plant: halls of 42U/47U
racks partly filled and reserved, A/B feeds of both kinds, meet-me-room panels per hall.
`python -m bench.bench_capacity` prints the same rows the bench table shows.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.harness import Measurement
from colo.migrate import drop_postgres_database
from dcim.power import Feed, available_va, nominal_va, rack_budget
from dcim.readmodel.units import counts, max_free_run, unit_states

PG_SERVER = os.environ.get("COLO_BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
GOAL_MS = 50.0
RACKS_PER_HALL = 200
MMR_LOCATION = 1_000_000
QUERY = {"units": 4, "kw": 2.0, "redundant": True, "mmr_ports": 2, "media": "smf", "limit": 10}


def synthetic_racks(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Rack rows as the read model stores them, with realistic fill (≈ 55 % of units taken)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        hall = n // RACKS_PER_HALL + 1
        height = 47 if hall % 2 == 0 else 42
        devices, unit = [], 1
        while unit <= height:
            size = rng.choice((1, 1, 2, 2, 4))
            if rng.random() < 0.55:
                devices.append((unit, size))
            unit += size + rng.choice((0, 0, 0, 1, 3))
        start = rng.randint(1, height)
        reserved = range(start, min(height, start + rng.choice((0, 4, 10, 20))) + 1) if rng.random() < 0.4 else ()
        states = unit_states(u_height=height, starting_unit=1, devices=devices, reserved=reserved)
        volts, amps, phase = rng.choice(((230, 16, "single-phase"), (400, 32, "three-phase")))
        load = rng.randint(0, 2500)
        feeds = [Feed(0, side, nominal_va(voltage=volts, amperage=amps, phase=phase),
                      available_va(voltage=volts, amperage=amps, phase=phase, max_utilization=80),
                      load // 2) for side in ("primary", "redundant")]
        budget, tally = rack_budget(feeds), counts(states)
        rows.append({
            "netbox_id": n + 1, "site_id": 1, "location_id": hall, "hall": f"Hall {hall}",
            "row": f"Hall {hall} Row {(n % RACKS_PER_HALL) // 20 + 1}", "name": f"H{hall}-R{n:05d}",
            "status": "active" if rng.random() < 0.95 else "planned", "role": "colocation",
            "tenant_id": None, "u_height": height, "starting_unit": 1, "unit_states": states,
            "free_units": tally["free"], "max_free_run": max_free_run(states),
            "occupied_units": tally["occupied"], "reserved_units": tally["reserved"],
            "power_nominal_va": budget.nominal_va, "power_sellable_va": budget.sellable_va,
            "power_committed_va": budget.committed_va, "power_free_va": budget.free_va,
            "power_redundant": budget.redundant, "synced_at": now,
        })
    return rows


Rows = list[dict[str, Any]]


def synthetic_mmr(halls: int, seed: int = 11) -> tuple[Rows, Rows, Rows]:
    """One meet-me-room SMF panel per hall, trunked to a zone panel in that hall."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    locations = [{"netbox_id": MMR_LOCATION, "site_id": 1, "parent_id": None, "name": "MMR", "slug": "mmr",
                  "is_meet_me_room": True, "synced_at": now}]
    devices, ports = [], []
    port_id = 1
    for hall in range(1, halls + 1):
        mmr, zone = 10_000 + hall, 20_000 + hall
        devices += [{"netbox_id": mmr, "name": f"MMR-H{hall}", "location_id": MMR_LOCATION, "role": "patch-panel",
                     "media": "smf", "tenant_id": None, "synced_at": now},
                    {"netbox_id": zone, "name": f"ZONE-H{hall}", "location_id": hall, "role": "patch-panel",
                     "media": "smf", "tenant_id": None, "synced_at": now}]
        for trunk in (1, 2):
            rear, zone_rear = port_id, port_id + 1
            port_id += 2
            ports += [{"netbox_id": rear, "kind": "rear", "device_id": mmr, "name": f"MPO{trunk}",
                       "port_type": "mpo", "positions": 12, "peer_port_id": zone_rear, "cable_id": rear,
                       "synced_at": now},
                      {"netbox_id": zone_rear, "kind": "rear", "device_id": zone, "name": f"MPO{trunk}",
                       "port_type": "mpo", "positions": 12, "peer_port_id": rear, "cable_id": rear,
                       "synced_at": now}]
            for position in range(1, 13):
                ports.append({"netbox_id": port_id, "kind": "front", "device_id": mmr,
                              "name": f"{(trunk - 1) * 12 + position}", "port_type": "lc-upc",
                              "rear_port_id": rear, "rear_position": position,
                              "cable_id": port_id if rng.random() < 0.5 else None, "synced_at": now})
                port_id += 1
    return locations, devices, ports


async def _measure(url: str, racks: int, runs: int) -> tuple[float, float, int]:
    from colo.db import bound_engine
    from dcim import capacity
    from dcim.readmodel.cache import ReadModelCache
    from dcim.readmodel.schemas import CapacityQuery
    from dcim.readmodel.store import insert_rows
    from dcim.sales import DEFAULT_RULES
    from dcim.tables import PlantDevice, PlantLocation, PlantPort, PlantRack

    async with bound_engine(url) as engine:
        for table in (PlantRack, PlantPort, PlantDevice, PlantLocation):
            await table.delete(force=True)
        await insert_rows(PlantRack, synthetic_racks(racks))
        locations, devices, ports = synthetic_mmr(max(1, racks // RACKS_PER_HALL))
        await insert_rows(PlantLocation, locations)
        await insert_rows(PlantDevice, devices)
        await insert_rows(PlantPort, ports)
        await engine.run_ddl("ANALYZE")
        query = CapacityQuery(**QUERY)  # type: ignore[arg-type]
        cache = ReadModelCache()
        for _ in range(3):  # warm the pool and the plan cache
            await capacity.search(query=query, rules=DEFAULT_RULES, buyer=None, cache=cache)
        timings, found = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            answer = await capacity.search(query=query, rules=DEFAULT_RULES, buyer=None, cache=cache)
            timings.append((time.perf_counter() - started) * 1000)
            found = answer.considered_racks
        timings.sort()
        return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], found


async def _run(sizes: tuple[int, ...], runs: int) -> dict[int, tuple[float, float, int]]:
    from colo.migrate import migrate

    name = f"colo_bench_capacity_{uuid.uuid4().hex[:8]}"
    url = f"{PG_SERVER}/{name}"
    await migrate(url)
    try:
        return {size: await _measure(url, size, runs) for size in sizes}
    finally:
        await drop_postgres_database(f"{PG_SERVER}/{name}")


def run(*, quick: bool = False) -> list[Measurement]:
    sizes = (200, 2000) if quick else (200, 2000, 20000)
    results = asyncio.run(_run(sizes, runs=20 if quick else 50))
    base_median = results[200][0]
    rows = []
    for size, (median, p95, considered) in results.items():
        rows.append(Measurement(
            benchmark="Capacity search (4U, 2 kW A/B, 2 SMF ports)", metric=f"{size} racks: median / p95",
            value=f"{median:.1f} / {p95:.1f} ms", ratio=f"{median / base_median:.2f}x",
            baseline=f"200 racks: {base_median:.1f} ms",
            goal=f"< {GOAL_MS:.0f} ms" if size == 2000 else "",
            met=(median < GOAL_MS) if size == 2000 else None,
            note=f"{considered} candidate racks",
        ))
    return rows


if __name__ == "__main__":
    for row in run(quick=False):
        print(f"{row.metric}: {row.value} ({row.ratio} vs {row.baseline}) {row.note} {row.goal}")
