"""Real processes the fault tests start, break and clean up: `colo serve` and a PostgreSQL
cluster of their own.

Each helper's cleanup is safe to call twice and after a failure, so fixtures can always call it.
The shared NetBox and the shared PostgreSQL cluster ("main") are never touched.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass, field

from tests.servers import COLO, ColoServer, colo_command, colo_env, free_port

__all__ = ["COLO", "ColoServer", "OwnPostgres", "colo_command", "colo_env", "free_fixed_port", "free_port"]

PG_VERSION = "15"


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
