"""Webhook endpoints (a tenant's URL, its event types and its signing secrets, encrypted) and
deliveries (one per event and endpoint: the endpoint's delivery log, and the retry queue)."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from notify.status import DeliveryStatus, EndpointStatus


class WebhookEndpoint(Table, tablename="notify_webhook_endpoint"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    url = Varchar(length=2000)
    description = Varchar(length=200, default="")
    event_types = JSON()  # list of colo.outbox.EventType values
    status = Varchar(length=16, choices=EndpointStatus, default=EndpointStatus.ACTIVE.value)
    # AES-GCM under a key derived from the master key, bound to the endpoint id (notify/secrets.py)
    secret = Text(secret=True)
    previous_secret = Text(secret=True, null=True, default=None)  # still signs until previous_until
    previous_until = Timestamptz(null=True, default=None)
    failing_since = Timestamptz(null=True, default=None)  # first failure since the last success
    created_at = Timestamptz()
    disabled_at = Timestamptz(null=True, default=None)


class WebhookDelivery(Table, tablename="notify_webhook_delivery"):
    id = UUID(primary_key=True)
    endpoint_id = UUID(index=True)
    tenant_id = UUID(index=True)
    event_id = UUID(index=True)  # the outbox event: the webhook-id, the same on every attempt
    event_type = Varchar(length=64)
    status = Varchar(length=16, choices=DeliveryStatus, default=DeliveryStatus.PENDING.value)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)  # also the lease of a claimed attempt
    last_attempt_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_latency_ms = Integer(null=True, default=None)
    last_error = Varchar(length=200, default="")
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


class EmailSubscription(Table, tablename="notify_email_subscription"):
    """One of a tenant's people opted in to e-mail about some event types, in one language."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    person_id = UUID(unique=True)  # tenants_person.id; the address is read from there when sending
    language = Varchar(length=2)  # az | en
    event_types = JSON()
    created_at = Timestamptz()


class EmailDelivery(Table, tablename="notify_email_delivery"):
    """One e-mail about one event to one subscriber: its retry queue and outcome."""

    id = UUID(primary_key=True)
    subscription_id = UUID(index=True)
    tenant_id = UUID(index=True)
    event_id = UUID(index=True)
    status = Varchar(length=16, choices=DeliveryStatus, default=DeliveryStatus.PENDING.value)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    last_error = Varchar(length=200, default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class Notice(Table, tablename="notify_notice"):
    """A maintenance, incident, advisory or security notice ops published, and the plant it touches."""

    id = UUID(primary_key=True)
    kind = Varchar(length=16)  # notify.status.NoticeKind
    status = Varchar(length=16)  # notify.status.NoticeStatus
    summary = Varchar(length=2000)
    starts_at = Timestamptz()
    ends_at = Timestamptz(null=True, default=None)
    targets = JSON()  # the plant objects, by NetBox id (notify.notices.NoticeTargets)
    published_by = Varchar(length=100)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class NoticeAudience(Table, tablename="notify_notice_audience"):
    """One tenant a notice affects, with its own affected services only (what it is shown)."""

    id = UUID(primary_key=True)
    notice_id = UUID(index=True)
    tenant_id = UUID(index=True)
    impact = JSON()  # {"racks": [...], "cross_connects": [...]} (colo.outbox AffectedRack/AffectedCrossConnect)


TABLES: list[type[Table]] = [WebhookEndpoint, WebhookDelivery, EmailSubscription, EmailDelivery, Notice,
                             NoticeAudience]
