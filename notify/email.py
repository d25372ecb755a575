"""E-mail notices: a tenant's people opt in per event type and language, and the dispatcher mails
them (colo/mail.py) what happened to *their* tenant.

The address is read from the person's record (tenants/) at sending time, so a person who left the
tenant — or whose address changed — is never mailed at a stale one. A subscriber receives only the
texts of notify/messages.py about its own tenant's objects: ids and states, no secrets, no names.
Sending is retried on the webhook schedule's first steps; a failure is logged, never raised.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import msgspec
from msgspec import Meta
from piccolo.engine.postgres import PostgresEngine

from colo.errors import NotFound
from colo.identity import Principal
from colo.logging import get_logger
from colo.mail import Mailer, MailFailed
from colo.outbox import EventType, OutboxEvent
from notify.messages import compose
from notify.status import DeliveryStatus
from notify.tables import EmailDelivery, EmailSubscription
from tenants.tables import Person

log = get_logger(__name__)
MAX_ATTEMPTS = 4
CLAIM = ("UPDATE notify_email_delivery SET next_attempt_at = {} WHERE id IN ("
         "SELECT id FROM notify_email_delivery WHERE status = 'pending' AND next_attempt_at <= {} "
         "ORDER BY next_attempt_at LIMIT {}%s) RETURNING *")


class SubscriptionCreate(msgspec.Struct, forbid_unknown_fields=True):
    person_id: UUID
    event_types: Annotated[list[EventType], Meta(min_length=1, max_length=len(EventType))]
    language: Literal["az", "en"] = "az"


class SubscriptionRead(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    language: str
    event_types: list[str]
    created_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> SubscriptionRead:
        types = row["event_types"]
        return cls(id=row["id"], person_id=row["person_id"], language=row["language"],
                   event_types=list(types if isinstance(types, list) else msgspec.json.decode(types)),
                   created_at=row["created_at"])


async def subscribe(*, principal: Principal, data: SubscriptionCreate, now: datetime | None = None) -> SubscriptionRead:
    """Opt one of the tenant's people in (or change what they receive)."""
    person = await Person.select(Person.id).where(
        (Person.id == data.person_id) & (Person.tenant == principal.tenant_id)).first()
    if principal.tenant_id is None or person is None:
        raise NotFound("person", data.person_id, field="person_id")
    types = sorted({t.value for t in data.event_types})
    existing = await EmailSubscription.select(EmailSubscription.id).where(
        EmailSubscription.person_id == data.person_id).first()
    if existing is not None:  # the person's one subscription, changed in place
        subscription_id = existing["id"]
        await EmailSubscription.update({EmailSubscription.event_types: types,
                                        EmailSubscription.language: data.language}).where(
            EmailSubscription.id == subscription_id)
    else:
        subscription_id = uuid4()
        await EmailSubscription.insert(EmailSubscription(
            id=subscription_id, tenant_id=principal.tenant_id, person_id=data.person_id, language=data.language,
            event_types=types, created_at=now or datetime.now(UTC)))
    row = await EmailSubscription.select().where(EmailSubscription.id == subscription_id).first()
    assert row is not None
    return SubscriptionRead.of(row)


async def list_subscriptions(*, principal: Principal) -> list[SubscriptionRead]:
    rows = await EmailSubscription.select().where(EmailSubscription.tenant_id == principal.tenant_id)
    return [SubscriptionRead.of(row) for row in rows]


async def unsubscribe(*, principal: Principal, subscription_id: UUID) -> None:
    gone = await EmailSubscription.delete().where(
        (EmailSubscription.id == subscription_id) & (EmailSubscription.tenant_id == principal.tenant_id)).returning(
        EmailSubscription.id)
    if not gone:
        raise NotFound("subscription", subscription_id, field="subscription_id")


async def fan_out_email(events: list[dict[str, Any]], *, now: datetime) -> None:
    """E-mail deliveries for a batch of events being dispatched; callers hold its transaction."""
    tenants = list({e["tenant_id"] for e in events if e["tenant_id"] is not None})
    if not tenants:
        return
    subscriptions = await EmailSubscription.select(
        EmailSubscription.id, EmailSubscription.tenant_id, EmailSubscription.event_types).where(
        EmailSubscription.tenant_id.is_in(tenants))
    rows = [
        EmailDelivery(id=uuid4(), subscription_id=s["id"], tenant_id=e["tenant_id"], event_id=e["id"],
                      status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=now, created_at=now)
        for e in events for s in subscriptions
        if s["tenant_id"] == e["tenant_id"] and e["type"] in _types(s["event_types"])
    ]
    if rows:
        await EmailDelivery.insert(*rows)


def _types(value: object) -> list[str]:
    return list(value) if isinstance(value, list) else list(msgspec.json.decode(str(value)))


async def send_due(*, mailer: Mailer, facility: str, retry: tuple[timedelta, ...], now: datetime | None = None,
                   batch: int = 100) -> int:
    """Claim the due e-mails (SKIP LOCKED, leased), send each, record the outcome."""
    moment = now or datetime.now(UTC)
    locking = " FOR UPDATE SKIP LOCKED" if isinstance(EmailDelivery._meta.db, PostgresEngine) else ""
    claimed: list[dict[str, Any]] = await EmailDelivery.raw(
        CLAIM % locking, moment + timedelta(seconds=2 * mailer.timeout + 5), moment, batch)
    for delivery in claimed:
        error = await _send_one(delivery, mailer=mailer, facility=facility)
        attempts = delivery["attempts"] + 1
        again = bool(error) and attempts < MAX_ATTEMPTS and error != "gone"
        await EmailDelivery.update({
            EmailDelivery.attempts: attempts, EmailDelivery.last_error: error[:200],
            EmailDelivery.status: (DeliveryStatus.SUCCEEDED if not error else
                                   DeliveryStatus.PENDING if again else DeliveryStatus.FAILED).value,
            EmailDelivery.next_attempt_at: moment + retry[min(attempts, len(retry)) - 1] if again else None,
            EmailDelivery.sent_at: None if error else moment,
        }).where(EmailDelivery.id == delivery["id"])
    return len(claimed)


async def _send_one(delivery: dict[str, Any], *, mailer: Mailer, facility: str) -> str:
    """"" when sent; otherwise why not ("gone": the subscription, person or event no longer is)."""
    subscription = await EmailSubscription.select().where(EmailSubscription.id == delivery["subscription_id"]).first()
    event = await OutboxEvent.select().where(OutboxEvent.id == delivery["event_id"]).first()
    if subscription is None or event is None or event["tenant_id"] != subscription["tenant_id"]:
        return "gone"
    person = await Person.select(Person.email).where(
        (Person.id == subscription["person_id"]) & (Person.tenant == subscription["tenant_id"])).first()
    if person is None or not person["email"]:
        return "gone"
    payload = event["payload"]
    data = msgspec.json.decode(payload) if isinstance(payload, (str, bytes)) else payload
    subject, body = compose(event["type"], data, language=subscription["language"], facility=facility)
    try:
        await mailer.send(mailer.message(to=person["email"], subject=subject, body=body,
                                         language=subscription["language"]))
    except MailFailed as exc:
        return f"mail failed: {exc}"
    return ""
