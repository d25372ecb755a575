"""Full NetBox → read-model sync of the demo datacenter, against the real NetBox.

Baseline (same run): fetching the same objects one GET at a time, estimated from NetBox's
own median latency for a single-object GET (`/api/dcim/racks/{id}/`). The ratio is how much
faster the bulk, field-trimmed, concurrent sync is than naive per-object reads.
`python -m bench.bench_sync` prints the rows.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid

from bench.harness import Measurement
from colo.migrate import drop_postgres_database

PG_SERVER = os.environ.get("COLO_BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
NETBOX_VERSION_SEEN = ""


async def _run(runs: int) -> tuple[list[tuple[int, float]], float, float, str]:
    from colo.db import bound_engine
    from colo.migrate import migrate
    from colo.settings import load_settings
    from dcim.netbox import gateway_from_settings
    from dcim.readmodel.sync import full_sync
    from devtools.demo.seed import seed_demo

    gateway = gateway_from_settings(load_settings())
    version = str((await gateway.status()).get("netbox-version", ""))
    seeded = await seed_demo(gateway)  # idempotent: a second run only reads
    rack_id = await gateway.call(lambda api: next(iter(api.dcim.racks.filter(limit=1))).id)
    latencies = []
    for _ in range(20):
        started = time.perf_counter()
        await gateway.call(lambda api: dict(api.dcim.racks.get(rack_id)), what="one rack")
        latencies.append((time.perf_counter() - started) * 1000)
    name = f"colo_bench_sync_{uuid.uuid4().hex[:8]}"
    url = f"{PG_SERVER}/{name}"
    await migrate(url)
    try:
        async with bound_engine(url):
            results = []
            for _ in range(runs):
                result = await full_sync(gateway)
                results.append((result.objects, result.seconds))
    finally:
        await drop_postgres_database(f"{PG_SERVER}/{name}")
    return results, statistics.median(latencies), seeded.seconds, version


def run(*, quick: bool = False) -> list[Measurement]:
    global NETBOX_VERSION_SEEN
    results, get_ms, seed_seconds, version = asyncio.run(_run(runs=2 if quick else 5))
    NETBOX_VERSION_SEEN = version
    objects = results[-1][0]
    seconds = statistics.median(s for _o, s in results)
    rate = objects / seconds
    naive_rate = 1000 / get_ms
    return [
        Measurement(benchmark="Full NetBox sync (demo site)", metric="objects/second",
                    value=f"{rate:.0f} objects/s ({objects} objects in {seconds:.2f} s)",
                    ratio=f"{rate / naive_rate:.0f}x", baseline=f"one GET per object: {naive_rate:.0f}/s "
                    f"({get_ms:.0f} ms each)"),
        Measurement(benchmark="Demo seed", metric="idempotent re-run (no changes)",
                    value=f"{seed_seconds:.1f} s", note="reads only; first run ~40 s"),
    ]


if __name__ == "__main__":
    for row in run(quick=False):
        print(f"{row.benchmark} — {row.metric}: {row.value} ({row.ratio} vs {row.baseline}) {row.note}")
