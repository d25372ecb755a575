"""Tenant rack read vs NetBox's own rack GET, the cost of auditing, and the framework ceiling.

Set-up (in-process, through the same services the API uses): a fresh PostgreSQL database, the
demo datacenter seeded and synced, a tenant holding four units in one rack (a real NetBox
reservation), and a tenant-admin key. Then two `colo serve` processes — access log on and off —
and the load generator in its own process against each, and against NetBox for the same rack
with the same concurrency. The servers are configured as compose.yaml and deploy/kubernetes run
them: with Redis (COLO_REDIS_URL) for rate limits, throttling and sessions, and behind a proxy
they trust (COLO_TRUSTED_PROXIES): every request, `/healthz` too, carries X-Forwarded-For.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import ROOT, Measurement, load

NETBOX_VERSION_SEEN = ""
PG_SERVER = os.environ.get("COLO_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
CONCURRENCY = 8
# As deployed (compose.yaml, deploy/kubernetes): Redis for limits and sessions. A database of its own.
REDIS_URL = os.environ.get("COLO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


@dataclass(slots=True)
class Fixture:
    database_url: str
    secrets_dir: Path
    netbox_url: str
    netbox_token: str
    rack_id: int
    tenant_key: str
    order_id: uuid.UUID


async def _prepare(database_url: str, secrets_dir: Path) -> Fixture:
    from colo.identity import Role
    from colo.migrate import migrate
    from colo.secretstore import load_keys
    from colo.settings import Settings
    from dcim.netbox import NetBoxGateway
    from dcim.netbox.provisioning import Provisioner
    from dcim.netbox.tenancy import ensure_netbox_tenant
    from dcim.readmodel.sync import full_sync, refresh_racks
    from dcim.tables import PlantRack
    from devtools.demo.plan import build_plant
    from devtools.demo.seed import seed_demo
    from devtools.netbox.launcher import running_state
    from devtools.netbox.paths import NetBoxPaths
    from tenants.keys import KeyRing, issue_key
    from tenants.lifecycle import provision_tenant

    state = running_state(NetBoxPaths.from_env())
    if state is None:
        raise RuntimeError("NetBox is not running: `colo netbox up` first")
    global NETBOX_VERSION_SEEN
    NETBOX_VERSION_SEEN = state.version
    await migrate(database_url)
    gateway = NetBoxGateway(url=state.url, token=state.token)
    plant = build_plant()
    await seed_demo(gateway, plant=plant)
    await full_sync(gateway)
    tenant_id = uuid.uuid4()

    async def link(tid: uuid.UUID, legal_name: str) -> int:
        return await ensure_netbox_tenant(gateway, colo_tenant_id=tid, legal_name=legal_name)

    tenant = await provision_tenant(tenant_id=tenant_id, legal_name=f"Bench Tenant {tenant_id.hex[:8]} AG",
                                    registration_number=f"HRB{tenant_id.int % 10**8:08d}", country="DE",
                                    link_netbox=link)
    provisioner = Provisioner(gateway)
    order_id = uuid.uuid4()
    demo_racks = [rack.name for rack in plant.racks]  # other racks may come and go (tests)
    rack_ids = [row["netbox_id"] for row in
                await PlantRack.select(PlantRack.netbox_id).where(PlantRack.name.is_in(demo_racks))]
    rack_id, units = await _free_units(provisioner, rack_ids)
    await provisioner.create_reservation(order_id=order_id, rack_id=rack_id, units=units,
                                         netbox_tenant_id=tenant.netbox_tenant_id, description="benchmark")
    await refresh_racks(gateway, [rack_id])
    settings = Settings(env="test", database_url=database_url, secrets_dir=secrets_dir)
    ring = KeyRing.of(load_keys(settings).api_key_peppers)
    issued = await issue_key(ring=ring, name="bench tenant admin", role=Role.TENANT_ADMIN,
                             tenant_id=tenant_id, created_by="bench")
    return Fixture(database_url=database_url, secrets_dir=secrets_dir, netbox_url=state.url,
                   netbox_token=state.token, rack_id=rack_id, tenant_key=issued.api_key, order_id=order_id)


async def _free_units(provisioner, rack_ids: list[int]) -> tuple[int, list[int]]:
    for rack_id in rack_ids[::-1]:  # the last racks of the demo are the emptiest
        rack = await provisioner.rack(rack_id)
        taken = set(rack.occupied) | set(rack.reserved)
        for start in rack.units:
            block = list(range(start, start + 4))
            if block[-1] in rack.units and not taken.intersection(block):
                return rack_id, block
    raise RuntimeError("no rack of the demo has four free contiguous units")


async def _cleanup(fixture: Fixture) -> None:
    from dcim.netbox import NetBoxGateway
    from dcim.netbox.provisioning import Provisioner

    await Provisioner(NetBoxGateway(url=fixture.netbox_url, token=fixture.netbox_token)).delete_reservation(
        fixture.order_id)
    from colo.migrate import drop_postgres_database

    await drop_postgres_database(fixture.database_url)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serve(fixture: Fixture, *, audit: bool):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLO_")}
    env.update(COLO_ENV="test", COLO_DATABASE_URL=fixture.database_url, COLO_SECRETS_DIR=str(fixture.secrets_dir),
               COLO_NETBOX_URL=fixture.netbox_url, COLO_NETBOX_TOKEN=fixture.netbox_token,
               COLO_LOG_LEVEL="WARNING", COLO_AUDIT_ENABLED="true" if audit else "false",
               COLO_REDIS_URL=REDIS_URL, COLO_TRUSTED_PROXIES="127.0.0.1/32")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("colo")), "serve", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"colo serve did not start: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:  # a NetBox call in a worker thread cannot be interrupted: give it its read timeout
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _fmt(result: dict) -> str:
    return f"{result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms"


def _median(results: list[dict]) -> dict:
    """The round with the median throughput (its latencies come along with it)."""
    return sorted(results, key=lambda r: r["rps"])[len(results) // 2]


def _paired(numerators: list[dict], denominators: list[dict]) -> float:
    """The median of the rounds' own ratios: each compares two runs a few seconds apart, so a busy
    moment on the machine (other tenants of a VM) skews one round, not the figure."""
    ratios = sorted(n["rps"] / d["rps"] for n, d in zip(numerators, denominators, strict=True))
    return ratios[len(ratios) // 2]


def _measure(fixture: Fixture, *, quick: bool) -> list[Measurement]:
    colo_n, netbox_n, rounds, seconds = (1000, 60, 3, 20.0) if quick else (5000, 300, 7, 60.0)
    forwarded = {"X-Forwarded-For": "203.0.113.7"}  # the client, as the trusted proxy reports it
    tenant = {"Authorization": f"Bearer {fixture.tenant_key}", **forwarded}
    path = f"/v1/racks/{fixture.rack_id}"
    netbox = load(f"{fixture.netbox_url}/api/dcim/racks/{fixture.rack_id}/", concurrency=CONCURRENCY,
                  requests=netbox_n, seconds=seconds, headers={"Authorization": f"Bearer {fixture.netbox_token}"})
    with _serve(fixture, audit=True) as on_url, _serve(fixture, audit=False) as off_url:
        body = httpx.get(f"{on_url}{path}", headers=tenant, timeout=10)
        body.raise_for_status()
        age = body.json()["freshness"]["data_age_seconds"]
        audited_runs, unaudited_runs, ceiling_runs = [], [], []
        for url in (on_url, off_url):  # warm-up: connection pools, caches, first checkpoint
            load(f"{url}{path}", concurrency=CONCURRENCY, requests=300, seconds=seconds, headers=tenant)
        # Rounds alternate between the two servers, so a busy moment on the machine hits both alike.
        for _ in range(rounds):
            audited_runs.append(load(f"{on_url}{path}", concurrency=CONCURRENCY, requests=colo_n,
                                     seconds=seconds, headers=tenant))
            unaudited_runs.append(load(f"{off_url}{path}", concurrency=CONCURRENCY, requests=colo_n,
                                       seconds=seconds, headers=tenant))
            ceiling_runs.append(load(f"{on_url}/healthz", concurrency=CONCURRENCY, requests=colo_n, seconds=seconds,
                                     headers=forwarded))
    audited, unaudited, ceiling = _median(audited_runs), _median(unaudited_runs), _median(ceiling_runs)
    for name, results in (("netbox", [netbox]), ("colo", audited_runs), ("colo-unaudited", unaudited_runs)):
        for result in results:
            if set(result["statuses"]) != {"200"}:  # JSON object keys are strings
                raise RuntimeError(f"{name} answered {result['statuses']}, not only 200")
    vs_netbox = audited["rps"] / netbox["rps"]
    audit_cost = _paired(audited_runs, unaudited_runs)
    share = _paired(audited_runs, ceiling_runs)
    rounds_note = f"median of {rounds} alternating rounds"
    ratio_note = f"the median of the {rounds} rounds' own ratios"
    return [
        Measurement("Tenant rack read", "throughput", _fmt(audited), f"{vs_netbox:.0f}x NetBox",
                    f"NetBox GET /api/dcim/racks/{{id}}/: {_fmt(netbox)}", "≥ 100x", vs_netbox >= 100,
                    note=f"concurrency {CONCURRENCY}, authenticated, audited, Redis and a trusted proxy configured, "
                         f"{rounds_note}"),
        Measurement("Tenant rack read", "p50 latency", f"{audited['p50_ms']:.1f} ms",
                    f"{netbox['p50_ms'] / audited['p50_ms']:.0f}x faster", f"NetBox p50 {netbox['p50_ms']:.1f} ms"),
        Measurement("Tenant rack read", "data age", f"{age:.1f} s", "", "", "≤ 60 s", age is not None and age <= 60),
        Measurement("Cost of auditing", "throughput with log on / off", _fmt(audited), f"{audit_cost:.2f}x",
                    f"access log off: {_fmt(unaudited)}", "≥ 0.8x", audit_cost >= 0.8,
                    note=f"{rounds_note}; ratio: {ratio_note}"),
        Measurement("Framework ceiling", "rack read / trivial endpoint", _fmt(ceiling), f"{share:.2f}x",
                    "GET /healthz on the same server", "≥ 0.5x", share >= 0.5,
                    note=f"the measured figure is /healthz's; the ratio is the audited rack read's, {ratio_note}"),
    ]


def run(*, quick: bool) -> list[Measurement]:
    with tempfile.TemporaryDirectory(prefix="colo-bench-") as tmp:
        database_url = f"{PG_SERVER}/colo_bench_{uuid.uuid4().hex[:8]}"
        fixture = asyncio.run(_prepare(database_url, Path(tmp) / "secrets"))
        try:
            return _measure(fixture, quick=quick)
        finally:
            asyncio.run(_cleanup(fixture))


if __name__ == "__main__":
    from bench.harness import render

    print(render(run(quick="--quick" in sys.argv), machine="", mode="standalone"))
