"""Checks for what the dev NetBox needs on this machine, each failing with the exact fix."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path


class LauncherError(RuntimeError):
    """A launcher step failed; the message says what is missing and how to fix it."""


PG_START_HINT = "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_START_HINT = (
    'start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" '
    "--appendonly no"
)


def pg_host() -> str:
    return os.environ.get("PGHOST", "127.0.0.1")


def pg_port() -> int:
    return int(os.environ.get("PGPORT", "5432"))


def pg_superuser() -> str:
    return os.environ.get("COLO_PG_SUPERUSER", "postgres")


def redis_host() -> str:
    return os.environ.get("COLO_NETBOX_REDIS_HOST", "127.0.0.1")


def redis_port() -> int:
    return int(os.environ.get("COLO_NETBOX_REDIS_PORT", "6379"))


def find_python312() -> Path:
    """The interpreter NetBox runs on: COLO_NETBOX_PYTHON, else pyenv's 3.12, else PATH."""
    candidates: list[str] = []
    if explicit := os.environ.get("COLO_NETBOX_PYTHON"):
        candidates.append(explicit)
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates.extend(sorted(str(p) for p in Path(pyenv_root).glob("versions/3.12.*/bin/python3.12")))
    if found := shutil.which("python3.12"):
        candidates.append(found)
    for candidate in candidates:
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                capture_output=True, text=True, timeout=20, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == "True":
            return Path(candidate)
    raise LauncherError(
        "NetBox 4.7 needs Python 3.12 and none runs here: install it (e.g. pyenv install 3.12) "
        "or set COLO_NETBOX_PYTHON to a python3.12 interpreter"
    )


def _tcp_open(host: str, port: int, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def check_postgres() -> None:
    for tool in ("psql", "pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            raise LauncherError(
                f"the PostgreSQL client tool {tool!r} is not on PATH: "
                "install it with: apt-get install postgresql-client"
            )
    if not _tcp_open(pg_host(), pg_port()):
        raise LauncherError(f"PostgreSQL is not reachable at {pg_host()}:{pg_port()}: {PG_START_HINT}")
    psql("SELECT 1")


def check_redis() -> None:
    host, port = redis_host(), redis_port()
    try:
        with socket.create_connection((host, port), timeout=3.0) as sock:
            sock.settimeout(3.0)
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError as exc:
        raise LauncherError(f"Redis is not reachable at {host}:{port} ({exc}): {REDIS_START_HINT}") from exc
    if not reply.startswith(b"+PONG"):
        raise LauncherError(f"Redis at {host}:{port} answered {reply!r} to PING instead of PONG")


def pg_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "5")
    return env


def psql(sql: str, *, database: str = "postgres") -> str:
    """Run one SQL statement as the superuser and return its unaligned output."""
    proc = subprocess.run(
        ["psql", "-h", pg_host(), "-p", str(pg_port()), "-U", pg_superuser(), "-d", database,
         "-v", "ON_ERROR_STOP=1", "-tAX", "-c", sql],
        capture_output=True, text=True, timeout=120, env=pg_env(), check=False,
    )
    if proc.returncode != 0:
        raise LauncherError(f"PostgreSQL refused {sql.split()[0]}: {proc.stderr.strip()}")
    return proc.stdout.strip()
