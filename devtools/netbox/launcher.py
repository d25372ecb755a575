"""`colo netbox up|down|status|reset`: one real NetBox per machine, shared by dev and tests."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from devtools.netbox import database, install, process
from devtools.netbox.paths import NETBOX_VERSION, NetBoxPaths, NetBoxState
from devtools.netbox.prereqs import LauncherError, check_postgres, check_redis

Say = Callable[[str], None]
REDIS_FLUSH_DBS = (install.REDIS_CACHE_DB,)


def default_port() -> int:
    return int(os.environ.get("COLO_NETBOX_PORT", "8001"))


def running_state(paths: NetBoxPaths) -> NetBoxState | None:
    """The published state if its server answers with the token, else None."""
    state = NetBoxState.read(paths.state_file)
    if state is None or not process.pid_alive(state.server_pid):
        return None
    if process.api_status(state.url, state.token) is None:
        return None
    return state


@contextmanager
def exclusive(paths: NetBoxPaths, *, say: Say) -> Iterator[None]:
    """One launcher at a time per machine: a second `up` (say `make test` while `make run` is
    still migrating) waits for the first instead of dropping the database under it."""
    paths.cache.mkdir(parents=True, exist_ok=True)
    with (paths.cache / "launcher.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("another NetBox launcher is at work on this machine; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def up(*, say: Say = print, port: int | None = None) -> NetBoxState:
    paths = NetBoxPaths.from_env()
    with exclusive(paths, say=say):
        return _up(paths, say=say, port=port)


def _up(paths: NetBoxPaths, *, say: Say, port: int | None) -> NetBoxState:
    started = time.monotonic()
    check_postgres()
    check_redis()
    if (state := running_state(paths)) is not None:
        if not process.pid_alive(state.worker_pid):
            state.worker_pid = process.start_worker(paths)
            state.write(paths.state_file)
            say("restarted NetBox's rqworker")
        say(f"NetBox {state.version} already running at {state.url}")
        return state
    _stop_recorded(paths)
    port = port or default_port()
    install.ensure_venv(paths, say=say)
    install.write_config(paths, port=port)
    database.ensure_database(paths, say=say)
    if not paths.static_marker.exists():
        say("collecting NetBox's static files")
        install.netbox_cmd(paths, "collectstatic", "--no-input", what="collectstatic")
        paths.static_marker.write_text(NETBOX_VERSION)
    token = install.load_secrets(paths)["token"]
    url = f"http://127.0.0.1:{port}"
    server_pid = process.start_server(paths, port)
    worker_pid = process.start_worker(paths)
    status = process.wait_ready(paths, url, token, server_pid, port)
    state = NetBoxState(
        url=url, token=token, version=str(status.get("netbox-version", NETBOX_VERSION)),
        server_pid=server_pid, worker_pid=worker_pid, port=port,
    )
    state.write(paths.state_file)
    say(f"NetBox {state.version} ready at {url} in {time.monotonic() - started:.1f}s "
        f"(token and address in {paths.state_file})")
    return state


def _stop_recorded(paths: NetBoxPaths) -> None:
    state = NetBoxState.read(paths.state_file)
    if state is not None:
        process.stop_process_group(state.worker_pid)
        process.stop_process_group(state.server_pid)


def down(*, say: Say = print) -> None:
    paths = NetBoxPaths.from_env()
    state = NetBoxState.read(paths.state_file)
    if state is None:
        say("NetBox is not running (no state file)")
        return
    _stop_recorded(paths)
    paths.state_file.unlink(missing_ok=True)
    say("NetBox stopped")


def status(*, say: Say = print) -> bool:
    paths = NetBoxPaths.from_env()
    state = NetBoxState.read(paths.state_file)
    if state is None:
        say("NetBox: not running")
        return False
    answer = process.api_status(state.url, state.token)
    worker = "running" if process.pid_alive(state.worker_pid) else "stopped"
    if answer is None:
        say(f"NetBox: not answering at {state.url} (server pid {state.server_pid}); worker {worker}")
        return False
    say(f"NetBox {answer.get('netbox-version')}: up at {state.url}; worker {worker}; "
        f"state file {paths.state_file}")
    return True


def reset(*, say: Say = print) -> None:
    """Put NetBox's data back to the clean migrated state (admin + token kept), in about a second."""
    check_postgres()
    with exclusive(NetBoxPaths.from_env(), say=say):
        if not database.database_exists(install.NETBOX_TEMPLATE_DB):
            raise LauncherError("there is no clean template yet: run `colo netbox up` first")
        database.create_from_template()
    _flush_redis_cache()
    say("NetBox's database reset to the clean state")


def _flush_redis_cache() -> None:
    import socket

    from devtools.netbox.prereqs import redis_host, redis_port

    with socket.create_connection((redis_host(), redis_port()), timeout=3) as sock:
        for db in REDIS_FLUSH_DBS:
            sock.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
            sock.recv(64)


__all__ = ["LauncherError", "down", "reset", "status", "up"]
