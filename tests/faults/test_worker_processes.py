"""Processes (issue 17): the advisory-lock leader (colo/leader.py) hands its singletons over when
the leader dies; `colo serve` with COLO_RUN_WORKERS=false runs no background loop and queues
NetBox's webhooks in the database, where a `colo worker` — even one started later — applies them.

Real processes on a PostgreSQL database of each test's own (leadership is per database), the real
NetBox; nothing mocked.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
import pytest_asyncio

from colo.leader import Leadership
from colo.migrate import drop_postgres_database, ensure_postgres_database
from colo.secretstore import load_keys
from colo.settings import Settings
from dcim.netbox import NetBoxGateway
from devtools.netbox.paths import NetBoxState
from tests.conftest import PG_SERVER
from tests.faults.conftest import wait_for
from tests.servers import ColoServer, colo_command, colo_env, free_port

SINGLETONS = ("read-model", "site-monitor", "sla-sweep", "metering")


@pytest_asyncio.fixture
async def own_database() -> AsyncIterator[str]:
    """An empty PostgreSQL database of this test alone (created, not migrated), dropped afterwards."""
    url = f"{PG_SERVER}/colo_proc_{uuid.uuid4().hex[:10]}"
    await ensure_postgres_database(url)
    yield url
    await drop_postgres_database(url)


@pytest.fixture
def processes() -> Iterator[list[ColoServer]]:
    started: list[ColoServer] = []
    yield started
    for process in started:
        process.stop()


def environment(settings: Settings, database_url: str, *, netbox_url: str, netbox_token: str = "",
                **extra: str) -> dict[str, str]:
    """COLO_ENV=dev: every loop runs (test mode drives fulfilment and metering by hand). The
    session's secrets, so the webhook secret is the one this test signs with."""
    return colo_env(database_url=database_url, secrets_dir=Path(settings.secrets_dir), netbox_url=netbox_url,
                    netbox_token=netbox_token or "nbt_unused.unused", env="dev", COLO_LOG_LEVEL="INFO",
                    COLO_METERING="off", **extra)


def start(processes: list[ColoServer], env: dict[str, str], log: Path, *command: str) -> ColoServer:
    server = ColoServer(env=env, log_path=log, command=command)
    processes.append(server)
    return server.start(ready_within=120)


