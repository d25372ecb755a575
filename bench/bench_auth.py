"""API key authentication: what a key costs a request, on PostgreSQL.

Standalone: `python -m bench.bench_auth [--quick]`. Numbers are printed, never asserted.
Baselines in the same run: the same app answering a public route (no key), a bare `SELECT 1`
through the same connection pool, and the HMAC alone. The app runs in-process behind the
ASGI test client, so the figures are the server's own cost without network or HTTP parsing.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from bench.harness import Measurement
from colo.migrate import drop_postgres_database

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def _time_requests(client: Any, path: str, headers: dict[str, str], count: int) -> float:
    for _ in range(min(50, count)):  # warm-up
        await client.get(path, headers=headers)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
    return _median_ms(samples)


def _time_in_app(client: Any, fn: Callable[[], Awaitable[Any]], count: int) -> float:
    async def loop() -> float:
        started = time.perf_counter()
        for _ in range(count):
            await fn()
        return (time.perf_counter() - started) / count * 1000

    return client.blocking_portal.call(loop)


async def _run(quick: bool) -> list[Measurement]:
    warnings.simplefilter("ignore")
    from litestar.testing import AsyncTestClient
    from piccolo.querystring import QueryString

    from api.app import create_app
    from colo.identity import Role
    from colo.migrate import migrate
    from colo.settings import Settings
    from tenants.keyformat import key_digest, parse_key
    from tenants.keys import KeyRing, authenticate, issue_key

    requests = 300 if quick else 2000
    name = f"colo_bench_auth_{uuid.uuid4().hex[:8]}"
    url = f"{PG_SERVER}/{name}"
    await migrate(url)
    try:
        with tempfile.TemporaryDirectory() as secrets_dir:
            settings = Settings(env="test", database_url=url, secrets_dir=secrets_dir, log_level="ERROR",
                                audit_enabled=False)
            app = create_app(settings)
            async with AsyncTestClient(app=app) as client:
                ring = KeyRing.of(app.state.services.keys.api_key_peppers)
                issued = client.blocking_portal.call(lambda: issue_key(ring=ring, name="bench", role=Role.OPS))
                headers = {"Authorization": f"Bearer {issued.api_key}"}
                public = await _time_requests(client, "/healthz", {}, requests)
                keyed = await _time_requests(client, "/v1/auth/whoami", headers, requests)
                engine = app.state.services.engine
                select_one = _time_in_app(client, lambda: engine.run_querystring(QueryString("SELECT 1")), requests)
                auth_only = _time_in_app(
                    client, lambda: authenticate(token=issued.api_key, ring=ring, address="127.0.0.1"), requests)
        parsed = parse_key(issued.api_key)
        pepper = ring.peppers[ring.current_id]
        rounds = 20_000 if quick else 200_000
        started = time.perf_counter()
        for _ in range(rounds):
            key_digest(pepper, parsed.key_id, parsed.secret)
        hmac_us = (time.perf_counter() - started) / rounds * 1e6
    finally:
        await drop_postgres_database(f"{PG_SERVER}/{name}")
    overhead = keyed - public
    return [
        Measurement(benchmark="auth", metric="authenticated request (GET /v1/auth/whoami), median",
                    value=f"{keyed:.2f} ms", ratio=f"{keyed / public:.2f}x",
                    baseline=f"public /healthz {public:.2f} ms",
                    note=f"in-process, {requests} requests"),
        Measurement(benchmark="auth", metric="added by authentication + policy, median", value=f"{overhead:.2f} ms",
                    goal="< 2 ms", met=overhead < 2.0),
        Measurement(benchmark="auth", metric="authenticate() alone (one PK query + HMAC)", value=f"{auth_only:.2f} ms",
                    ratio=f"{auth_only / select_one:.2f}x", baseline=f"SELECT 1 via the pool {select_one:.2f} ms"),
        Measurement(benchmark="auth", metric="HMAC-SHA256 digest of a key", value=f"{hmac_us:.1f} µs",
                    note="no slow KDF: the secret has ~190 bits"),
    ]


def run(*, quick: bool = False) -> list[Measurement]:
    return asyncio.run(_run(quick))

