"""Real processes the fault tests start, break and clean up: `colo serve` and a PostgreSQL
cluster of their own.

Each helper's cleanup is safe to call twice and after a failure, so fixtures can always call it.
The shared NetBox and the shared PostgreSQL cluster ("main") are never touched.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

COLO = str(Path(sys.executable).with_name("colo"))
PG_VERSION = "15"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_fixed_port() -> int:
    """A free port below Linux's ephemeral range (32768+). A server that goes down on an ephemeral
    port can be "reached" by a client whose own outgoing port happens to be the same (a TCP
    self-connect) — an artefact no production database port shows."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port between 20000 and 32000")


def colo_env(*, database_url: str, netbox_url: str, netbox_token: str, secrets_dir: Path,
             env: str = "test", **extra: str) -> dict[str, str]:
    """Environment of a `colo` process: nothing inherited from the caller's COLO_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COLO_")}
    environ.update(
        COLO_ENV=env, COLO_DATABASE_URL=database_url, COLO_SECRETS_DIR=str(secrets_dir),
        COLO_LOG_LEVEL="WARNING", COLO_LOG_FORMAT="console", COLO_NETBOX_URL=netbox_url,
        COLO_NETBOX_TOKEN=netbox_token, COLO_NETBOX_STATE_FILE=str(secrets_dir / "no-netbox-state.json"),
    )
    environ.update(extra)
    return environ


def colo_command(*args: str, env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run([COLO, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"colo {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done.stdout


@dataclass
class ColoServer:
    """One `colo serve` process; its output goes to a file (a full pipe would stall it)."""

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
        raise AssertionError(f"colo serve did not answer /healthz within {ready_within} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""


@dataclass
class OwnPostgres:
    """A PostgreSQL cluster of this test alone (Debian's pg_createcluster), dropped afterwards,
    so it can be stopped and restarted without touching the shared cluster."""

    name: str = field(default_factory=lambda: f"colofaults{uuid.uuid4().hex[:6]}")
    port: int = field(default_factory=free_fixed_port)

    @property
    def server(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)
        assert done.returncode == 0, f"{' '.join(args)} failed: {done.stdout[-1000:]} {done.stderr[-2000:]}"

    def create(self) -> OwnPostgres:
        for tool in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster"):
            assert shutil.which(tool), f"{tool} is missing (Debian's postgresql-common provides it)"
        self._run("pg_createcluster", PG_VERSION, self.name, "-p", str(self.port), "--",
                  "--auth=trust", "--no-sync")
        self.start()
        return self

    def start(self) -> None:
        self._run("pg_ctlcluster", PG_VERSION, self.name, "start")

    def stop(self) -> None:
        self._run("pg_ctlcluster", PG_VERSION, self.name, "stop", "-m", "fast")

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", PG_VERSION, self.name, "--stop"], capture_output=True, timeout=120,
                       check=False)
