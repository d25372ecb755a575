"""The dispatcher: outbox events → deliveries → signed POSTs, safe with several processes.

`fan_out` claims undispatched outbox rows (`FOR UPDATE SKIP LOCKED`: two dispatchers never take
the same row) and, in that transaction, adds one delivery per active endpoint of *the event's
tenant* subscribed to its type, then marks the rows dispatched. `deliver_due` claims due
deliveries with one UPDATE … SKIP LOCKED that pushes their next attempt out by a lease, commits,
and only then calls the endpoints (no transaction is open across a network call). A process that
dies mid-attempt leaves the delivery to be retried when its lease ends: nothing committed is
lost, and every attempt carries the same `webhook-id` (the outbox event's id), which receivers
use to drop repeats, as Standard Webhooks asks.

A failed attempt is retried on RETRY_SCHEDULE (~27 h); an endpoint failing without a success for
`disable_after` is disabled, its pending deliveries failed, and a `webhook.endpoint_disabled`
event for its tenant goes into the outbox (its other endpoints and its e-mail subscribers).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import msgspec
from piccolo.engine.postgres import PostgresEngine
from standardwebhooks.webhooks import Webhook

from colo.logging import get_logger
from colo.mail import Mailer
from colo.outbox import EndpointDisabled, EventType, OutboxEvent, record_event
from notify.config import NotifyConfig
from notify.email import fan_out_email, send_due
from notify.outbound import OutboundRefused, post
from notify.secrets import unseal
from notify.status import DeliveryStatus, EndpointStatus
from notify.tables import WebhookDelivery, WebhookEndpoint

log = get_logger(__name__)
CONCURRENCY = 20
USER_AGENT = "Colo-Webhooks/1"


# PostgreSQL skips rows another dispatcher holds; SQLite (one writer at a time) needs no lock.
PENDING_EVENTS = ("SELECT id, type, tenant_id FROM colo_outbox_event WHERE dispatched_at IS NULL "
                  "ORDER BY occurred_at LIMIT {}")
CLAIM = ("UPDATE notify_webhook_delivery SET next_attempt_at = {} WHERE id IN ("
         "SELECT id FROM notify_webhook_delivery WHERE status = 'pending' AND next_attempt_at <= {} "
         "ORDER BY next_attempt_at LIMIT {}%s) RETURNING *")


def _postgres() -> bool:
    return isinstance(OutboxEvent._meta.db, PostgresEngine)


def _types(value: object) -> list[str]:
    return list(value) if isinstance(value, list) else list(msgspec.json.decode(str(value)))


async def fan_out(*, now: datetime | None = None, batch: int = 100, email: bool = False) -> int:
    """One batch of outbox events turned into deliveries (and e-mails, with `email`); returns how
    many events it took."""
    moment = now or datetime.now(UTC)
    async with OutboxEvent._meta.db.transaction():
        events = await OutboxEvent.raw(PENDING_EVENTS + (" FOR UPDATE SKIP LOCKED" if _postgres() else ""), batch)
        if not events:
            return 0
        tenants = {e["tenant_id"] for e in events if e["tenant_id"] is not None}
        endpoints = await WebhookEndpoint.select(
            WebhookEndpoint.id, WebhookEndpoint.tenant_id, WebhookEndpoint.event_types).where(
            WebhookEndpoint.tenant_id.is_in(list(tenants)) & (WebhookEndpoint.status == EndpointStatus.ACTIVE.value)
        ) if tenants else []
        deliveries = [
            WebhookDelivery(id=uuid4(), endpoint_id=endpoint["id"], tenant_id=event["tenant_id"], event_id=event["id"],
                            event_type=event["type"], status=DeliveryStatus.PENDING.value, attempts=0,
                            next_attempt_at=moment, created_at=moment)
            for event in events for endpoint in endpoints
            if endpoint["tenant_id"] == event["tenant_id"] and event["type"] in _types(endpoint["event_types"])
        ]
        if deliveries:
            await WebhookDelivery.insert(*deliveries)
        if email:
            await fan_out_email(events, now=moment)
        await OutboxEvent.update({OutboxEvent.dispatched_at: moment}).where(
            OutboxEvent.id.is_in([e["id"] for e in events]))
    return len(events)


async def _claim(*, now: datetime, lease: timedelta, batch: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await WebhookDelivery.raw(
        CLAIM % (" FOR UPDATE SKIP LOCKED" if _postgres() else ""), now + lease, now, batch)
    return rows


def message(event: dict[str, Any]) -> bytes:
    """The Standard Webhooks body: type, timestamp and the event's data (its tenant included)."""
    payload = event["payload"]
    data = msgspec.json.decode(payload) if isinstance(payload, (str, bytes)) else payload
    return msgspec.json.encode({"type": event["type"], "timestamp": event["occurred_at"],
                                "data": {"event_id": event["id"], "tenant_id": event["tenant_id"], **data}})


