"""Webhook deliveries end to end on real PostgreSQL to real HTTP receivers on loopback (the
loopback network allow-listed for them): Standard Webhooks signatures checked with the format's
own library, retries after 500s and timeouts, disabling after failures, redelivery, secret
rotation with overlap, and no call to a private address without the allow-list."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
from litestar import Litestar
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from colo.outbox import EndpointDisabled, EventType, OrderStateChanged, OutboxEvent
from notify.endpoints import delete_endpoint, list_deliveries, redeliver, rotate_secret
from notify.tables import WebhookEndpoint
from tests.api.notify.support import MakeTenant, Run, admin, config, deliveries, dispatch, endpoint, event
from tests.webhook_receiver import webhook_receiver


def order_event(state: str = "approved") -> OrderStateChanged:
    return OrderStateChanged(order_id=uuid4(), kind="space", action="approve", from_state="submitted",
                             to_state=state)


async def test_a_delivery_is_signed_and_verifies_with_the_standard_library(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url)
        event_id = await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        await run_in_app(dispatch, config(), key)
        assert receiver.ids() == [str(event_id)]
        got = receiver.received[0]
        body = Webhook(made.secret).verify(got.body, got.headers)
        assert body["type"] == "order.state_changed"
        assert body["data"]["tenant_id"] == str(tenant.id) and body["data"]["to_state"] == "approved"
        try:  # a different secret does not verify it
            Webhook("whsec_" + "QUFB" * 8).verify(got.body, got.headers)
            raise AssertionError("verified with the wrong secret")
        except WebhookVerificationError:
            pass
        [row] = await deliveries(run_in_app, made.endpoint.id)
        assert row["status"] == "succeeded" and row["last_status_code"] == 204 and row["attempts"] == 1
        assert row["last_latency_ms"] is not None
        await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)


async def test_a_500_and_a_timeout_are_retried_on_the_schedule_with_the_same_webhook_id(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    now = datetime.now(UTC)
    cfg = config(timeout=1.0)
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url, [EventType.ORDER_STATE_CHANGED])
        event_id = await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        receiver.statuses = [500]
        await run_in_app(dispatch, cfg, key, now)
        [row] = await deliveries(run_in_app, made.endpoint.id)
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 500)
        assert row["next_attempt_at"] == now + cfg.retry_schedule[0]
        # the second attempt: the receiver holds it past the timeout
        receiver.hold = threading.Event()
        await run_in_app(dispatch, cfg, key, now + timedelta(seconds=6))
        receiver.hold.set()
        [row] = await deliveries(run_in_app, made.endpoint.id)
        assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 2, "timed out")
        assert row["next_attempt_at"] == now + timedelta(seconds=6) + cfg.retry_schedule[1]
        receiver.hold = None
        await run_in_app(dispatch, cfg, key, now + timedelta(minutes=10))
        [row] = await deliveries(run_in_app, made.endpoint.id)
        assert (row["status"], row["attempts"]) == ("succeeded", 3)
        assert receiver.ids() == [str(event_id)] * 3
        await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)


async def test_retries_span_more_than_a_day_then_the_delivery_fails(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    cfg = config(disable_after=timedelta(days=30))
    assert sum(cfg.retry_schedule, timedelta()) >= timedelta(hours=24)
    now = datetime.now(UTC)
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url, [EventType.ORDER_STATE_CHANGED])
        await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        receiver.statuses = [503] * 20
        moment = now
        for gap in (timedelta(0), *cfg.retry_schedule):
            moment += gap
            await run_in_app(dispatch, cfg, key, moment)
        [row] = await deliveries(run_in_app, made.endpoint.id)
        assert (row["status"], row["attempts"]) == ("failed", len(cfg.retry_schedule) + 1)
        assert len(receiver.received) == len(cfg.retry_schedule) + 1
        await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)


async def test_an_endpoint_failing_too_long_is_disabled_and_its_tenant_told(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    cfg = config(disable_after=timedelta(hours=1))
    now = datetime.now(UTC)
    with webhook_receiver() as receiver, webhook_receiver() as other:
        failing = await endpoint(run_in_app, key, tenant.id, receiver.url, [EventType.ORDER_STATE_CHANGED])
        healthy = await endpoint(run_in_app, key, tenant.id, other.url, [EventType.ENDPOINT_DISABLED])
        await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        receiver.statuses = [500] * 20
        await run_in_app(dispatch, cfg, key, now)
        await run_in_app(dispatch, cfg, key, now + timedelta(minutes=40))
        stored = await run_in_app(WebhookEndpoint.select().where(WebhookEndpoint.id == failing.endpoint.id).first().run)
        assert stored["status"] == "active"
        await run_in_app(dispatch, cfg, key, now + timedelta(hours=3))
        stored = await run_in_app(WebhookEndpoint.select().where(WebhookEndpoint.id == failing.endpoint.id).first().run)
        assert stored["status"] == "disabled"
        [row] = await deliveries(run_in_app, failing.endpoint.id)
        assert row["status"] == "failed"
        # the tenant is told, through its other endpoint
        assert len(other.received) == 1
        told = Webhook(healthy.secret).verify(other.received[0].body, other.received[0].headers)
        assert told["type"] == "webhook.endpoint_disabled"
        assert told["data"]["endpoint_id"] == str(failing.endpoint.id)
        disabled = await run_in_app(OutboxEvent.select().where(
            (OutboxEvent.tenant_id == tenant.id) & (OutboxEvent.type == "webhook.endpoint_disabled")).run)
        assert msgspec.json.decode(disabled[0]["payload"], type=EndpointDisabled).endpoint_id == failing.endpoint.id
        # nothing more reaches a disabled endpoint
        calls = len(receiver.received)
        await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        await run_in_app(dispatch, cfg, key, now + timedelta(hours=30))
        assert len(receiver.received) == calls
        for made in (failing, healthy):
            await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)


async def test_manual_redelivery_sends_the_same_webhook_id_again(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    key = app.state.services.keys.master_key
    tenant, stranger = await make_tenant(), await make_tenant()
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url)
        event_id = await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        await run_in_app(dispatch, config(), key)
        [log] = await run_in_app(list_deliveries, principal=admin(tenant.id), endpoint_id=made.endpoint.id)
        assert log.status == "succeeded" and log.event_id == event_id
        # another tenant cannot see or redeliver it
        try:
            await run_in_app(redeliver, principal=admin(stranger.id), endpoint_id=made.endpoint.id, delivery_id=log.id)
            raise AssertionError("another tenant redelivered")
        except Exception as exc:
            assert type(exc).__name__ == "NotFound"
        again = await run_in_app(redeliver, principal=admin(tenant.id), endpoint_id=made.endpoint.id,
                                 delivery_id=log.id)
        assert again.status == "pending"
        await run_in_app(dispatch, config(), key)
        assert receiver.ids() == [str(event_id)] * 2
        [log] = await run_in_app(list_deliveries, principal=admin(tenant.id), endpoint_id=made.endpoint.id)
        assert (log.status, log.attempts) == ("succeeded", 2)
        await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)


async def test_a_rotated_secret_signs_beside_the_new_one_during_the_overlap(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    now = datetime.now(UTC)
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url)
        rotated = await run_in_app(rotate_secret, principal=admin(tenant.id), endpoint_id=made.endpoint.id,
                                   master_key=key, overlap=timedelta(hours=1), now=now)
        assert rotated.secret != made.secret and rotated.endpoint.secret_rotating_until == now + timedelta(hours=1)
        await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        await run_in_app(dispatch, config(), key, now)
        first = receiver.received[0]
        Webhook(made.secret).verify(first.body, first.headers)
        Webhook(rotated.secret).verify(first.body, first.headers)
        assert len(first.headers["webhook-signature"].split(" ")) == 2
        # after the overlap only the new secret signs
        await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        await run_in_app(dispatch, config(), key, now + timedelta(hours=2))
        second = receiver.received[1]
        Webhook(rotated.secret).verify(second.body, second.headers)
        try:
            Webhook(made.secret).verify(second.body, second.headers)
            raise AssertionError("the old secret still verifies after the overlap")
        except WebhookVerificationError:
            pass
        await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=made.endpoint.id)


async def test_no_delivery_to_a_private_address_without_the_allow_list(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant) -> None:
    key = app.state.services.keys.master_key
    tenant = await make_tenant()
    with webhook_receiver() as receiver:
        made = await endpoint(run_in_app, key, tenant.id, receiver.url)
        named = await endpoint(run_in_app, key, tenant.id, f"http://localhost:{receiver.port}/hook")
        await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, order_event())
        await run_in_app(dispatch, config(allow_networks=()), key)
        assert receiver.received == []
        for which in (made, named):
            [row] = await deliveries(run_in_app, which.endpoint.id)
            assert row["status"] == "pending" and row["last_error"].startswith("refused: ")
            assert row["last_status_code"] is None
            await run_in_app(delete_endpoint, principal=admin(tenant.id), endpoint_id=which.endpoint.id)
