"""The real `colo` CLI: migrations on both engines, start-up on both, bad settings stop it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from colo.devnetbox.paths import NetBoxState
from tests.conftest import PG_SERVER, drop_database

COLO = str(Path(sys.executable).with_name("colo"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path, database_url: str, netbox: NetBoxState | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLO_")}
    env.update(COLO_ENV="test", COLO_DATABASE_URL=database_url, COLO_SECRETS_DIR=str(tmp_path / "secrets"),
               COLO_LOG_LEVEL="WARNING", COLO_NETBOX_STATE_FILE=str(tmp_path / "no-state.json"))
    if netbox is not None:
        env.update(COLO_NETBOX_URL=netbox.url, COLO_NETBOX_TOKEN=netbox.token)
    env.update(extra)
    return env


def _migrate(env: dict[str, str]) -> str:
    done = subprocess.run([COLO, "db", "migrate"], env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _schema_sqlite(path: Path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall())


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    started: list[subprocess.Popen] = []

    def start(env: dict[str, str]) -> str:
        port = _free_port()
        proc = subprocess.Popen([COLO, "serve", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"colo serve exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("colo serve did not answer /healthz within 60 s")

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=20)


def test_sqlite_migrations_apply_twice_without_change_and_the_app_serves(
    tmp_path: Path, netbox_state: NetBoxState, serve
) -> None:
    db_file = tmp_path / "colo.sqlite3"
    env = _env(tmp_path, f"sqlite:///{db_file}", netbox_state)
    first = _migrate(env)
    schema = _schema_sqlite(db_file)
    second = _migrate(env)
    assert "migrations applied for" in first
    assert second.strip().endswith("database is up to date")
    assert _schema_sqlite(db_file) == schema
    assert any(name == "colo_tenant_data_key" for name, _ in schema)
    url = serve(env)
    ready = httpx.get(f"{url}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"]["ok"] is True


def test_postgres_migrations_apply_twice_and_the_app_serves(
    tmp_path: Path, netbox_state: NetBoxState, serve
) -> None:
    name = f"colo_start_{uuid.uuid4().hex[:8]}"
    env = _env(tmp_path, f"{PG_SERVER}/{name}", netbox_state)
    try:
        assert "migrations applied for" in _migrate(env)
        assert _migrate(env).strip().endswith("database is up to date")
        url = serve(env)
        ready = httpx.get(f"{url}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["netbox"]["ok"] is True
    finally:
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


def test_readyz_is_503_naming_netbox_when_the_launcher_stops_it(tmp_path: Path, serve) -> None:
    """A second NetBox instance (same install, own port and state file) is started and stopped
    by the real launcher, so the shared one keeps serving other tests."""
    port = _free_port()
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
        response = httpx.get(f"{url}/readyz", timeout=30)
        assert response.status_code == 503
        assert response.headers["retry-after"]
        body = response.json()
        assert body["status"] == "unavailable: netbox"
        assert body["checks"]["netbox"]["ok"] is False
        assert body["checks"]["database"]["ok"] is True
    finally:
        subprocess.run([COLO, "netbox", "down"], env=launcher_env, capture_output=True, timeout=60, check=False)
