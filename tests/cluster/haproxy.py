"""A real HAProxy (Debian's package) for the cluster tests: the load balancer in front of the API
replicas, and a logging pass-through in front of NetBox whose request log shows what the whole
cluster asked NetBox (how many full syncs, and when).

It runs as this test's own foreground process (`haproxy -db`, stopped by the test), with its own
configuration file under the test's temporary directory (its pidfile directive points there too,
though HAProxy writes one only when it daemonises); nothing of the system's HAProxy service is used
(Debian's package starts none in a container, and its default configuration listens nowhere).

Fail-over, as a production configuration would have it: active health checks on /readyz take a
dead replica out within about a second; a request whose connection is refused, reset or left
without an answer is sent again to the other replica (L7 retries with redispatch) when it is safe
to repeat: every GET, and a POST carrying an Idempotency-Key (Colo answers a repeated key with the
first result). Any other POST is never repeated by the proxy: its client sees a 502 and decides.
"""

from __future__ import annotations

import csv
import io
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

from tests.servers import free_port

HAPROXY = "/usr/sbin/haproxy"
# A request-log line: '<accept time> <handshake ms> <idle ms> <frontend> <status> "<method> <path?query>
# <version>" <server> <termination state> <retries>'. On a kept-alive connection the accept time is
# when the connection became ready for this request; the request began idle ms later. Status -1:
# no answer; retries with a leading + were redispatched to another server.
LOG_FORMAT = '"%Ts.%ms %Th %Ti %ft %ST %{+Q}r %s %tsc %rc"'


def _config(*, api_port: int, replicas: dict[str, int], netbox_port: int, netbox: tuple[str, int],
            stats_port: int, pid_file: Path) -> str:
    servers = "\n".join(f"    server {name} 127.0.0.1:{port} check" for name, port in replicas.items())
    return f"""global
    log stdout format raw local0 info
    pidfile {pid_file}
    maxconn 2000

defaults
    mode http
    log global
    log-format {LOG_FORMAT}
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout http-request 30s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend colo
    bind 127.0.0.1:{api_port}
    option forwardfor
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # A killed replica refuses the next check at once: out within 3 x 500 ms. A busy one gets 3 s
    # to answer a check (two shared cores: a 300 ms limit took healthy replicas out).
    timeout check 3s
    default-server inter 500ms fall 3 rise 2
    # Repeat after a lost answer only what is safe to repeat.
    http-request disable-l7-retry if METH_POST !{{ req.hdr(idempotency-key) -m found }}
{servers}

frontend netbox
    bind 127.0.0.1:{netbox_port}
    default_backend netbox

backend netbox
    server netbox {netbox[0]}:{netbox[1]}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"""


@dataclass(frozen=True)
class LoggedRequest:
    at: float  # unix time the request began to arrive
    status: int  # -1: no answer at all
    method: str
    target: str  # path and query
    server: str  # the replica that answered last (after any retry)
    termination: str  # HAProxy's session state at the end, "----" when all went well
    retries: str


@dataclass
class HAProxy:
    """`HAProxy(workdir, replicas={"a": port_a, "b": port_b}, netbox_url=…).start()`; `url` is the
    API's address, `netbox_url` NetBox's through the logging pass-through."""

    workdir: Path
    replicas: dict[str, int]
    netbox_upstream: str
    api_port: int = field(default_factory=free_port)
    netbox_port: int = field(default_factory=free_port)
    stats_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def netbox_url(self) -> str:
        return f"http://127.0.0.1:{self.netbox_port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "haproxy.log"

    @property
    def pid_file(self) -> Path:
        return self.workdir / "haproxy.pid"

    def start(self, ready_within: float = 30) -> HAProxy:
        assert shutil.which(HAPROXY), "HAProxy is missing: apt-get install -y haproxy (make haproxy)"
        upstream = urlparse(self.netbox_upstream)
        config = self.workdir / "haproxy.cfg"
        self.workdir.mkdir(parents=True, exist_ok=True)
        config.write_text(_config(api_port=self.api_port, replicas=self.replicas, netbox_port=self.netbox_port,
                                  netbox=(upstream.hostname or "127.0.0.1", upstream.port or 80),
                                  stats_port=self.stats_port, pid_file=self.pid_file))
        checked = subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, f"HAProxy refused its configuration: {checked.stdout}{checked.stderr}"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"HAProxy exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.stats_port}/stats", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"HAProxy did not start within {ready_within} s:\n{self.log()}")

    def server_states(self) -> dict[str, str]:
        """Each replica as HAProxy's health checks see it right now: "UP", "DOWN", …"""
        answer = httpx.get(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=5)
        answer.raise_for_status()
        rows = csv.DictReader(io.StringIO(answer.text.lstrip("# ")))
        return {r["svname"]: r["status"] for r in rows if r["pxname"] == "replicas" and r["svname"] in self.replicas}

    def wait_for_states(self, wanted: dict[str, str], within: float = 60) -> None:
        deadline = time.monotonic() + within
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            states = self.server_states()
            if all(states.get(name, "").startswith(state) for name, state in wanted.items()):
                return
            time.sleep(0.2)
        raise AssertionError(f"HAProxy never saw {wanted} within {within} s (last: {states})")

    def requests(self, frontend: str) -> list[LoggedRequest]:
        """The request log of one frontend ("colo" or "netbox"), oldest first."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 11 and parts[3] == frontend and parts[4].lstrip("-").isdigit():
                waited = max(0, int(parts[1])) + max(0, int(parts[2]))
                found.append(LoggedRequest(at=float(parts[0]) + waited / 1000, status=int(parts[4]),
                                           method=parts[5].strip('"'), target=parts[6], server=parts[8],
                                           termination=parts[9], retries=parts[10]))
        found.sort(key=lambda request: request.at)
        return found

    def stop(self) -> None:
        """SIGTERM (HAProxy stops at once), SIGKILL if it lingers; safe to call twice."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""
