"""Start, stop and probe the dev NetBox's server and worker processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from devtools.netbox.install import netbox_env
from devtools.netbox.paths import NetBoxPaths
from devtools.netbox.prereqs import LauncherError


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


def _spawn(paths: NetBoxPaths, args: list[str], log_name: str) -> int:
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    log = open(paths.log_dir / log_name, "ab")
    proc = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env=netbox_env(paths), cwd=str(paths.cache), start_new_session=True,
    )
    log.close()
    return proc.pid


def start_server(paths: NetBoxPaths, port: int) -> int:
    return _spawn(
        paths,
        [str(paths.bin / "gunicorn"), "-c", str(paths.gunicorn_conf_for(port)), "netbox.wsgi"],
        f"gunicorn-{port}.log",
    )


def start_worker(paths: NetBoxPaths) -> int:
    return _spawn(paths, [str(paths.bin / "netbox"), "rqworker", "high", "default", "low"], "rqworker.log")


def stop_process_group(pid: int, *, grace: float = 10.0) -> None:
    """SIGTERM the process group led by pid, then SIGKILL whatever is left after grace."""
    if not pid_alive(pid):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def api_status(url: str, token: str, *, timeout: float = 5.0) -> dict[str, Any] | None:
    """NetBox's /api/status/ as a dict, or None when it does not answer 200."""
    if not url.startswith(("http://", "https://")):
        return None
    req = urllib.request.Request(  # noqa: S310 - scheme checked above
        f"{url}/api/status/",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback URL
            return json.loads(resp.read()) if resp.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def wait_ready(
    paths: NetBoxPaths, url: str, token: str, server_pid: int, port: int, *, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api_status(url, token, timeout=3)
        if status is not None:
            return status
        if not pid_alive(server_pid):
            log_tail = _tail(paths.log_dir / f"gunicorn-{port}.log")
            raise LauncherError(f"NetBox's server exited during start-up; last log lines:\n{log_tail}")
        time.sleep(0.5)
    raise LauncherError(
        f"NetBox did not answer {url}/api/status/ within {timeout:.0f}s; "
        f"see {paths.log_dir / f'gunicorn-{port}.log'}"
    )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
