"""A tenant never receives another tenant's event, across every event type Colo emits.

Two tenants, each with an endpoint subscribed to everything. Visits (decided, visitor in and
out), shipments and service-desk tickets (every transition, a work note) go through the real API
and write their outbox rows in their own transactions; order and LOA events — whose domain paths
need a provisioned plant and are exercised by the orders tests —, the endpoint-disabled notice and
the over-contract power alert (test_alert_events.py drives it from readings) are put in the outbox
directly; a site-access alert is raised for each tenant.
Each receiver must get exactly its own tenant's events, of every type, and nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from standardwebhooks.webhooks import Webhook

from colo.identity import Role
from colo.outbox import (
    EndpointDisabled,
    EventType,
    LoaChanged,
    NoticeChanged,
    OrderStateChanged,
    OutboxEvent,
    PowerOverContract,
)
from notify.endpoints import delete_endpoint
from siteaccess.alerts import raise_alert
from siteaccess.status import AlertKind
from tests.api.notify.support import MakeTenant, Run, admin, config, dispatch, endpoint, event
from tests.api.servicedesk.conftest import trouble_body
from tests.conftest import IssuedTestKey
from tests.webhook_receiver import webhook_receiver

MakeKey = Any
DESK = "/v1/service-desk"


def at(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def visit_flow(client: AsyncTestClient, tenant_key: IssuedTestKey, security: IssuedTestKey,
                     gate: IssuedTestKey) -> None:
    body = {"starts_at": at(minutes=-1), "ends_at": at(hours=8), "areas": ["meet-me-room"],
            "visitors": [{"guest": {"name": "Erika Mustermann", "company": "Fiber Works GmbH",
                                    "id_document_type": "national_id", "id_number": "L01X00T47"}}],
            "escort_required": True, "purpose": "patching"}
    made = await client.post("/v1/visits", json=body, headers=tenant_key.headers)
    assert made.status_code == 201, made.text
    approved = await client.post(f"/v1/visits/{made.json()['id']}/approve", json={"reason": "works order 4711"},
                                 headers=security.headers)
    assert approved.status_code == 200, approved.text
    badge = approved.json()["visitors"][0]["badge_number"]
    for step in ("check-in", "check-out"):
        response = await client.post(f"/v1/gate/{step}", json={"badge": badge}, headers=gate.headers)
        assert response.status_code == 200, response.text


async def shipment_flow(client: AsyncTestClient, tenant_key: IssuedTestKey) -> None:
    body = {"carrier": "DHL Express", "tracking_numbers": [f"TRK{uuid.uuid4().hex[:12].upper()}"], "boxes": 1,
            "expected_on": date.today().isoformat(), "description": "one server"}
    made = await client.post("/v1/shipments/inbound", json=body, headers=tenant_key.headers)
    assert made.status_code == 201, made.text


async def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def ticket_flow(client: AsyncTestClient, tenant_key: IssuedTestKey, ops: IssuedTestKey) -> None:
    """One trouble ticket through every transition the service desk has, and a work note."""
    tenant, staff = tenant_key.headers, ops.headers
    ticket = await ok(await client.post(f"{DESK}/trouble", headers=tenant, json=trouble_body()), 201)  # submitted
    path = f"{DESK}/tickets/{ticket['id']}"
    await ok(await client.post(f"{path}/request-action", headers=staff, json={"text": "Which PDU?"}))
    await ok(await client.post(f"{path}/answer", headers=tenant, json={"text": "The left one"}))
    for step in ("accept", "start"):
        await ok(await client.post(f"{path}/{step}", headers=staff))
    await ok(await client.post(f"{path}/notes", headers=staff, json={"text": "breaker checked"}))
    await ok(await client.post(f"{path}/complete", headers=staff, json={"resolution": "reset",
                                                                      "provider_caused": False}))
    await ok(await client.post(f"{path}/reopen", headers=tenant, json={"text": "down again"}))
    await ok(await client.post(f"{path}/cancel", headers=tenant, json={"reason": "fixed"}))


async def test_each_tenant_receives_only_its_own_events_of_every_type(
        app: Litestar, client: AsyncTestClient, run_in_app: Run, make_tenant: MakeTenant, make_key: MakeKey,
        fresh_rate_limits: None) -> None:
    key = app.state.services.keys.master_key
    security = await make_key(Role.SECURITY, name="isolation security")
    gate = await make_key(Role.GATE, name="isolation gate")
    ops = await make_key(Role.OPS, name="isolation ops")
    tenants = [await make_tenant(), await make_tenant()]
    with webhook_receiver() as first, webhook_receiver() as second:
        receivers = dict(zip((t.id for t in tenants), (first, second), strict=True))
        made = {t.id: await endpoint(run_in_app, key, t.id, receivers[t.id].url) for t in tenants}
        for tenant in tenants:
            tenant_key = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="isolation admin")
            await visit_flow(client, tenant_key, security, gate)
            await shipment_flow(client, tenant_key)
            await ticket_flow(client, tenant_key, ops)
            order_id, loa_id = uuid.uuid4(), uuid.uuid4()
            await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, OrderStateChanged(
                order_id=order_id, kind="cross_connect", action="submit", from_state="", to_state="submitted"))
            for kind in (EventType.LOA_REQUESTED, EventType.LOA_GRANTED, EventType.LOA_REFUSED):
                await event(run_in_app, kind, tenant.id, LoaChanged(loa_id=loa_id, order_id=order_id,
                                                                    status=kind.value.split(".")[1]))
            await event(run_in_app, EventType.ENDPOINT_DISABLED, tenant.id, EndpointDisabled(
                endpoint_id=uuid.uuid4(), failing_since=datetime.now(UTC)))
            for kind in (EventType.NOTICE_PUBLISHED, EventType.NOTICE_UPDATED):
                await event(run_in_app, kind, tenant.id, NoticeChanged(
                    notice_id=uuid.uuid4(), kind="maintenance", status="scheduled", summary="UPS swap",
                    starts_at=datetime.now(UTC), ends_at=None, racks=[], cross_connects=[]))
            await event(run_in_app, EventType.POWER_OVER_CONTRACT, tenant.id, PowerOverContract(
                alert_id=uuid.uuid4(), drawn_w=9_500.0, contracted_w=9_000.0, at=datetime.now(UTC)))
            await run_in_app(raise_alert, kind=AlertKind.OVERSTAY, dedup_key=f"overstay:isolation:{uuid.uuid4()}",
                             tenant_id=tenant.id, detail="still on site")
        await run_in_app(dispatch, config(), key)
        for tenant in tenants:
            receiver = receivers[tenant.id]
            bodies = [Webhook(made[tenant.id].secret).verify(r.body, r.headers) for r in receiver.received]
            assert {b["data"]["tenant_id"] for b in bodies} == {str(tenant.id)}
            assert {b["type"] for b in bodies} == {t.value for t in EventType}
            mine = await run_in_app(OutboxEvent.select(OutboxEvent.id).where(OutboxEvent.tenant_id == tenant.id).run)
            assert sorted(receiver.ids()) == sorted(str(row["id"]) for row in mine)
        for tenant in tenants:
            await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made[tenant.id].endpoint.id)


async def test_an_event_rolled_back_with_its_change_is_never_delivered(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    from colo.outbox import record_event

    tenant = await make_tenant()
    marker = uuid.uuid4()

    async def change_that_fails() -> None:
        async with OutboxEvent._meta.db.transaction():
            await record_event(type=EventType.ORDER_STATE_CHANGED, tenant_id=tenant.id, payload=OrderStateChanged(
                order_id=marker, kind="space", action="approve", from_state="submitted", to_state="approved"))
            raise RuntimeError("the change failed after the event was written")

    try:
        await run_in_app(change_that_fails)
    except RuntimeError:
        pass
    rows = await run_in_app(OutboxEvent.select().where(OutboxEvent.tenant_id == tenant.id).run)
    assert rows == []


async def test_a_tenants_webhook_receives_its_tickets_state_change(
        app: Litestar, client: AsyncTestClient, run_in_app: Run, make_tenant: MakeTenant, make_key: MakeKey,
        fresh_rate_limits: None) -> None:
    """Ops accept a ticket through the API; the tenant's endpoint, subscribed to acceptances only, gets
    exactly that change, signed, with the ticket's id, kind and states and none of its texts."""
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    ops = await make_key(Role.OPS, name="ticket webhook ops")
    tenant_key = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="ticket webhook admin")
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url, [EventType.TICKET_ACCEPTED])
        ticket = await ok(await client.post(f"{DESK}/trouble", headers=tenant_key.headers, json=trouble_body()), 201)
        await ok(await client.post(f"{DESK}/tickets/{ticket['id']}/accept", headers=ops.headers))
        await run_in_app(dispatch, config(), key)
        [got] = receiver.received
        body = Webhook(made.secret).verify(got.body, got.headers)
        assert body["type"] == "ticket.accepted" and body["data"].pop("event_id") == receiver.ids()[0]
        assert body["data"] == {"tenant_id": str(tenant.id), "ticket_id": ticket["id"], "kind": "trouble",
                                "action": "accept", "from_state": "submitted", "to_state": "accepted"}
        await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)
