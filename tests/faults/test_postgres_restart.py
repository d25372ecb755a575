"""PostgreSQL stopped and started again under load, in a cluster of this test's own, behind a real
`colo serve`: meanwhile every answer is 200 or a 503 problem with Retry-After — never a 500,
never a hang — and Colo serves again afterwards without being restarted."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devtools.netbox.paths import NetBoxState
from tests.faults.servers import ColoServer, OwnPostgres, colo_command, colo_env

CLIENTS = 6
DOWN_SECONDS = 6
SLOWEST_ANSWER_SECONDS = 10  # "never hangs": no request may take longer than this
RECOVERY_LIMIT_SECONDS = 20
PATHS = ("/v1/orders", "/v1/racks", "/v1/tenants", "/v1/orders?state=provisioning")


@dataclass
class Answer:
    at: float
    path: str
    status: int
    seconds: float
    content_type: str = ""
    retry_after: str = ""
    detail: str = ""


async def _hammer(http: httpx.AsyncClient, headers: dict[str, str], lane: int, stop: asyncio.Event,
                  answers: list[Answer]) -> None:
    turn = lane
    while not stop.is_set():
        path = PATHS[turn % len(PATHS)]
        turn += 1
        started = time.monotonic()
        try:
            response = await http.get(path, headers=headers)
        except httpx.HTTPError as exc:  # a hang or a dropped connection is recorded, not hidden
            answers.append(Answer(started, path, 0, time.monotonic() - started, detail=repr(exc)))
            continue
        body = response.json() if "json" in response.headers.get("content-type", "") else {}
        answers.append(Answer(started, path, response.status_code, time.monotonic() - started,
                              response.headers.get("content-type", ""), response.headers.get("retry-after", ""),
                              str(body.get("detail", "")) if isinstance(body, dict) else ""))
        await asyncio.sleep(0.05)


@dataclass
class Timeline:
    stopped_at: float
    started_at: float
    recovered_at: float | None
    during_outage: httpx.Response
    ready_again: httpx.Response


async def _restart_under_load(postgres: OwnPostgres, http: httpx.AsyncClient, answers: list[Answer]) -> Timeline:
    await asyncio.sleep(3)
    await asyncio.to_thread(postgres.stop)
    stopped_at = time.monotonic()
    await asyncio.sleep(DOWN_SECONDS)
    during_outage = await http.get("/readyz")
    started_at = time.monotonic()
    await asyncio.to_thread(postgres.start)
    recovered_at = None
    while time.monotonic() < started_at + RECOVERY_LIMIT_SECONDS:  # recovered: the last 1.5 s all 200
        await asyncio.sleep(0.5)
        recent = [a for a in answers if a.at > time.monotonic() - 1.5]
        if recent and all(a.status == 200 for a in recent):
            last_failure = max((a.at for a in answers if a.status != 200), default=started_at)
            recovered_at = min(a.at for a in answers if a.at > last_failure)
            break
    await asyncio.sleep(2)
    return Timeline(stopped_at, started_at, recovered_at, during_outage, await http.get("/readyz"))


@pytest.mark.timeout(240)
async def test_postgres_restart_under_load_answers_503_then_recovers_without_restarting_colo(
    netbox_state: NetBoxState, tmp_path: Path,
) -> None:
    postgres = OwnPostgres()
    server: ColoServer | None = None
    try:
        await asyncio.to_thread(postgres.create)
        environ = colo_env(database_url=f"{postgres.server}/colo", netbox_url=netbox_state.url,
                           netbox_token=netbox_state.token, secrets_dir=tmp_path / "secrets")
        await asyncio.to_thread(colo_command, "db", "migrate", env=environ)
        key = (await asyncio.to_thread(colo_command, "keys", "create", "--role", "ops", "--name", "load",
                                       env=environ)).strip()
        server = await asyncio.to_thread(ColoServer(env=environ, log_path=tmp_path / "colo.log").start)
        pid = server.process.pid if server.process else 0
        headers = {"Authorization": f"Bearer {key}"}
        answers: list[Answer] = []
        stop = asyncio.Event()
        async with httpx.AsyncClient(base_url=server.url, timeout=SLOWEST_ANSWER_SECONDS) as http:
            lanes = [asyncio.create_task(_hammer(http, headers, lane, stop, answers)) for lane in range(CLIENTS)]
            try:
                timeline = await _restart_under_load(postgres, http, answers)
            finally:
                stop.set()
                await asyncio.gather(*lanes, return_exceptions=True)

        stopped_at, started_at, recovered_at = timeline.stopped_at, timeline.started_at, timeline.recovered_at
        statuses = sorted({a.status for a in answers})
        outage = [a for a in answers if stopped_at <= a.at <= started_at]
        print(f"\n{len(answers)} requests, statuses {statuses}; {sum(a.status == 503 for a in answers)} answered 503 "
              f"during a {started_at - stopped_at:.1f} s outage; slowest {max(a.seconds for a in answers):.2f} s; "
              f"serving again {((recovered_at or 0) - started_at):.1f} s after PostgreSQL started")
        assert not [a for a in answers if a.status not in (200, 503)], \
            [a for a in answers if a.status not in (200, 503)][:5]
        assert max(a.seconds for a in answers) < SLOWEST_ANSWER_SECONDS
        unavailable = [a for a in answers if a.status == 503]
        assert unavailable and any(a.status == 503 for a in outage), "the outage was never noticed"
        for answer in unavailable:
            assert answer.content_type.startswith("application/problem+json"), answer
            assert answer.retry_after.isdigit(), answer
            assert "database" in answer.detail.lower(), answer
        assert timeline.during_outage.status_code == 503
        assert timeline.during_outage.json()["checks"]["database"]["ok"] is False
        assert recovered_at is not None, "Colo did not serve again after PostgreSQL came back"
        assert timeline.ready_again.status_code == 200, timeline.ready_again.text
        assert server.process is not None and server.process.poll() is None and server.process.pid == pid
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
        await asyncio.to_thread(postgres.drop)