def signature(endpoint: dict[str, Any], *, master_key: bytes, msg_id: str, body: bytes, now: datetime) -> tuple[
        str, datetime]:
    """The webhook-signature value (the current secret's, and the previous one's while it overlaps)."""
    timestamp = datetime.now(UTC)  # the receiver checks it against its own clock
    secrets = [unseal(master_key, endpoint["id"], endpoint["secret"])]
    if endpoint["previous_secret"] and endpoint["previous_until"] and endpoint["previous_until"] > now:
        secrets.append(unseal(master_key, endpoint["id"], endpoint["previous_secret"]))
    text = body.decode()
    return " ".join(Webhook(s).sign(msg_id, timestamp, text) for s in secrets), timestamp


class Dispatcher:
    """Fan-out and delivery passes over one shared HTTP client."""

    def __init__(self, config: NotifyConfig, *, master_key: bytes, client: httpx.AsyncClient,
                 mailer: Mailer | None = None, facility: str = "Colo") -> None:
        self.config = config
        self.master_key = master_key
        self.client = client
        self.mailer = mailer  # None: Colo sends no e-mail (no SMTP configured)
        self.facility = facility

    async def run_once(self, *, now: datetime | None = None) -> int:
        """One pass: fan out, then attempt what is due. Returns how much work it found."""
        taken = await fan_out(now=now, batch=self.config.batch, email=self.mailer is not None)
        taken += await self.deliver_due(now=now)
        if self.mailer is not None:
            taken += await send_due(mailer=self.mailer, facility=self.facility, retry=self.config.retry_schedule,
                                    now=now, batch=self.config.batch)
        return taken

    async def deliver_due(self, *, now: datetime | None = None) -> int:
        moment = now or datetime.now(UTC)
        lease = timedelta(seconds=2 * self.config.timeout + 5)  # longer than any attempt can take
        claimed = await _claim(now=moment, lease=lease, batch=self.config.batch)
        if not claimed:
            return 0
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(delivery: dict[str, Any]) -> None:
            async with gate:
                try:
                    await self.attempt(delivery, now=moment)
                except Exception as exc:  # the lease ends and the attempt is retried
                    log.error("webhook attempt failed unexpectedly", delivery=str(delivery["id"]),
                              error=type(exc).__name__)

        await asyncio.gather(*(one(d) for d in claimed))
        return len(claimed)

    async def attempt(self, delivery: dict[str, Any], *, now: datetime) -> None:
        endpoint = await WebhookEndpoint.select().where(WebhookEndpoint.id == delivery["endpoint_id"]).first()
        event = await OutboxEvent.select().where(OutboxEvent.id == delivery["event_id"]).first()
        if endpoint is None or event is None or endpoint["status"] != EndpointStatus.ACTIVE:
            await _finish(delivery["id"], DeliveryStatus.FAILED, error="endpoint disabled or deleted")
            return
        if event["tenant_id"] != endpoint["tenant_id"] or delivery["tenant_id"] != endpoint["tenant_id"]:
            log.error("delivery across tenants refused", delivery=str(delivery["id"]))  # never sent
            await _finish(delivery["id"], DeliveryStatus.FAILED, error="tenant mismatch")
            return
        msg_id = str(event["id"])
        body = message(event)
        signed, timestamp = signature(endpoint, master_key=self.master_key, msg_id=msg_id, body=body, now=now)
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": msg_id,
                   "webhook-timestamp": str(int(timestamp.timestamp())), "webhook-signature": signed}
        status_code: int | None = None
        latency: int | None = None
        error = ""
        try:
            answer = await post(self.client, endpoint["url"], content=body, headers=headers,
                                allow=self.config.allow_networks, seconds=self.config.timeout,
                                max_bytes=self.config.max_response_bytes)
            status_code, latency = answer.status_code, answer.latency_ms
            if not 200 <= answer.status_code < 300:
                error = f"HTTP {answer.status_code}"
        except OutboundRefused as exc:
            error = f"refused: {exc}"
        except (TimeoutError, httpx.TimeoutException):
            error = "timed out"
        except httpx.HTTPError as exc:
            error = f"connection failed: {type(exc).__name__}"
        await self.record(delivery, endpoint, now=now, status_code=status_code, latency=latency, error=error)

    async def record(self, delivery: dict[str, Any], endpoint: dict[str, Any], *, now: datetime,
                     status_code: int | None, latency: int | None, error: str) -> None:
        attempts = delivery["attempts"] + 1
        common: dict[Any, Any] = {WebhookDelivery.attempts: attempts, WebhookDelivery.last_attempt_at: now,
                                  WebhookDelivery.last_status_code: status_code,
                                  WebhookDelivery.last_latency_ms: latency, WebhookDelivery.last_error: error[:200]}
        async with WebhookDelivery._meta.db.transaction():
            if not error:
                await WebhookDelivery.update({**common, WebhookDelivery.status: DeliveryStatus.SUCCEEDED.value,
                                              WebhookDelivery.next_attempt_at: None,
                                              WebhookDelivery.delivered_at: now}).where(
                    WebhookDelivery.id == delivery["id"])
                await WebhookEndpoint.update({WebhookEndpoint.failing_since: None}).where(
                    WebhookEndpoint.id == endpoint["id"])
                return
            schedule = self.config.retry_schedule
            retry = attempts <= len(schedule)
            await WebhookDelivery.update({
                **common, WebhookDelivery.status: (DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED).value,
                WebhookDelivery.next_attempt_at: now + schedule[attempts - 1] if retry else None,
            }).where(WebhookDelivery.id == delivery["id"])
            since = endpoint["failing_since"] or now
            if endpoint["failing_since"] is None:
                await WebhookEndpoint.update({WebhookEndpoint.failing_since: now}).where(
                    (WebhookEndpoint.id == endpoint["id"]) & WebhookEndpoint.failing_since.is_null())
            if now - since >= self.config.disable_after:
                await disable(endpoint["id"], tenant_id=endpoint["tenant_id"], failing_since=since, now=now)


