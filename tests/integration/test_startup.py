"""The real `colo` CLI: migrations on both engines, start-up on both, bad settings stop it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from colo.migrate import ensure_postgres_database
from devtools.netbox.paths import NetBoxState
from tests.conftest import PG_SERVER, drop_database
from tests.servers import COLO, ColoServer, colo_env, free_port


def _env(tmp_path: Path, database_url: str, netbox: NetBoxState | None, **extra: str) -> dict[str, str]:
    return colo_env(database_url=database_url, secrets_dir=tmp_path / "secrets",
                    netbox_url=netbox.url if netbox else "", netbox_token=netbox.token if netbox else "", **extra)


def _migrate(env: dict[str, str]) -> str:
    """`colo db migrate` at log level INFO; its report is a log line (stderr), like all its output."""
    done = subprocess.run([COLO, "db", "migrate"], env={**env, "COLO_LOG_LEVEL": "INFO"}, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", done.stdout
    return done.stderr


def _schema_sqlite(path: Path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall())


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], str]]:
    """`url = serve(env)`: a real `colo serve`, stopped after the test even when it fails."""
    started: list[ColoServer] = []

    def start(env: dict[str, str]) -> str:
        server = ColoServer(env=env, log_path=tmp_path / f"serve-{len(started)}.log")
        started.append(server)
        return server.start().url

    yield start
    for server in started:
        server.stop()


def test_sqlite_migrations_apply_twice_without_change_and_the_app_serves(
    tmp_path: Path, netbox_state: NetBoxState, serve
) -> None:
    db_file = tmp_path / "colo.sqlite3"
    env = _env(tmp_path, f"sqlite:///{db_file}", netbox_state)
    first = _migrate(env)
    schema = _schema_sqlite(db_file)
    second = _migrate(env)
    assert "migrations applied for" in first
    assert "migrations applied" not in second and "database is up to date" in second
    assert _schema_sqlite(db_file) == schema
    assert any(name == "colo_tenant_data_key" for name, _ in schema)
    url = serve(env)
    ready = httpx.get(f"{url}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"]["ok"] is True


def test_postgres_migrations_apply_twice_and_the_app_serves(tmp_path: Path, netbox_state: NetBoxState) -> None:
    name = f"colo_start_{uuid.uuid4().hex[:8]}"
    env = _env(tmp_path, f"{PG_SERVER}/{name}", netbox_state)
    server = ColoServer(env=env, log_path=tmp_path / "serve.log")
    try:
        asyncio.run(ensure_postgres_database(env["COLO_DATABASE_URL"]))
        # Started before anyone migrated (a replica ahead of its migration job): out of rotation.
        unmigrated = httpx.get(f"{server.start().url}/readyz", timeout=30)
        assert unmigrated.status_code == 503, unmigrated.text
        body = unmigrated.json()
        assert body["status"] == "unavailable: schema" and body["checks"]["database"]["ok"] is True, body
        assert "migrations not applied" in body["checks"]["schema"]["detail"], body
        assert "colo db migrate" in body["checks"]["schema"]["detail"], body
        assert "migrations applied for" in _migrate(env)
        again = _migrate(env)
        assert "migrations applied" not in again and "database is up to date" in again
        ready = httpx.get(f"{server.url}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["schema"]["ok"] is True
        assert ready.json()["checks"]["netbox"]["ok"] is True
    finally:
        server.stop()  # before the drop: its pool would otherwise reconnect
        asyncio.run(drop_database(name))


@pytest.mark.parametrize(
    ("variable", "value"),
    [("COLO_PORT", "not-a-port"), ("COLO_DATABASE_URL", "oracle://db/colo"), ("COLO_LOG_FORMAT", "yaml")],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(tmp_path: Path, variable: str, value: str) -> None:
    env = _env(tmp_path, "sqlite:///" + str(tmp_path / "x.sqlite3"), None, **{variable: value})
    done = subprocess.run([COLO, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert variable in lines[0]
    assert "invalid" in lines[0]


def test_readyz_stays_200_degraded_naming_netbox_when_the_launcher_stops_it(tmp_path: Path, serve) -> None:
    """A second NetBox instance (same install, own port and state file) is started and stopped
    by the real launcher, so the shared one keeps serving other tests."""
    port = free_port()
    state_file = tmp_path / "netbox-state.json"
    launcher_env = {**os.environ, "COLO_NETBOX_STATE_FILE": str(state_file)}
    up = subprocess.run([COLO, "netbox", "up", "--port", str(port)], env=launcher_env,
                        capture_output=True, text=True, timeout=300, check=False)
    assert up.returncode == 0, up.stderr
    state = NetBoxState.read(state_file)
    assert state is not None and state.port == port
    try:
        env = _env(tmp_path, "sqlite:///" + str(tmp_path / "r.sqlite3"), None,
                   COLO_NETBOX_URL=state.url, COLO_NETBOX_TOKEN=state.token, COLO_NETBOX_CONNECT_TIMEOUT="1")
        _migrate(env)
        url = serve(env)
        assert httpx.get(f"{url}/readyz", timeout=30).status_code == 200
        down = subprocess.run([COLO, "netbox", "down"], env=launcher_env, capture_output=True, text=True,
                              timeout=60, check=False)
        assert down.returncode == 0, down.stderr
        # /readyz reuses its NetBox check for a few seconds (AppServices.netbox_probe): ask until it
        # has looked again; every answer meanwhile is 200 too.
        deadline = time.monotonic() + 30
        while True:
            response = httpx.get(f"{url}/readyz", timeout=30)
            assert response.status_code == 200, response.text  # reads work from the read model: stays in rotation
            if not response.json()["checks"]["netbox"]["ok"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert "retry-after" not in response.headers
        body = response.json()
        assert body["status"].startswith("degraded: ") and "netbox" in body["degraded"]
        assert body["checks"]["netbox"]["ok"] is False
        assert body["checks"]["database"]["ok"] is True
    finally:
        subprocess.run([COLO, "netbox", "down"], env=launcher_env, capture_output=True, timeout=60, check=False)


def test_json_logs_are_one_object_per_line_uvicorn_included_none_twice(tmp_path: Path) -> None:
    """COLO_LOG_FORMAT=json: every line the process writes — Colo's, uvicorn's, the migrations' and
    the warnings of a NetBox that is not there — is one JSON object, and uvicorn's start-up line
    is written once (not again by a handler of uvicorn's own)."""
    env = _env(tmp_path, "sqlite:///" + str(tmp_path / "j.sqlite3"), None, COLO_LOG_FORMAT="json",
               COLO_LOG_LEVEL="INFO", COLO_NETBOX_URL=f"http://127.0.0.1:{free_port()}", COLO_NETBOX_TOKEN="nbt_x.y")
    migrate = subprocess.run([COLO, "db", "migrate"], env=env, capture_output=True, text=True, timeout=180,
                             check=False)
    assert migrate.returncode == 0, migrate.stderr
    server = ColoServer(env=env, log_path=tmp_path / "json.log")
    try:
        server.start()
        assert httpx.get(f"{server.url}/no/such/page", timeout=10).status_code == 404
    finally:
        server.stop()
    lines = [line for line in (migrate.stdout + migrate.stderr + server.log_path.read_text()).splitlines()
             if line.strip()]
    events = []
    for line in lines:
        parsed = json.loads(line)  # raises on a plain-text line
        assert isinstance(parsed, dict) and "event" in parsed and "level" in parsed, line
        events.append(parsed["event"])
    assert any("migrations applied" in e or "up to date" in e for e in events), events
    started = [e for e in events if "Application startup complete" in e]
    assert len(started) == 1, events
