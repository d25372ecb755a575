"""Real `colo` processes for tests: `colo serve` on a free port with its output in a file,
`colo` commands, and an environment that inherits none of the caller's COLO_* variables.

A server is stopped by process group, never by name, and stopping is safe to call twice and
after a failure, so fixtures can always call it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

COLO = str(Path(sys.executable).with_name("colo"))


def free_port() -> int:
    """A port nothing listens on right now (also what a test uses as a refused address)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def colo_env(*, database_url: str, secrets_dir: Path, netbox_url: str = "", netbox_token: str = "",
             env: str = "test", **extra: str) -> dict[str, str]:
    """Environment of a `colo` process: nothing inherited from the caller's COLO_* variables, and no
    fallback to the dev launcher's state file (the NetBox to use is named, or there is none)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COLO_")}
    environ.update(
        COLO_ENV=env, COLO_DATABASE_URL=database_url, COLO_SECRETS_DIR=str(secrets_dir),
        COLO_LOG_LEVEL="WARNING", COLO_LOG_FORMAT="console",
        COLO_NETBOX_STATE_FILE=str(Path(secrets_dir) / "no-netbox-state.json"),
        COLO_CACHE_LAG_SECONDS="0",  # strict caches, as in the session app (tests/conftest.py)
    )
    if netbox_url:
        environ.update(COLO_NETBOX_URL=netbox_url, COLO_NETBOX_TOKEN=netbox_token)
    environ.update(extra)
    return environ


def colo_command(*args: str, env: dict[str, str], timeout: float = 180) -> str:
    """Run `colo ARGS…`; its stdout, or an AssertionError carrying its stderr."""
    done = subprocess.run([COLO, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"colo {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done.stdout


@dataclass
class ColoServer:
    """One `colo serve` (or `colo worker`) process; its output goes to a file (a full pipe would stall it)."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    command: tuple[str, ...] = ("serve",)  # ("worker",) for `colo worker`, which serves /healthz too

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_within: float = 60) -> ColoServer:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([COLO, *self.command, "--port", str(self.port)], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"colo {self.command[0]} exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"colo {self.command[0]} did not answer /healthz within {ready_within} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM and a clean shutdown; SIGKILL if it has not ended within 20 s."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""
