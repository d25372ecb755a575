"""Access log: appends/s and append→signed-checkpoint latency on PostgreSQL and SQLite, full
verification of a large log, proof sizes at one million entries.

Standalone: `python -m bench.bench_audit [--quick]`. Numbers are printed, never asserted.
Baselines in the same run: appends are compared with the same rows inserted without the tree
(bare COPY/executemany), verification with hashing the same bytes alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from audit import merkle
from audit.appender import append_batch
from audit.encoding import EntryDraft, encode_entry
from audit.keys import LogSigner
from audit.note import verifier_key
from audit.sequencer import Sequencer, now_us
from audit.store import LogStore, open_store
from audit.verify import export_source, verify, verify_database
from bench.harness import ROOT, Measurement
from colo.crypto import ed25519_from_seed
from colo.migrate import drop_postgres_database

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
ORIGIN = "bench.colo/access-log"
SEED = bytes(range(32))


def _signer() -> LogSigner:
    return LogSigner(origin=ORIGIN, key_id="b1", private=ed25519_from_seed(SEED))


def _draft(number: int) -> EntryDraft:
    return EntryDraft(
        time_us=now_us(), kind="api", action="GET /v1/tenants/{tenant_id}/racks/{rack_id}", outcome="allowed",
        status=200, request_id=uuid.uuid4().hex, actor_key_id=str(uuid.uuid4()),
        tenant_id="5f0c6a3e-8d0e-4d7b-9a55-1f3f1f6c2b10", role="tenant_member",
        objects={"tenant_id": "5f0c6a3e-8d0e-4d7b-9a55-1f3f1f6c2b10", "rack_id": str(number)},
        source="203.0.113.7", user_agent="colo-bench/1.0 (python-httpx)",
    )


def _migrate(url: str) -> None:
    subprocess.run([sys.executable, "-m", "colo.cli", "db", "migrate"], cwd=ROOT, check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "COLO_DATABASE_URL": url, "COLO_ENV": "test",
                        "COLO_SECRETS_DIR": tempfile.mkdtemp(prefix="colo-bench-")}, timeout=300)


async def _appends(store: LogStore, *, count: int, rate: float | None) -> tuple[float, list[float]]:
    """Submit `count` entries (at `rate`/s, or as fast as possible); returns (appends/s, latencies
    from submission to the first signed checkpoint covering the entry, in seconds)."""
    sequencer = Sequencer(store=store, signer=_signer())
    await sequencer.start()
    start_size = (await store.head()).size
    submitted: list[float] = []
    covered: list[float] = []
    drafts = [_draft(n) for n in range(count)]

    async def watch() -> None:
        while len(covered) < count:
            signed = (await store.head()).checkpoint_size - start_size
            now = time.perf_counter()
            while len(covered) < min(signed, len(submitted)):
                covered.append(now)
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    began = time.perf_counter()
    for number, draft in enumerate(drafts):
        if rate:
            delay = began + number / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        elif number % 256 == 0:
            await asyncio.sleep(0)
        submitted.append(time.perf_counter())
        sequencer.submit(draft)
    await sequencer.flush()
    committed = time.perf_counter() - began
    await asyncio.wait_for(watcher, timeout=30)
    await sequencer.stop()
    return count / committed, [c - s for c, s in zip(covered, submitted, strict=True)]


async def _bare_inserts(store: LogStore, count: int) -> float:
    """Baseline: the same entry rows inserted in batches of 256 without the tree or signing."""
    rows = [(10**9 + n, now_us(), "api", None, None, None, None, None, "GET /x", "", "allowed", 200, None,
             encode_entry(n, _draft(n)).decode()) for n in range(count)]
    began = time.perf_counter()
    for chunk in range(0, count, 256):
        async with store.writing() as writer:
            await writer.insert_entries(rows[chunk:chunk + 256])
    elapsed = time.perf_counter() - began
    return count / elapsed


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _engine_rows(label: str, url: str, *, quick: bool, goal_rate: int) -> list[Measurement]:
    store = await open_store(url)
    try:
        burst = 5_000 if quick else 20_000
        throughput, _ = await _appends(store, count=burst, rate=None)
        steady_rate = goal_rate
        steady_count = int(steady_rate * (2 if quick else 5))
        achieved, latencies = await _appends(store, count=steady_count, rate=steady_rate)
        size = (await store.head()).size
        began = time.perf_counter()
        report = await verify_database(store=store, keys=[verifier_key(ORIGIN, ed25519_from_seed(SEED))],
                                       origin=ORIGIN)
        verify_seconds = time.perf_counter() - began
    finally:
        await store.close()
    p99 = _p99(latencies)
    return [
        Measurement(benchmark="audit", metric=f"verify from the database, {label}, {size:,} entries",
                    value=f"{verify_seconds:.1f} s", note=f"{report.checkpoints} checkpoints; "
                    + ("ok" if report.ok else report.summary())),
        Measurement(benchmark="audit", metric=f"appends/s, {label} (burst of {burst})", value=f"{throughput:,.0f}/s",
                    goal=f"≥{goal_rate:,}/s", met=throughput >= goal_rate),
        Measurement(benchmark="audit", metric=f"append→signed checkpoint p99, {label} at {steady_rate:,}/s",
                    value=f"{p99 * 1000:.0f} ms", note=f"median {statistics.median(latencies) * 1000:.0f} ms, "
                    f"sustained {achieved:,.0f}/s", goal="≤1000 ms", met=p99 <= 1.0),
    ]


def _write_export(path: Path, count: int) -> tuple[int, bytes, str]:
    """A JSONL export of `count` entries and the signed checkpoint over it."""
    tree = merkle.CompactRange()
    template = _draft(0)
    with path.open("wb") as fh:
        for index in range(count):
            body = encode_entry(index, template)
            fh.write(body + b"\n")
            tree.append(merkle.leaf_hash(body))
    root = tree.root()
    return count, root, _signer().sign(count, root)


async def _verify_rows(*, quick: bool) -> list[Measurement]:
    count = 200_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / "export.jsonl"
        size, root, note = _write_export(export, count)
        began = time.perf_counter()
        with export.open("rb") as fh:
            for line in fh:
                hashlib.sha256(line).digest()
        hashing = time.perf_counter() - began
        began = time.perf_counter()
        report = await verify(source=export_source(export), notes=[(size, root, note)],
                              keys=[verifier_key(ORIGIN, ed25519_from_seed(SEED))], origin=ORIGIN)
        elapsed = time.perf_counter() - began
    projected = elapsed * 1_000_000 / count
    return [Measurement(
        benchmark="audit", metric=f"full verify of {count:,} entries (export)", value=f"{elapsed:.1f} s",
        ratio=f"{elapsed / hashing:.1f}x", baseline=f"SHA-256 of the same lines {hashing:.1f} s",
        goal="≤30 s per 1,000,000", met=report.ok and projected <= 30,
        note=("ok" if report.ok else report.summary()) + ("" if count == 1_000_000 else
                                                          f"; ≈{projected:.0f} s per million"),
    )]


async def _million_in_database(url: str, count: int) -> list[Measurement]:
    """Load `count` entries straight through the appender (batches of 10,000, no request path),
    then verify the whole log from the database."""
    store = await open_store(url)
    try:
        template = _draft(0)
        began = time.perf_counter()
        for _ in range(0, count, 10_000):
            await append_batch(store, [template] * 10_000, signer=_signer(), now_us=now_us(),
                               checkpoint_interval_us=0)
        loading = time.perf_counter() - began
        keys = [verifier_key(ORIGIN, ed25519_from_seed(SEED))]
        began = time.perf_counter()
        report = await verify_database(store=store, keys=keys, origin=ORIGIN, check_columns=False)
        elapsed = time.perf_counter() - began
        began = time.perf_counter()
        columns = await verify_database(store=store, keys=keys, origin=ORIGIN)
        with_columns = time.perf_counter() - began
    finally:
        await store.close()
    return [
        Measurement(benchmark="audit", metric=f"full verify of {report.entries:,} entries (PostgreSQL)",
                    value=f"{elapsed:.1f} s", goal="≤30 s", met=report.ok and elapsed <= 30,
                    note=("ok" if report.ok else report.summary()) + f"; {report.checkpoints} checkpoints; "
                    f"loading took {loading:.0f} s"),
        Measurement(benchmark="audit", metric="… plus every search column checked against the bytes",
                    value=f"{with_columns:.1f} s", note="ok" if columns.ok else columns.summary()),
    ]


def _proof_rows() -> list[Measurement]:
    size = 1_000_000
    inclusion = max(len(merkle.inclusion_ranges(i, size)) for i in range(0, size, 997)) * 32
    consistency = max(len(merkle.consistency_ranges(m, size)) for m in range(1, size, 1009)) * 32
    reads = max(len(merkle.nodes_for(merkle.inclusion_ranges(i, size))) for i in range(0, size, 997))
    return [
        Measurement(benchmark="audit", metric="inclusion proof at 1,000,000 entries (max)", value=f"{inclusion} bytes",
                    note=f"{reads} stored nodes read", goal="≤640 bytes", met=inclusion <= 640),
        Measurement(benchmark="audit", metric="consistency proof to 1,000,000 entries (max)",
                    value=f"{consistency} bytes", goal="≤672 bytes", met=consistency <= 672),
    ]


async def _run(quick: bool) -> list[Measurement]:
    rows: list[Measurement] = []
    name = f"colo_bench_audit_{uuid.uuid4().hex[:8]}"
    pg_url = f"{PG_SERVER}/{name}"
    _migrate(pg_url)
    try:
        rows += await _engine_rows("PostgreSQL", pg_url, quick=quick, goal_rate=3000)
        if not quick:
            rows += await _million_in_database(pg_url, 1_000_000)
        store = await open_store(pg_url)
        baseline = await _bare_inserts(store, 5_000)
        await store.close()
        appends = next(r for r in rows if r.metric.startswith("appends/s, PostgreSQL"))
        appends.baseline = f"bare batched INSERT of the rows {baseline:,.0f}/s"
        appends.ratio = f"{float(appends.value.rstrip('/s').replace(',', '')) / baseline:.2f}x"
    finally:
        await drop_postgres_database(f"{PG_SERVER}/{name}")
    with tempfile.TemporaryDirectory() as scratch:
        sqlite_url = f"sqlite:///{scratch}/bench.sqlite3"
        _migrate(sqlite_url)
        rows += await _engine_rows("SQLite", sqlite_url, quick=quick, goal_rate=1000)
    rows += await _verify_rows(quick=quick)
    rows += _proof_rows()
    return rows


def run(*, quick: bool = False) -> list[Measurement]:
    return asyncio.run(_run(quick))

