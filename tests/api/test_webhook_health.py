"""Colo notices when NetBox's webhooks do not arrive, and says so in /readyz, metrics, sync status
and every read answer's freshness.

The test session's Colo is not where NetBox's webhooks go (no webhook of NetBox points at this
in-process app), exactly the "wrong URL" case: a change made in the real NetBox is found in its
changelog with no webhook announcing it. A signed webhook as NetBox sends it then clears it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from dcim.netbox import NetBoxGateway
from dcim.readmodel.sync import WATCHED_TYPES
from dcim.readmodel.webhook_health import check_webhooks

Run = Callable[..., Awaitable[Any]]


@pytest_asyncio.fixture
async def quiet_refresher(app: Litestar, run_in_app: Run) -> AsyncIterator[None]:
    """The app's refresher paused for the test: its periodic check (grace 120 s) would otherwise
    replace the test's verdict (grace 0) at any moment. Restarted afterwards."""
    refresher = app.state.services.read_model
    await run_in_app(refresher.stop)
    try:
        yield
    finally:
        await run_in_app(refresher.start)


pytestmark = pytest.mark.usefixtures("quiet_refresher")


async def _signals(client: AsyncTestClient, ops_key: Any) -> dict[str, Any]:
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text  # webhooks alone never make Colo unready
    metrics = (await client.get("/metrics")).text
    gauge = next(line for line in metrics.splitlines() if line.startswith("colo_netbox_webhooks_arriving "))
    racks = await client.get("/v1/racks", params={"limit": 1}, headers=ops_key.headers)
    status = await client.get("/v1/netbox/sync", headers=ops_key.headers)
    return {"ready": ready.json(), "gauge": float(gauge.split()[1]), "freshness": racks.json()["freshness"],
            "status": status.json()}


async def test_changes_no_webhook_announced_are_reported_until_a_webhook_arrives(
    client: AsyncTestClient, app: Litestar, gateway: NetBoxGateway, run_in_app: Run, ops_key: Any,
) -> None:
    services = app.state.services
    suffix = uuid.uuid4().hex[:8]
    site = await gateway.call(lambda api: dict(api.dcim.sites.create(name=f"Hooks {suffix}", slug=f"hooks-{suffix}")),
                              what="create site")
    try:
        # A change made before this Colo started could not have been delivered to it: not held against it.
        later = datetime.now(UTC) + timedelta(hours=1)
        before_start = await run_in_app(check_webhooks, services.netbox, grace_seconds=0,
                                        object_types=WATCHED_TYPES, since=later)
        assert before_start.status != "not_arriving", before_start
        # The periodic check, with no grace period: NetBox changed a site; no webhook said so.
        health = await run_in_app(check_webhooks, services.netbox, grace_seconds=0, object_types=WATCHED_TYPES)
        assert health.status == "not_arriving", health
        seen = await _signals(client, ops_key)
        check = seen["ready"]["checks"]["netbox_webhooks"]
        assert check["ok"] is False and check["detail"].startswith("webhooks: not arriving"), check
        assert "rqworker" in check["detail"] and "COLO_PUBLIC_URL" in check["detail"]
        assert seen["ready"]["status"] == "degraded: netbox_webhooks"
        assert seen["ready"]["degraded"] == ["netbox_webhooks"]
        assert seen["gauge"] == 0.0
        assert seen["freshness"]["webhooks"] == "not_arriving"
        assert seen["status"]["webhooks"] == "not_arriving" and seen["status"]["last_netbox_change"] is not None

        # NetBox's webhook for a change arrives, signed, stamped with NetBox's time of the event.
        body = msgspec.json.encode({
            "event": "updated", "timestamp": datetime.now(UTC).isoformat(), "object_type": "dcim.site",
            "username": "admin", "request_id": str(uuid.uuid4()), "data": site, "snapshots": {}})
        signature = hmac.new(services.keys.webhook_secret, body, hashlib.sha512).hexdigest()
        accepted = await client.post("/v1/netbox/webhook", content=body, headers={
            "X-Hook-Signature": signature, "Content-Type": "application/json"})
        assert accepted.status_code == 202, accepted.text
        seen = await _signals(client, ops_key)
        check = seen["ready"]["checks"]["netbox_webhooks"]
        assert check["ok"] is True and check["detail"].startswith("webhooks: arriving"), check
        assert seen["ready"]["degraded"] == []
        assert seen["gauge"] == 1.0
        assert seen["freshness"]["webhooks"] == "arriving"
        assert seen["status"]["webhooks"] == "arriving" and seen["status"]["last_webhook_event"] is not None
    finally:
        await gateway.call(lambda api: api.dcim.sites.delete([site["id"]]), what="delete site")


async def test_an_unsigned_or_replayed_old_webhook_does_not_count_as_arriving(
    client: AsyncTestClient, app: Litestar, gateway: NetBoxGateway, run_in_app: Run, ops_key: Any,
) -> None:
    services = app.state.services
    suffix = uuid.uuid4().hex[:8]
    site = await gateway.call(lambda api: dict(api.dcim.sites.create(name=f"Hooks {suffix}", slug=f"hooks-{suffix}")),
                              what="create site")
    try:
        health = await run_in_app(check_webhooks, services.netbox, grace_seconds=0, object_types=WATCHED_TYPES)
        assert health.status == "not_arriving", health
        old = msgspec.json.encode({"event": "updated", "timestamp": "2020-01-01T00:00:00+00:00",
                                   "object_type": "dcim.site", "data": site, "snapshots": {}})
        unsigned = await client.post("/v1/netbox/webhook", content=old, headers={"Content-Type": "application/json"})
        assert unsigned.status_code == 401
        signature = hmac.new(services.keys.webhook_secret, old, hashlib.sha512).hexdigest()
        replayed = await client.post("/v1/netbox/webhook", content=old, headers={
            "X-Hook-Signature": signature, "Content-Type": "application/json"})
        assert replayed.status_code == 202
        assert (await _signals(client, ops_key))["ready"]["checks"]["netbox_webhooks"]["ok"] is False
    finally:
        await gateway.call(lambda api: api.dcim.sites.delete([site["id"]]), what="delete site")
