"""What the portal benchmarks share (bench.bench_portal, bench.bench_capacity_map): a throwaway
PostgreSQL database with the app started on it, the 2 000-rack plant in the read model, a portal
person signed in, an API key, the in-process ASGI call they time and the alternating page / API
rounds with their percentiles.

Why a module of its own: both benchmarks set the same plant up and time requests the same way, so
their figures stay comparable when one of them changes. The plant: the capacity bench's synthetic
racks (bench.bench_capacity.synthetic_racks) with two supply feeds each, and reservations where
racks have reserved units — HELD racks (one dashboard page) held by the measured tenant, the rest
by NEIGHBOURS others. NetBox is not involved (an unreachable address: the read model's refresher
keeps the last data, as it does when NetBox is down).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_capacity import synthetic_racks

PG_SERVER = os.environ.get("COLO_BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
RACKS = 2000
HELD = 12  # racks the measured tenant holds: one dashboard page, each rack drawn
NEIGHBOURS = 20
BUYER_NETBOX_ID = 900_001
PASSPHRASE = "a long bench passphrase 42"

App = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
               Awaitable[None]]
Rows = list[dict[str, Any]]
Headers = dict[str, str]
Pair = tuple[str, str, Headers, str]  # path, query, headers, a marker the answer must contain


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    ms: float


async def call(app: App, path: str, *, headers: Headers, query: str = "") -> Answer:
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


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def ms(p50: float, p95: float) -> str:
    return f"{p50:.1f} / {p95:.1f} ms"


async def in_throwaway_database[T](name: str, measure: Callable[[str, Path], Awaitable[T]]) -> T:
    """`measure(database url, secrets dir)` on a database and a secrets folder made for it, both
    removed afterwards."""
    from colo.migrate import drop_postgres_database

    url = f"{PG_SERVER}/colo_bench_{name}_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix=f"colo-bench-{name}-") as tmp:
        try:
            return await measure(url, Path(tmp) / "secrets")
        finally:
            await drop_postgres_database(url)


@asynccontextmanager
async def started_app(database_url: str, secrets_dir: Path) -> AsyncIterator[Any]:
    """The app on a migrated database, NetBox unreachable, through its lifespan."""
    from api.app import create_app
    from colo.migrate import migrate
    from colo.settings import Settings

    await migrate(database_url)
    settings = Settings(env="test", database_url=database_url, secrets_dir=secrets_dir,
                        netbox_url="http://127.0.0.1:9", netbox_token="nbt_bench.unreachable",
                        netbox_connect_timeout=0.2, netbox_read_timeout=0.2, log_level="ERROR")
    app = create_app(settings)
    async with app.lifespan():
        yield app


def plant_rows(rng: random.Random) -> tuple[Rows, Rows, Rows, list[int]]:
    """Racks, feeds and reservations; and the ids of the racks the measured tenant holds."""
    racks = synthetic_racks(RACKS)
    now = datetime.now(UTC)
    feeds: Rows = []
    reservations: Rows = []
    held: list[int] = []
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


async def insert_plant() -> list[int]:
    """The plant in the read model (one site, "Bench DC", NetBox id 1); the measured tenant's racks."""
    from dcim.readmodel.cache import bump_generation
    from dcim.readmodel.store import insert_rows
    from dcim.tables import PlantPowerFeed, PlantRack, PlantReservation, PlantSite, PlantTenant

    now = datetime.now(UTC)
    racks, feeds, reservations, held = plant_rows(random.Random(3))
    await insert_rows(PlantSite, [{"netbox_id": 1, "name": "Bench DC", "slug": "bench-dc", "status": "active",
                                   "synced_at": now}])
    await insert_rows(PlantTenant, [{"netbox_id": BUYER_NETBOX_ID + n, "name": f"Bench Tenant {n}",
                                     "slug": f"bench-tenant-{n}", "synced_at": now} for n in range(NEIGHBOURS + 1)])
    await insert_rows(PlantRack, racks)
    await insert_rows(PlantPowerFeed, feeds)
    await insert_rows(PlantReservation, reservations)
    await bump_generation()
    return held


async def signed_in(app: Any, *, token: str, tenant_id: uuid.UUID | None) -> Headers:
    """The invited or created account behind `token` enrolled, and a live session's cookie."""
    import pyotp

    from accounts import service

    master = app.state.services.keys.master_key
    enrolment = await service.begin_enrolment(token=token, master_key=master)
    account = await service.complete_enrolment(token=token, password=PASSPHRASE,
                                               code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    runtime = app.state.web
    session_id = await runtime.sessions.create(account_id=account.id, tenant_id=tenant_id)
    return {"Cookie": f"{runtime.session_cookie}={session_id}"}


async def api_key(app: Any, *, name: str, role: Any, tenant_id: uuid.UUID | None) -> Headers:
    from tenants.keys import issue_key

    key = await issue_key(ring=app.state.web.ring, name=name, role=role, tenant_id=tenant_id, created_by="bench")
    return {"Authorization": f"Bearer {key.api_key}"}


async def warm(app: App, pairs: dict[str, Pair], *, times: int) -> None:
    """Each request `times` times (pools, caches, templates), the last answer checked for its marker."""
    for name, (path, query, headers, marker) in pairs.items():
        answer = Answer(0, b"", 0.0)
        for _ in range(times):
            answer = await call(app, path, headers=headers, query=query)
        if answer.status != 200 or marker.encode() not in answer.body:
            raise RuntimeError(f"{name} answered {answer.status}: {answer.body[:300]!r}")


async def alternate(app: App, pairs: dict[str, Pair], *, rounds: int,
                    extra: dict[str, Callable[[], Awaitable[float]]] | None = None) -> dict[str, tuple[float, float]]:
    """Every pair once per round, in turn (a busy moment on the machine hits them alike), then each
    `extra` measurement (a function that returns its own milliseconds); p50 and p95 of each."""
    more = extra or {}
    timings: dict[str, list[float]] = {name: [] for name in [*pairs, *more]}
    for _ in range(rounds):
        for name, (path, query, headers, _marker) in pairs.items():
            answer = await call(app, path, headers=headers, query=query)
            if answer.status != 200:
                raise RuntimeError(f"{name} answered {answer.status}")
            timings[name].append(answer.ms)
        for name, measure in more.items():
            timings[name].append(await measure())
    return {name: percentiles(values) for name, values in timings.items()}
