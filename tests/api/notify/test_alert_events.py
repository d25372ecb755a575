"""Alerts addressed to one tenant reach that tenant only, with no personal data: metering's
"tenant over contracted power" (readings pushed through the API, then evaluated) and a site-access
overstay on the tenant's checked-in visitor. Each event is written in the alert's transaction; the
other tenant's endpoint, subscribed to everything, receives nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient
from standardwebhooks.webhooks import Webhook

from colo.identity import Role
from colo.outbox import OutboxEvent
from metering.alerts import evaluate
from metering.config import MeteringConfig
from metering.discovery import DiscoveredMeter, sync_meters
from metering.status import MeterSource
from metering.tables import MeteringAlert
from notify.endpoints import delete_endpoint
from siteaccess.alerts import raise_alert
from siteaccess.status import AlertKind
from siteaccess.tables import Alert
from tests.api.notify.support import MakeTenant, Run, admin, config, dispatch, endpoint
from tests.api.notify.test_isolation import at, ok
from tests.webhook_receiver import webhook_receiver

MakeKey = Callable[..., Awaitable[Any]]


async def test_over_contract_power_reaches_only_its_tenant(
        app: Litestar, client: AsyncTestClient, run_in_app: Run, make_tenant: MakeTenant, make_key: MakeKey,
        fresh_rate_limits: None) -> None:
    key = app.state.services.keys.master_key
    mine, other = await make_tenant(), await make_tenant()
    ops = await make_key(Role.OPS, name="over-contract ops")
    meter, feed = f"bms-{uuid4().hex[:8]}", 1_960_000_000 + uuid4().int % 10_000_000
    await run_in_app(sync_meters, [DiscoveredMeter(
        key=meter, name=meter, netbox_device_id=None, host="", feed_id=feed, feed_name=f"F{feed}", side="primary",
        feed_capacity_w=20_000, tenant_id=mine.id, contracted_w=9_000, source=MeterSource.PUSH)],
        deactivate_missing=False)
    moment = datetime.now(UTC).replace(microsecond=0)
    with webhook_receiver() as receiver, webhook_receiver() as bystander:
        made = await endpoint(run_in_app, key, mine.id, receiver.url)
        theirs = await endpoint(run_in_app, key, other.id, bystander.url)
        await ok(await client.post("/v1/metering/readings", headers=ops.headers, json={"readings": [
            {"meter": meter, "at": moment.isoformat(), "metric": "power_w", "value": 9_500}]}))
        await run_in_app(evaluate, MeteringConfig(), now=moment)
        await run_in_app(evaluate, MeteringConfig(), now=moment)  # still holding: no second event
        await run_in_app(dispatch, config(), key)
        [alert] = await run_in_app(MeteringAlert.select(MeteringAlert.id).where(
            MeteringAlert.subject == f"tenant:{mine.id}").run)
        [got] = receiver.received
        body = Webhook(made.secret).verify(got.body, got.headers)
        assert body["type"] == "power.over_contract"
        data = body["data"]
        assert (data["tenant_id"], data["alert_id"], data["drawn_w"], data["contracted_w"]) == (
            str(mine.id), str(alert["id"]), 9_500, 9_000)
        assert bystander.received == []
        for tenant, hook in ((mine, made), (other, theirs)):
            await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=hook.endpoint.id)
    await ok(await client.post("/v1/metering/readings", headers=ops.headers, json={"readings": [
        {"meter": meter, "at": (moment + timedelta(seconds=1)).isoformat(), "metric": "power_w", "value": 0}]}))
    await run_in_app(evaluate, MeteringConfig(), now=moment + timedelta(seconds=1))  # cleared again


async def test_an_overstay_reaches_only_its_tenant_without_the_visitors_name(
        app: Litestar, client: AsyncTestClient, run_in_app: Run, make_tenant: MakeTenant, make_key: MakeKey,
        fresh_rate_limits: None) -> None:
    key = app.state.services.keys.master_key
    mine, other = await make_tenant(), await make_tenant()
    security = await make_key(Role.SECURITY, name="overstay security")
    gate = await make_key(Role.GATE, name="overstay gate")
    tenant_key = await make_key(Role.TENANT_ADMIN, tenant_id=mine.id, name="overstay admin")
    body = {"starts_at": at(minutes=-1), "ends_at": at(hours=8), "areas": ["meet-me-room"],
            "visitors": [{"guest": {"name": "Erika Mustermann", "company": "Fiber Works GmbH",
                                    "id_document_type": "national_id", "id_number": "L01X00T47"}}],
            "escort_required": True, "purpose": "patching"}
    visit = await ok(await client.post("/v1/visits", json=body, headers=tenant_key.headers), 201)
    approved = await ok(await client.post(f"/v1/visits/{visit['id']}/approve", json={"reason": "works order"},
                                          headers=security.headers))
    visitor = approved["visitors"][0]
    await ok(await client.post("/v1/gate/check-in", json={"badge": visitor["badge_number"]}, headers=gate.headers))
    await run_in_app(dispatch, config(), key)  # the visit's own events go out before the endpoints exist
    with webhook_receiver() as receiver, webhook_receiver() as bystander:
        made = await endpoint(run_in_app, key, mine.id, receiver.url)
        theirs = await endpoint(run_in_app, key, other.id, bystander.url)
        before = await run_in_app(OutboxEvent.count().run)
        # what the site monitor's overstay sweep raises for this visitor (sweep_overstays), and a
        # facility-wide alert that concerns no tenant
        for _ in range(2):  # the same incident twice: one alert, one event
            await run_in_app(raise_alert, kind=AlertKind.OVERSTAY, dedup_key=f"overstay:{visitor['id']}",
                             tenant_id=mine.id, visit_id=visit["id"], visitor_id=visitor["id"],
                             detail="Erika Mustermann still on site")
        await run_in_app(raise_alert, kind=AlertKind.REFUSED_BURST, dedup_key=f"burst:test:{uuid4()}",
                         detail="10 refused gate attempts")
        assert await run_in_app(OutboxEvent.count().run) == before + 1
        await run_in_app(dispatch, config(), key)
        [alert] = await run_in_app(Alert.select(Alert.id).where(Alert.dedup_key == f"overstay:{visitor['id']}").run)
        [got] = receiver.received
        assert b"Erika" not in got.body and b"Mustermann" not in got.body and b"L01X00T47" not in got.body
        event = Webhook(made.secret).verify(got.body, got.headers)
        assert event["type"] == "access.alert_raised"
        data = event["data"]
        assert (data["tenant_id"], data["alert_id"], data["kind"], data["visit_id"], data["visitor_id"]) == (
            str(mine.id), str(alert["id"]), "overstay", visit["id"], visitor["id"])
        assert bystander.received == []
        for tenant, hook in ((mine, made), (other, theirs)):
            await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=hook.endpoint.id)
    await ok(await client.post("/v1/gate/check-out", json={"badge": visitor["badge_number"]}, headers=gate.headers))
