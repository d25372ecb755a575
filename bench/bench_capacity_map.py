"""The ops capacity map at 2 000 racks: server time of /ops/capacity (one hall of 200 racks drawn,
the site's 2 000 read to list its halls, a capacity search lighting racks up) beside GET /v1/racks
over the same plant, measured in the same run.

Set-up: the portal bench's plant (bench.bench_portal: 2 000 synthetic racks at one site in ten
halls, two feeds each, reservations) in a throwaway PostgreSQL database, an enrolled ops account
with a live session and an ops API key. NetBox is not involved. Time is the app's own, in-process
(bench.bench_portal.call: the ASGI call to the last byte), requests alternating page / API.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench.bench_portal import PG_SERVER, _percentiles, _prepare, call
from bench.harness import Measurement

BENCHMARK = "Ops capacity map at 2 000 racks"
HALL = "Hall 3"
SAME_HALL = "GET /v1/racks of the same hall (200 racks, one page)"
PAGES = 10  # GET /v1/racks pages of 200 (its largest) a client reads to see all 2 000 racks


async def _ops(app: Any, ring: Any) -> tuple[dict[str, str], dict[str, str]]:
    """An ops person's session cookie and an ops API key."""
    import pyotp

    from accounts import service
    from colo.identity import Role
    from tenants.keys import issue_key

    master = app.state.services.keys.master_key
    issued = await service.create_staff(email="bench-ops@example.com", role=Role.OPS, name="Bench Ops",
                                        created_by="bench", valid_hours=1)
    enrolment = await service.begin_enrolment(token=issued.token, master_key=master)
    account = await service.complete_enrolment(token=issued.token, password="a long bench passphrase 42",
                                               code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    runtime = app.state.web
    session_id = await runtime.sessions.create(account_id=account.id, tenant_id=None)
    key = await issue_key(ring=ring, name="bench ops", role=Role.OPS, tenant_id=None, created_by="bench")
    return {"Cookie": f"{runtime.session_cookie}={session_id}"}, {"Authorization": f"Bearer {key.api_key}"}


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
        await _prepare(app, app.state.web.ring)
        cookie, bearer = await _ops(app, app.state.web.ring)
        hall = HALL.replace(" ", "+")
        pairs: dict[str, tuple[str, str, dict[str, str], str]] = {
            "map": ("/ops/capacity", f"site_id=1&hall={hall}", cookie, 'class="rack-cell'),
            "map+search": ("/ops/capacity", f"site_id=1&hall={hall}&units=4&kw=2&redundant=true", cookie,
                           'id="placements"'),
            "racks api": ("/v1/racks", f"site_id=1&hall={hall}&limit=200", bearer, '"netbox_id"'),
        }
        for name, (path, query, headers, marker) in pairs.items():  # warm: pools, caches, templates
            for _ in range(5):
                answer = await call(app, path, headers=headers, query=query)
            if answer.status != 200 or marker.encode() not in answer.body:
                raise RuntimeError(f"{name} answered {answer.status}: {answer.body[:300]!r}")
        if (await call(app, "/ops/capacity", headers=cookie, query=f"site_id=1&hall={hall}")).body.count(
                b'class="rack-cell') != 200:
            raise RuntimeError("the map does not draw the hall's 200 racks")
        timings: dict[str, list[float]] = {name: [] for name in [*pairs, "all racks api"]}
        for _ in range(rounds):
            for name, (path, query, headers, _marker) in pairs.items():
                answer = await call(app, path, headers=headers, query=query)
                if answer.status != 200:
                    raise RuntimeError(f"{name} answered {answer.status}")
                timings[name].append(answer.ms)
            total, query = 0.0, "site_id=1&limit=200"
            for _page in range(PAGES):  # every rack through the API: follow the cursor
                answer = await call(app, "/v1/racks", headers=bearer, query=query)
                total += answer.ms
                cursor = json.loads(answer.body)["next_cursor"]
                if answer.status != 200 or cursor is None:
                    break
                query = f"site_id=1&limit=200&cursor={cursor}"
            timings["all racks api"].append(total)
    return {name: _percentiles(values) for name, values in timings.items()}


async def _run(rounds: int) -> dict[str, tuple[float, float]]:
    from colo.migrate import drop_postgres_database

    url = f"{PG_SERVER}/colo_bench_map_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="colo-bench-map-") as tmp:
        try:
            return await _measure(url, Path(tmp) / "secrets", rounds=rounds)
        finally:
            await drop_postgres_database(url)


def _ms(p50: float, p95: float) -> str:
    return f"{p50:.1f} / {p95:.1f} ms"


def run(*, quick: bool = False) -> list[Measurement]:
    rounds = 40 if quick else 200
    found = asyncio.run(_run(rounds))
    note = f"server time in-process, {rounds} alternating requests each; the hall drawn has 200 racks"
    base50, base95 = found["racks api"]
    return [
        Measurement(BENCHMARK, f"capacity map (/ops/capacity, {HALL}): p50 / p95", _ms(*found["map"]),
                    f"{found['map'][0] / base50:.1f}x", f"{SAME_HALL}: {_ms(base50, base95)}",
                    note=note),
        Measurement(BENCHMARK, "capacity map with a search (4U, 2 kW A+B): p50 / p95", _ms(*found["map+search"]),
                    f"{found['map+search'][0] / base50:.1f}x",
                    f"{SAME_HALL}: {_ms(base50, base95)}", note=note),
        Measurement(BENCHMARK, "capacity map vs every rack through the API: p50 / p95", _ms(*found["map"]),
                    f"{found['map'][0] / found['all racks api'][0]:.2f}x",
                    f"the {PAGES} GET /v1/racks pages of 200 for all 2 000 racks: {_ms(*found['all racks api'])}",
                    note=note),
    ]


if __name__ == "__main__":
    import sys

    from bench.harness import render

    print(render(run(quick="--quick" in sys.argv), machine="", mode="standalone"))
