"""The dev NetBox launcher: idempotent, and exact about what is missing instead of hanging."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from devtools.netbox.paths import NetBoxState
from tests.servers import COLO, free_port


def _colo(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLO, *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_missing_postgres_is_named_with_the_command_that_starts_it(tmp_path: Path) -> None:
    started = time.monotonic()
    done = _colo("netbox", "up", PGPORT=str(free_port()), COLO_NETBOX_STATE_FILE=str(tmp_path / "s.json"))
    assert done.returncode == 2
    assert "PostgreSQL is not reachable at 127.0.0.1:" in done.stderr
    assert "pg_ctlcluster" in done.stderr
    assert time.monotonic() - started < 30


def test_missing_redis_is_named_with_the_command_that_starts_it(tmp_path: Path) -> None:
    done = _colo("netbox", "up", COLO_NETBOX_REDIS_PORT=str(free_port()),
                 COLO_NETBOX_STATE_FILE=str(tmp_path / "s.json"))
    assert done.returncode == 2
    assert "Redis is not reachable at 127.0.0.1:" in done.stderr
    assert "redis-server --daemonize yes" in done.stderr


def test_a_second_up_finds_the_running_netbox_quickly(netbox_state: NetBoxState) -> None:
    started = time.monotonic()
    done = _colo("netbox", "up")
    assert done.returncode == 0, done.stderr
    assert f"already running at {netbox_state.url}" in done.stderr  # a progress line: a log line
    assert time.monotonic() - started < 60
    status = _colo("netbox", "status")
    assert status.returncode == 0
    assert "up at" in status.stdout


def test_status_of_a_netbox_that_is_not_running(tmp_path: Path) -> None:
    done = _colo("netbox", "status", COLO_NETBOX_STATE_FILE=str(tmp_path / "none.json"))
    assert done.returncode == 1
    assert "not running" in done.stdout