def leading(server: ColoServer) -> dict[str, float]:
    """The colo_leader gauge of a process, by singleton (empty: the process contends for nothing)."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    found = {}
    for line in text.splitlines():
        if line.startswith("colo_leader{"):
            found[line.split('singleton="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return found


async def fetch(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def advisory_locks(database_url: str) -> int:
    rows = await fetch(database_url, "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                     "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()")
    return int(rows[0]["n"])


async def test_one_leader_per_singleton_and_a_follower_takes_over_when_its_connection_dies(own_database: str) -> None:
    first = Leadership(own_database, ("alpha", "beta"), retry_seconds=0.5)
    second = Leadership(own_database, ("alpha", "beta"), retry_seconds=0.5)
    await first.start()
    try:
        assert await first.wait_for("alpha", 10) and await first.wait_for("beta", 10)
        await second.start()
        await asyncio.sleep(2.0)  # four retries: the locks are taken
        assert first.held() == {"alpha", "beta"} and second.held() == frozenset()
        assert await advisory_locks(own_database) == 2
        # The leader's connection dies (a crash, a network cut): PostgreSQL drops its locks.
        pid = first._conn.get_server_pid()
        await fetch(own_database, "SELECT pg_terminate_backend($1)", pid)
        killed = time.monotonic()
        assert await second.wait_for("alpha", 5) and await second.wait_for("beta", 5)
        took = time.monotonic() - killed
        await asyncio.sleep(2.0)  # the old leader noticed, reconnected and follows
        assert second.held() == {"alpha", "beta"} and first.held() == frozenset(), (first.held(), took)
        assert took < 3.0, took
    finally:
        await first.stop()
        await second.stop()
    assert await advisory_locks(own_database) == 0  # stop() gives leadership up at once


async def test_a_worker_killed_hands_every_singleton_to_the_other_worker(
    own_database: str, settings: Settings, processes: list[ColoServer], tmp_path: Path,
) -> None:
    env = environment(settings, own_database, netbox_url=f"http://127.0.0.1:{free_port()}")  # NetBox away
    colo_command("db", "migrate", env=env)
    first = start(processes, env, tmp_path / "worker-1.log", "worker")
    await wait_for(lambda: asyncio.to_thread(lambda: set(leading(first).values()) == {1.0}),
                   within=15, what="the first worker leading every singleton")
    second = start(processes, env, tmp_path / "worker-2.log", "worker")
    assert leading(second) == dict.fromkeys(SINGLETONS, 0.0)
    assert leading(first) == dict.fromkeys(SINGLETONS, 1.0)
    first.kill()  # SIGKILL: no shutdown code runs
    killed = time.monotonic()
    await wait_for(lambda: asyncio.to_thread(lambda: set(leading(second).values()) == {1.0}),
                   within=10, every=0.2, what=f"the second worker taking over\n{second.log()}")
    assert time.monotonic() - killed < 6.0
    second.stop()  # SIGTERM: components stop in reverse, then leadership is released
    # uvicorn re-raises SIGTERM once its graceful shutdown is done: "ended by SIGTERM", after the log below.
    assert second.process is not None and second.process.returncode in (0, -signal.SIGTERM), second.log()
    log = second.log()
    assert log.index("stopped component") < log.index("released leadership"), log
    assert await advisory_locks(own_database) == 0


async def test_a_webhook_a_serve_only_replica_receives_is_queued_and_applied_by_a_worker_started_later(
    own_database: str, settings: Settings, netbox_state: NetBoxState, gateway: NetBoxGateway,
    processes: list[ColoServer], tmp_path: Path,
) -> None:
    env = environment(settings, own_database, netbox_url=netbox_state.url, netbox_token=netbox_state.token,
                      COLO_RECONCILE_SECONDS="3600")
    colo_command("db", "migrate", env=env)
    api = start(processes, {**env, "COLO_RUN_WORKERS": "false"}, tmp_path / "serve.log", "serve")
    await asyncio.sleep(4.0)  # a background loop, had one started, would have taken its locks and synced by now
    assert await advisory_locks(own_database) == 0
    assert await fetch(own_database, "SELECT kind FROM dcim_sync_state") == []
    assert leading(api) == {}
    assert "leading singleton" not in api.log()

    # A worker syncs the read model once, then goes away (SIGTERM).
    worker = start(processes, env, tmp_path / "worker-1.log", "worker")
    await wait_for(lambda: fetch(own_database, "SELECT 1 FROM dcim_sync_state WHERE kind = 'full'"),
                   within=120, what=f"the worker's first full sync\n{worker.log()}")
    worker.stop()
    first_sync = await fetch(own_database, "SELECT finished_at FROM dcim_sync_state WHERE kind = 'full'")

    # A tenant appears in NetBox; its webhook reaches the serve-only replica while no worker runs.
    suffix = uuid.uuid4().hex[:8]
    tenant = await gateway.call(
        lambda nb: dict(nb.tenancy.tenants.create(name=f"proc-{suffix}", slug=f"proc-{suffix}")), what="create tenant")
    try:
        body = msgspec.json.encode({"event": "created", "object_type": "tenancy.tenant", "data": tenant})
        secret = load_keys(settings).webhook_secret
        async with httpx.AsyncClient(base_url=api.url, timeout=10) as http:
            answer = await http.post("/v1/netbox/webhook", content=body, headers={
                "X-Hook-Signature": hmac.new(secret, body, hashlib.sha512).hexdigest(),
                "Content-Type": "application/json"})
        assert answer.status_code == 202, answer.text
        await asyncio.sleep(2.0)
        queued = await fetch(own_database, "SELECT kind, object_type, object_id FROM dcim_refresh_queue")
        assert [tuple(r) for r in queued] == [("object", "tenancy.tenant", tenant["id"])]
        tenant_rows = "SELECT name FROM dcim_tenant WHERE netbox_id = $1"
        assert await fetch(own_database, tenant_rows, tenant["id"]) == []
        api.kill()  # the replica that received it dies: the work is in the database, not in its memory

        # A new worker: the last full sync is recent (COLO_RECONCILE_SECONDS=3600), so only the
        # queue can bring the tenant in.
        later = start(processes, env, tmp_path / "worker-2.log", "worker")
        rows = await wait_for(lambda: fetch(own_database, tenant_rows, tenant["id"]), within=30,
                              what=f"the queued webhook applied by the new worker\n{later.log()}")
        assert rows[0]["name"] == f"proc-{suffix}"
        assert await fetch(own_database, "SELECT id FROM dcim_refresh_queue") == []
        # No full sync brought it: the new leader kept the cluster's cadence.
        assert await fetch(own_database, "SELECT finished_at FROM dcim_sync_state WHERE kind = 'full'") == first_sync
    finally:
        await gateway.call(lambda nb: nb.tenancy.tenants.get(tenant["id"]).delete(), what="delete tenant")


async def test_readyz_of_serve_and_worker_is_200_degraded_naming_netbox_when_netbox_is_unreachable(
    own_database: str, settings: Settings, processes: list[ColoServer], tmp_path: Path,
) -> None:
    closed = free_port()  # nothing listens there: connections are refused
    env = environment(settings, own_database, netbox_url=f"http://127.0.0.1:{closed}")
    colo_command("db", "migrate", env=env)
    api = start(processes, {**env, "COLO_RUN_WORKERS": "false"}, tmp_path / "serve.log", "serve")
    worker = start(processes, env, tmp_path / "worker.log", "worker")
    async with httpx.AsyncClient(timeout=30) as http:
        for server in (api, worker):
            ready = await http.get(f"{server.url}/readyz")
            body = ready.json()
            assert ready.status_code == 200, body  # stays in rotation: reads come from the read model
            assert body["status"].startswith("degraded: ") and "netbox" in body["degraded"], body
            assert body["checks"]["netbox"]["ok"] is False and body["checks"]["database"]["ok"] is True, body
            assert "retry-after" not in ready.headers
        # The worker's /metrics: its gauges, measured at scrape time against its own database.
        metrics = (await http.get(f"{worker.url}/metrics")).text.splitlines()
        for line in ("colo_readmodel_queue_depth 0.0", "colo_orders_waiting_for_netbox 0.0", "colo_outbox_backlog 0.0",
                     'colo_leader{singleton="read-model"} 1.0'):
            assert line in metrics, line
        assert any(line.startswith("colo_access_log_queue_depth ") for line in metrics)
