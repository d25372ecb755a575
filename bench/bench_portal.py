"""Portal pages at 2 000 racks: server time of the tenant dashboard and the rack page, each beside
the API endpoint that serves the same data to the same tenant, measured in the same run.

Set-up: a throwaway PostgreSQL database with 2 000 synthetic racks in the read model (the
capacity bench's plant: bench.bench_capacity.synthetic_racks), two supply feeds per rack, and
reservations where the racks have reserved units — twelve racks (one dashboard page) held by the
measured tenant, the rest by twenty neighbours. The tenant has an enrolled portal account with a
live session and a tenant-admin API key. NetBox is not involved (an unreachable address: the
read model's refresher keeps the last data, as it does when NetBox is down).

What is measured: the app's own time per request, in-process — the ASGI call from the request
to the last byte of the response, through every middleware, guard and the access log (on), with
no network or HTTP client in the figure. Requests alternate page / API, so a busy moment on the
machine hits both alike. A third row sets the dashboard beside every API call a client makes to
show the same content (the sum of their server times per round). `python -m bench.bench_portal` prints the rows.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_capacity import synthetic_racks
from bench.harness import Measurement

PG_SERVER = os.environ.get("COLO_BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
RACKS = 2000
HELD = 12  # racks the measured tenant holds: one dashboard page, each rack drawn
NEIGHBOURS = 20
BUYER_NETBOX_ID = 900_001
BENCHMARK = f"Portal pages at {RACKS:,} racks".replace(",", " ")
COMPOSITE = "api calls for the dashboard's content"
OPEN_ORDER_STATES = ("submitted", "in_review", "action_required", "approved", "provisioning", "failed",
                     "decommission_requested")

App = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
               Awaitable[None]]


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    ms: float


async def call(app: App, path: str, *, headers: dict[str, str], query: str = "") -> Answer:
    """One GET through the ASGI app; the time from the call to the last body byte."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "GET", "scheme": "https", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "client": ("127.0.0.1", 50000), "server": ("bench.local", 443),
        "headers": [(b"host", b"bench.local"), (b"accept-language", b"en")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    parts: list[bytes] = []
    status = 0
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if done.is_set():
            await asyncio.sleep(3600)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    started = time.perf_counter()
    await app(scope, receive, send)
    return Answer(status, b"".join(parts), (time.perf_counter() - started) * 1000)


Rows = list[dict[str, Any]]


def _plant_rows(rng: random.Random) -> tuple[Rows, Rows, Rows, list[int]]:
    """Racks, feeds and reservations; and the ids of the racks the measured tenant holds."""
    racks = synthetic_racks(RACKS)
    now = datetime.now(UTC)
    feeds, reservations, held = [], [], []
    for rack in racks:
        three_phase = rack["power_nominal_va"] > 10_000
        volts, amps, phase = (400, 32, "three-phase") if three_phase else (230, 16, "single-phase")
        for n, side in enumerate(("primary", "redundant")):
            feeds.append({
                "netbox_id": rack["netbox_id"] * 2 + n, "panel_id": 1 + n, "rack_id": rack["netbox_id"],
                "name": f"{rack['name']}-{'AB'[n]}", "status": "active", "side": side, "supply": "ac",
                "phase": phase, "voltage": volts, "amperage": amps, "max_utilization": 80,
                "nominal_va": rack["power_nominal_va"], "available_va": rack["power_sellable_va"],
                "allocated_w": rack["power_committed_va"] // 2, "tenant_id": None, "colo_order_id": "",
                "synced_at": now})
        units = [i + 1 for i, state in enumerate(rack["unit_states"]) if state in "rx"]
        if not units:
            continue
        if len(held) < HELD and rack["status"] == "active" and rack["netbox_id"] % 7 == 0:
            tenant = BUYER_NETBOX_ID
            held.append(rack["netbox_id"])
        else:
            tenant = BUYER_NETBOX_ID + 1 + rng.randrange(NEIGHBOURS)
        reservations.append({"netbox_id": rack["netbox_id"], "rack_id": rack["netbox_id"], "tenant_id": tenant,
                             "units": units, "status": "active", "description": "bench", "synced_at": now})
    if len(held) < HELD:
        raise RuntimeError(f"only {len(held)} racks of the synthetic plant can be the tenant's")
    return racks, feeds, reservations, held


async def _prepare(app: Any, ring: Any) -> tuple[dict[str, str], dict[str, str], list[int]]:
    """The plant in the read model; the tenant, its signed-in person (cookie) and its API key."""
    import pyotp

    from accounts import service
    from colo.identity import Principal, Role
    from dcim.readmodel.cache import bump_generation
    from dcim.readmodel.store import insert_rows
    from dcim.tables import PlantPowerFeed, PlantRack, PlantReservation, PlantSite, PlantTenant
    from tenants.keys import issue_key
    from tenants.lifecycle import provision_tenant

    now = datetime.now(UTC)
    racks, feeds, reservations, held = _plant_rows(random.Random(3))
    await insert_rows(PlantSite, [{"netbox_id": 1, "name": "Bench DC", "slug": "bench-dc", "status": "active",
                                   "synced_at": now}])
    await insert_rows(PlantTenant, [{"netbox_id": BUYER_NETBOX_ID + n, "name": f"Bench Tenant {n}",
                                     "slug": f"bench-tenant-{n}", "synced_at": now} for n in range(NEIGHBOURS + 1)])
    await insert_rows(PlantRack, racks)
    await insert_rows(PlantPowerFeed, feeds)
    await insert_rows(PlantReservation, reservations)
    await bump_generation()

    async def link(_tenant_id: uuid.UUID, _legal_name: str) -> int:
        return BUYER_NETBOX_ID

    tenant_id = uuid.uuid4()
    await provision_tenant(tenant_id=tenant_id, legal_name="Bench Buyer AG", registration_number="HRB00000001",
                           country="DE", link_netbox=link)
    master = app.state.services.keys.master_key
    ops = Principal(key_id="bench", role=Role.OPS, name="bench")
    issued = await service.invite(principal=ops, email="bench-person@example.com", name="Bench Person",
                                  role=Role.TENANT_ADMIN, valid_hours=1, tenant_id=tenant_id)
    enrolment = await service.begin_enrolment(token=issued.token, master_key=master)
    account = await service.complete_enrolment(token=issued.token, password="a long bench passphrase 42",
                                               code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    runtime = app.state.web
    session_id = await runtime.sessions.create(account_id=account.id, tenant_id=tenant_id)
    key = await issue_key(ring=ring, name="bench tenant admin", role=Role.TENANT_ADMIN, tenant_id=tenant_id,
                          created_by="bench")
    return ({"Cookie": f"{runtime.session_cookie}={session_id}"}, {"Authorization": f"Bearer {key.api_key}"},
            held)


def _percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def _measure(database_url: str, secrets_dir: Path, *, rounds: int) -> dict[str, tuple[float, float]]:
    from api.app import create_app
    from colo.migrate import migrate
    from colo.settings import Settings

    await migrate(database_url)
    settings = Settings(env="test", database_url=database_url, secrets_dir=secrets_dir,
                        netbox_url="http://127.0.0.1:9", netbox_token="nbt_bench.unreachable",
                        netbox_connect_timeout=0.2, netbox_read_timeout=0.2, log_level="ERROR")
    app = create_app(settings)
    async with app.lifespan():
        cookie, bearer, held = await _prepare(app, app.state.web.ring)
        rack = held[len(held) // 2]
        pairs: dict[str, tuple[str, str, dict[str, str], str]] = {
            "dashboard": ("/", "", cookie, 'class="rack-card"'),
            "racks api": ("/v1/racks", f"limit={HELD}", bearer, '"netbox_id"'),
            "rack page": (f"/racks/{rack}", "", cookie, "<svg"),
            "rack api": (f"/v1/racks/{rack}", "", bearer, '"units"'),
        }
        for name, (path, query, headers, marker) in pairs.items():  # warm: pools, caches, templates
            for _ in range(10):
                answer = await call(app, path, headers=headers, query=query)
            if answer.status != 200 or marker.encode() not in answer.body:
                raise RuntimeError(f"{name} answered {answer.status}: {answer.body[:300]!r}")
        if (await call(app, "/", headers=cookie)).body.count(b'class="rack-card"') != HELD:
            raise RuntimeError("the dashboard does not show the tenant's racks")
        # What an API client asks for to show the dashboard's content: the rack page, each rack's
        # detail (its elevation), the open orders by state, pending LOAs and upcoming visits.
        composite = [("/v1/racks", f"limit={HELD}")] + [(f"/v1/racks/{r}", "") for r in held] + [
            ("/v1/orders", f"state={state}&limit=50") for state in OPEN_ORDER_STATES] + [
            ("/v1/loas", "status=loa_pending&limit=50")] + [
            ("/v1/visits", f"status={status}&limit=50") for status in ("pending", "approved")]
        timings: dict[str, list[float]] = {name: [] for name in [*pairs, COMPOSITE]}
        for _ in range(rounds):
            for name, (path, query, headers, _marker) in pairs.items():
                answer = await call(app, path, headers=headers, query=query)
                if answer.status != 200:
                    raise RuntimeError(f"{name} answered {answer.status}")
                timings[name].append(answer.ms)
            total = 0.0
            for path, query in composite:
                answer = await call(app, path, headers=bearer, query=query)
                if answer.status != 200:
                    raise RuntimeError(f"{path}?{query} answered {answer.status}: {answer.body[:200]!r}")
                total += answer.ms
            timings[COMPOSITE].append(total)
    return {name: _percentiles(values) for name, values in timings.items()}


async def _run(rounds: int) -> dict[str, tuple[float, float]]:
    from colo.migrate import drop_postgres_database

    url = f"{PG_SERVER}/colo_bench_portal_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="colo-bench-portal-") as tmp:
        try:
            return await _measure(url, Path(tmp) / "secrets", rounds=rounds)
        finally:
            await drop_postgres_database(url)


def _ms(p50: float, p95: float) -> str:
    return f"{p50:.1f} / {p95:.1f} ms"


def run(*, quick: bool = False) -> list[Measurement]:
    rounds = 60 if quick else 300
    found = asyncio.run(_run(rounds))
    note = f"server time in-process, {rounds} alternating requests each, tenant holds {HELD} racks"
    rows = []
    for page, api, metric, baseline in (
        ("dashboard", "racks api", "dashboard (/): p50 / p95",
         f"GET /v1/racks?limit={HELD}, same tenant"),
        ("rack page", "rack api", "rack page (/racks/{id}): p50 / p95", "GET /v1/racks/{id}, same rack and tenant"),
    ):
        (p50, p95), (base50, base95) = found[page], found[api]
        rows.append(Measurement(BENCHMARK, metric, _ms(p50, p95), f"{p50 / base50:.1f}x",
                                f"{baseline}: {_ms(base50, base95)}", note=note))
    (p50, p95), (base50, base95) = found["dashboard"], found[COMPOSITE]
    rows.append(Measurement(
        BENCHMARK, "dashboard (/) vs every API call behind it: p50 / p95", _ms(p50, p95), f"{p50 / base50:.2f}x",
        f"the sum of {HELD + 11} API calls for the same content (rack list, {HELD} rack details, open orders by "
        f"state, pending LOAs, visits by status): {_ms(base50, base95)}", note=note))
    return rows


if __name__ == "__main__":
    import sys

    from bench.harness import render

    print(render(run(quick="--quick" in sys.argv), machine="", mode="standalone"))
