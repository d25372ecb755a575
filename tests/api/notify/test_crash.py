"""A crash between commit and delivery loses nothing: the dispatcher runs as its own process
(`colo notify run`), is killed with SIGKILL while an endpoint holds its request, and a second
event is committed while no dispatcher runs. The restarted dispatcher delivers both once its
lease on the interrupted attempt has ended — each under one webhook-id, which is all a receiver
needs to drop the repeat of the attempt the crash cut off."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from litestar import Litestar

from colo.outbox import EventType, OrderStateChanged
from colo.settings import Settings
from notify.endpoints import delete_endpoint
from tests.api.notify.support import MakeTenant, Run, admin, deliveries, endpoint, event
from tests.servers import COLO, colo_env
from tests.webhook_receiver import webhook_receiver


def dispatcher(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = colo_env(database_url=settings.database_url, secrets_dir=settings.secrets_dir,
                   COLO_WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8", COLO_WEBHOOK_TIMEOUT="1")
    with log.open("ab") as out:
        return subprocess.Popen([COLO, "notify", "run"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def wait_for(condition: Callable[[], bool], what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def order() -> OrderStateChanged:
    return OrderStateChanged(order_id=uuid4(), kind="power", action="fulfil", from_state="approved",
                             to_state="active")


async def test_a_killed_dispatcher_loses_nothing_and_repeats_only_the_cut_off_attempt(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant, settings: Settings, tmp_path: Path) -> None:
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url, [EventType.ORDER_STATE_CHANGED])
        first = await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order())
        receiver.hold = threading.Event()
        process = dispatcher(settings, tmp_path / "first.log")
        try:
            wait_for(lambda: len(receiver.received) == 1, "the first attempt to reach the receiver")
        finally:
            kill(process)  # mid-attempt: the receiver still holds the request
        [row] = await deliveries(run_in_app, made.endpoint.id)
        assert (row["status"], row["attempts"]) == ("pending", 0)  # the attempt was never recorded
        receiver.hold.set()
        receiver.hold = None
        second = await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order())  # no dispatcher runs
        started = datetime.now(UTC)
        process = dispatcher(settings, tmp_path / "second.log")
        try:
            deadline = time.monotonic() + 60
            while {r["status"] for r in await deliveries(run_in_app, made.endpoint.id)} != {"succeeded"}:
                assert time.monotonic() < deadline, "the restarted dispatcher did not deliver both"
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)  # a stray duplicate would show up now
        finally:
            kill(process)
        ids = receiver.ids()
        assert sorted(set(ids)) == sorted({str(first), str(second)})
        assert ids.count(str(second)) == 1 and ids.count(str(first)) == 2  # the cut-off attempt, then its retry
        rows = await deliveries(run_in_app, made.endpoint.id)
        assert [(r["status"], r["attempts"]) for r in rows] == [("succeeded", 1), ("succeeded", 1)]
        assert all(r["delivered_at"] >= started for r in rows)
        await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)
