"""Real `colo serve` processes for the security tests (fuzzing, rate limits across processes),
each on a free port, with its output in a file; stopped by process group, never by name."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from colo.devnetbox.paths import NetBoxState
from colo.migrate import drop_postgres_database, ensure_postgres_database

COLO = str(Path(sys.executable).with_name("colo"))
PG_SERVER = os.environ.get("COLO_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def colo_env(*, database_url: str, netbox: NetBoxState, secrets_dir: Path, **extra: str) -> dict[str, str]:
    """A `colo` process environment that inherits none of the caller's COLO_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COLO_")}
    environ.update(
        COLO_ENV="test", COLO_DATABASE_URL=database_url, COLO_SECRETS_DIR=str(secrets_dir),
        COLO_LOG_LEVEL="WARNING", COLO_LOG_FORMAT="console", COLO_NETBOX_URL=netbox.url,
        COLO_NETBOX_TOKEN=netbox.token, COLO_NETBOX_STATE_FILE=str(secrets_dir / "no-netbox-state.json"),
    )
    environ.update(extra)
    return environ


async def create_database() -> tuple[str, str]:
    """A fresh, empty PostgreSQL database: (name, url). Migrate it with `migrate_in_subprocess`:
    migrating in this process would re-bind the tables the in-process app uses."""
    name = f"colo_sec_{uuid.uuid4().hex[:10]}"
    await ensure_postgres_database(f"{PG_SERVER}/{name}")
    return name, f"{PG_SERVER}/{name}"


def migrate_in_subprocess(env: dict[str, str]) -> None:
    colo_command("db", "migrate", env=env)


async def drop_database(name: str) -> None:
    await drop_postgres_database(f"{PG_SERVER}/{name}")


def colo_command(*args: str, env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run([COLO, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"colo {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done.stdout


@dataclass
class ColoServer:
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_within: float = 60) -> ColoServer:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([COLO, "serve", "--port", str(self.port)], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"colo serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"colo serve did not answer within {ready_within} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""
