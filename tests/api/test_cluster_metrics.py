"""The gauges people alert on (api/metrics.py) at /metrics, with real values measured at scrape
time: access-log queue and checkpoint age, read-model data age and webhook queue, orders waiting
for NetBox, the outbox backlog and read-model leadership."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.outbox import OutboxEvent
from dcim.netbox import NetBoxGateway

Run = Callable[..., Awaitable[Any]]
pytestmark = pytest.mark.usefixtures("seeded")  # the demo plant: racks to send a webhook about


def gauges(text: str) -> dict[str, float]:
    """`name{labels} value` lines of the exposition text, keyed by everything before the value."""
    found = {}
    for line in text.splitlines():
        if line.startswith("colo_") and " " in line:
            key, value = line.rsplit(" ", 1)
            found[key] = float(value)
    return found


@pytest_asyncio.fixture
async def paused_refresher(app: Litestar, run_in_app: Run) -> AsyncIterator[None]:
    """The app's refresher stopped, so queued webhook work stays queued until the test restarts it."""
    refresher = app.state.services.read_model
    await run_in_app(refresher.stop)
    try:
        yield
    finally:
        await run_in_app(refresher.start)


async def test_metrics_show_backlogs_ages_and_leadership_with_real_values(
    client: AsyncTestClient[Litestar], app: Litestar, ops_key: Any, gateway: NetBoxGateway, run_in_app: Run,
    paused_refresher: None,
) -> None:
    assert (await client.post("/v1/netbox/sync", headers=ops_key.headers)).status_code == 200
    await run_in_app(app.state.services.access_log.sequencer.checkpoint_now)  # a signed checkpoint exists
    before = gauges((await client.get("/metrics")).text)
    assert before['colo_readmodel_data_age_seconds{sync="full"}'] < 30  # the sync just now
    assert before["colo_readmodel_queue_depth"] == 0 and before["colo_readmodel_queue_oldest_seconds"] == 0
    assert before["colo_access_log_queue_depth"] >= 0
    assert 0 <= before["colo_access_log_checkpoint_age_seconds"] < 30
    assert before["colo_orders_waiting_for_netbox"] >= 0
    assert before['colo_leader{singleton="read-model"}'] == 1.0  # this app's loops lead the session database

    # A rack's webhook while the refresher is paused: its work waits in the database queue.
    listed = await client.get("/v1/racks", params={"limit": 1}, headers=ops_key.headers)
    rack_id = listed.json()["items"][0]["netbox_id"]
    rack = await gateway.call(lambda nb: dict(nb.dcim.racks.get(rack_id)), what="rack")
    body = msgspec.json.encode({"event": "updated", "object_type": "dcim.rack", "data": rack})
    secret = app.state.services.keys.webhook_secret
    accepted = await client.post("/v1/netbox/webhook", content=body, headers={
        "X-Hook-Signature": hmac.new(secret, body, hashlib.sha512).hexdigest(), "Content-Type": "application/json"})
    assert accepted.status_code == 202, accepted.text
    # An outbox event nobody dispatches (test runs drive the dispatcher by hand).
    event_id = uuid.uuid4()
    await run_in_app(OutboxEvent.insert(OutboxEvent(
        id=event_id, type="test.metrics", tenant_id=None, occurred_at=datetime.now(UTC), payload="{}")).run)
    try:
        during = gauges((await client.get("/metrics")).text)
        assert during["colo_readmodel_queue_depth"] == 1
        assert during["colo_readmodel_queue_oldest_seconds"] > 0
        assert during["colo_outbox_backlog"] == before["colo_outbox_backlog"] + 1
    finally:
        await run_in_app(OutboxEvent.delete().where(OutboxEvent.id == event_id).run)
    await run_in_app(app.state.services.read_model.start)
    await run_in_app(app.state.services.read_model.drained)
    after = gauges((await client.get("/metrics")).text)
    assert after["colo_readmodel_queue_depth"] == 0
    assert after['colo_readmodel_data_age_seconds{sync="event"}'] < 30  # the webhook's refresh just now
    assert after["colo_outbox_backlog"] == before["colo_outbox_backlog"]
