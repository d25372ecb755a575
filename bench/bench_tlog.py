"""Access log II: tile fetches over HTTP, witness cosigning, checkpoint latency with witnesses,
archive sealing and offline verification.

Standalone: `python -m bench.bench_tlog [--quick]`. Baselines in the same run: tile fetches
against `/healthz` of the same server from the same client process (bench.loadgen); checkpoint
latency with witnesses against the same appends without; archive verification against the
database verification of the same entries. The archive figures are measured at 100,000 entries
(20,000 quick) and extrapolated linearly to the issue's 1 M (both steps are linear in entries).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from audit.archive import seal, verify_archive
from audit.cosignature import WitnessKey
from audit.note import VerifierKey, verifier_key
from audit.sequencer import Sequencer
from audit.store import LogStore, open_store
from audit.verify import verify_database
from audit.witnessing import Cosigner, WitnessEndpoint
from bench.bench_audit import ORIGIN, PG_SERVER, SEED, _draft, _p99, _signer
from bench.harness import ROOT, Measurement, load
from colo.crypto import ed25519_from_seed
from colo.migrate import drop_postgres_database

COLO = str(Path(sys.executable).with_name("colo"))


def _keys() -> list[VerifierKey]:
    return [verifier_key(ORIGIN, ed25519_from_seed(SEED))]


def _port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _witness(directory: Path, name: str) -> tuple[subprocess.Popen[bytes], WitnessEndpoint]:
    key_file = directory / f"{name}.key"
    vkey = subprocess.run([COLO, "audit", "witness", "keygen", "--key", str(key_file), "--name", name],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    port = _port()
    proc = subprocess.Popen([COLO, "audit", "witness", "serve", "--state", str(directory / name), "--key",
                             str(key_file), "--listen", f"127.0.0.1:{port}", "--vkey", _keys()[0].vkey],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    proc.stdout.readline()  # "witness … listening on …"
    return proc, WitnessEndpoint(f"http://127.0.0.1:{port}", WitnessKey.parse(vkey))


async def _fill(store: LogStore, count: int, cosigner: Cosigner | None = None) -> None:
    sequencer = Sequencer(store=store, signer=_signer(), cosigner=cosigner)
    await sequencer.start()
    for n in range(count):
        sequencer.submit(_draft(n))
        if n % 2048 == 2047:
            await sequencer.flush()
    await sequencer.stop()


async def _latency(store: LogStore, *, rate: int, seconds: float, cosigner: Cosigner | None,
                   witnesses: int) -> list[float]:
    """Submission → a checkpoint covering the entry (carrying `witnesses` cosignatures), seconds."""
    sequencer = Sequencer(store=store, signer=_signer(), cosigner=cosigner)
    await sequencer.start()
    start = (await store.head()).size
    count = int(rate * seconds)
    submitted: list[float] = []
    covered: list[float] = []
    sql = ("SELECT coalesce(max(tree_size), 0) FROM (SELECT tree_size FROM audit_cosignature GROUP BY tree_size "
           "HAVING count(*) >= ?) AS w") if witnesses else "SELECT checkpoint_size FROM audit_head WHERE ? = 0"

    async def watch() -> None:
        while len(covered) < count:
            signed = int((await store.fetch(sql, witnesses))[0][0]) - start
            now = time.perf_counter()
            while len(covered) < min(signed, len(submitted)):
                covered.append(now)
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    began = time.perf_counter()
    for n in range(count):
        delay = began + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        submitted.append(time.perf_counter())
        sequencer.submit(_draft(n))
    await sequencer.flush()
    await asyncio.wait_for(watcher, timeout=60)
    await sequencer.stop()
    return [c - s for c, s in zip(covered, submitted, strict=True)]


async def _witness_rows(url: str, quick: bool, scratch: Path) -> list[Measurement]:
    procs = [_witness(scratch, f"bench-witness-{i}") for i in (1, 2)]
    try:
        store = await open_store(url)
        cosigner = Cosigner(store=store, witnesses=[w for _, w in procs], timeout=5)
        rounds: list[float] = []
        sequencer = Sequencer(store=store, signer=_signer(), checkpoint_interval=3600)
        await sequencer.start()
        for n in range(100 if quick else 300):
            sequencer.submit(_draft(n))
            size = await sequencer.checkpoint_now()
            began = time.perf_counter()
            lines = await cosigner.cosign(size)
            rounds.append(time.perf_counter() - began)
            assert len(lines) == 2, "a witness refused"
        await sequencer.stop()
        rate, seconds = 1000, (3.0 if quick else 8.0)
        without = await _latency(store, rate=rate, seconds=seconds, cosigner=None, witnesses=0)
        signed = await _latency(store, rate=rate, seconds=seconds, cosigner=cosigner, witnesses=0)
        cosigned = await _latency(store, rate=rate, seconds=seconds, cosigner=cosigner, witnesses=2)
        await cosigner.drain()
        await store.close()
    finally:
        for proc, _ in procs:
            proc.terminate()
            proc.wait(10)
    ordered = sorted(rounds)
    p50, p99 = statistics.median(ordered), _p99(ordered)
    base = _p99(without)
    return [
        Measurement(benchmark="access log II", metric="cosignature round trip, two local witnesses (p50 / p99)",
                    value=f"{p50 * 1000:.1f} / {p99 * 1000:.1f} ms", note=f"{len(rounds)} checkpoints, both "
                    "witnesses asked in parallel: consistency proof read, POST, cosignatures stored"),
        Measurement(benchmark="access log II", metric=f"append→signed checkpoint p99 at {rate}/s, witnesses on",
                    value=f"{_p99(signed) * 1000:.0f} ms", ratio=f"{_p99(signed) / base:.2f}x",
                    baseline=f"witnesses off {base * 1000:.0f} ms", goal="≤1 s", met=_p99(signed) <= 1.0),
        Measurement(benchmark="access log II", metric=f"append→checkpoint cosigned by both, p99 at {rate}/s",
                    value=f"{_p99(cosigned) * 1000:.0f} ms", ratio=f"{_p99(cosigned) / base:.2f}x",
                    baseline=f"signed, witnesses off {base * 1000:.0f} ms", goal="≤1 s", met=_p99(cosigned) <= 1.0),
    ]


async def _auditor_key(url: str, secrets: Path) -> str:
    from colo.identity import Role
    from colo.migrate import migrate
    from colo.secretstore import load_keys
    from colo.settings import Settings
    from tenants.keys import KeyRing, issue_key

    await migrate(url)
    ring = KeyRing.of(load_keys(Settings(env="test", database_url=url, secrets_dir=secrets)).api_key_peppers)
    return (await issue_key(ring=ring, name="bench auditor", role=Role.AUDITOR, created_by="bench")).api_key


def _tile_rows(url: str, secrets: Path, key: str, quick: bool) -> list[Measurement]:
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLO_")}
    env.update(COLO_ENV="test", COLO_DATABASE_URL=url, COLO_SECRETS_DIR=str(secrets), COLO_LOG_LEVEL="WARNING")
    proc = subprocess.Popen([COLO, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("colo serve did not start")
            time.sleep(0.2)
        seconds = 5.0 if quick else 15.0
        paths = {"full hash tile (8 KiB)": "/v1/access-log/tlog/tile/0/000",
                 "full entry bundle (256 entries)": "/v1/access-log/tlog/tile/entries/000"}
        for path in paths.values():
            assert httpx.get(f"{base}{path}", headers=headers, timeout=10).status_code == 200
        health = load(f"{base}/healthz", concurrency=8, requests=10**7, seconds=seconds)
        rows = []
        for what, path in paths.items():
            result = load(f"{base}{path}", concurrency=8, requests=10**7, seconds=seconds, headers=headers)
            rows.append(Measurement(
                benchmark="access log II", metric=f"GET {what}, 8 connections",
                value=f"{result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms",
                ratio=f"{result['rps'] / health['rps']:.2f}x",
                baseline=f"/healthz {health['rps']:.0f} req/s, p99 {health['p99_ms']:.1f} ms",
                note="authenticated, authorised and recorded in the access log like any read"))
        return rows
    finally:
        proc.terminate()
        proc.wait(30)


async def _archive_rows(url: str, entries: int, scratch: Path) -> list[Measurement]:
    store = await open_store(url)
    try:
        await _fill(store, entries - (await store.head()).size)
        began = time.perf_counter()
        sealed = await seal(store=store, directory=scratch / "archive", segment_entries=16_384)
        seal_s = time.perf_counter() - began
        covered = sealed[-1].end if sealed else 0
        began = time.perf_counter()
        database = await verify_database(store=store, keys=_keys(), origin=ORIGIN, check_columns=False)
        database_s = time.perf_counter() - began
    finally:
        await store.close()
    began = time.perf_counter()
    report = verify_archive(scratch / "archive", keys=_keys(), origin=ORIGIN, witnesses=[], required=0)
    verify_s = time.perf_counter() - began
    size = sum(s.path.stat().st_size for s in sealed)
    scale = 1_000_000 / max(covered, 1)
    return [
        Measurement(benchmark="access log II", metric=f"archive seal, {covered:,} entries in {len(sealed)} segments",
                    value=f"{seal_s:.1f} s ({covered / seal_s:,.0f} entries/s, {size / 2**20:.0f} MiB)",
                    note=f"1 M extrapolated: ~{seal_s * scale:.0f} s, ~{size * scale / 2**20:.0f} MiB"),
        Measurement(benchmark="access log II", metric=f"archive verify offline, {covered:,} entries",
                    value=f"{verify_s:.1f} s", ratio=f"{verify_s / database_s:.2f}x",
                    baseline=f"verify from the database, {database.entries:,} entries {database_s:.1f} s",
                    note=f"1 M extrapolated: ~{verify_s * scale:.0f} s; "
                         + ("ok" if report.ok else report.summary())),
    ]


async def _run(quick: bool) -> list[Measurement]:
    name = f"colo_bench_tlog_{uuid.uuid4().hex[:8]}"
    url = f"{PG_SERVER}/{name}"
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        try:
            key = await _auditor_key(url, scratch / "secrets")
            store = await open_store(url)
            await _fill(store, 2_000)
            await store.close()
            rows += await asyncio.to_thread(_tile_rows, url, scratch / "secrets", key, quick)
            rows += await _witness_rows(url, quick, scratch)
            rows += await _archive_rows(url, 20_000 if quick else 100_000, scratch)
        finally:
            await drop_postgres_database(url)
    return rows


def run(*, quick: bool = False) -> list[Measurement]:
    return asyncio.run(_run(quick))


if __name__ == "__main__":
    from bench.harness import render

    print(render(run(quick="--quick" in sys.argv), machine="", mode="quick" if "--quick" in sys.argv else "full"))