async def _finish(delivery_id: UUID, status: DeliveryStatus, *, error: str) -> None:
    await WebhookDelivery.update({WebhookDelivery.status: status.value, WebhookDelivery.next_attempt_at: None,
                                  WebhookDelivery.last_error: error[:200]}).where(WebhookDelivery.id == delivery_id)


async def disable(endpoint_id: UUID, *, tenant_id: UUID, failing_since: datetime, now: datetime) -> None:
    """Disable a failing endpoint, fail what it still had pending, and tell its tenant (outbox).
    Callers hold a transaction."""
    changed = await WebhookEndpoint.update({WebhookEndpoint.status: EndpointStatus.DISABLED.value,
                                            WebhookEndpoint.disabled_at: now}).where(
        (WebhookEndpoint.id == endpoint_id) & (WebhookEndpoint.status == EndpointStatus.ACTIVE.value)).returning(
        WebhookEndpoint.id)
    if not changed:
        return
    await WebhookDelivery.update({WebhookDelivery.status: DeliveryStatus.FAILED.value,
                                  WebhookDelivery.next_attempt_at: None}).where(
        (WebhookDelivery.endpoint_id == endpoint_id) & (WebhookDelivery.status == DeliveryStatus.PENDING.value))
    await record_event(type=EventType.ENDPOINT_DISABLED, tenant_id=tenant_id, now=now,
                       payload=EndpointDisabled(endpoint_id=endpoint_id, failing_since=failing_since))
    log.warning("webhook endpoint disabled", endpoint=str(endpoint_id), tenant=str(tenant_id))
