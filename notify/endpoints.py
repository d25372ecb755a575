"""A tenant administrator's webhook endpoints: register (the secret shown once), list, rotate the
secret with an overlap, enable again, delete; and the endpoint's delivery log with redelivery.

Every function is scoped by the principal: a tenant key sees and touches only its tenant's
endpoints (another tenant's id is NotFound, exactly like an unknown one); facility keys see all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Principal
from notify.config import SECRET_OVERLAP
from notify.outbound import OutboundRefused, check_url
from notify.schemas import DeliveryRead, EndpointCreate, EndpointRead, EndpointSecret
from notify.secrets import new_secret, seal
from notify.status import DeliveryStatus, EndpointStatus
from notify.tables import WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS_PER_TENANT = 20
LOG_LIMIT = 100


def _tenant(principal: Principal) -> UUID:
    if principal.tenant_id is None:
        raise ValidationFailed("tenant_id", "endpoints belong to a tenant; use a tenant key")
    return principal.tenant_id


async def _row(principal: Principal, endpoint_id: UUID) -> dict[str, Any]:
    query = WebhookEndpoint.select().where(WebhookEndpoint.id == endpoint_id)
    if not principal.is_facility:
        query = query.where(WebhookEndpoint.tenant_id == principal.tenant_id)
    row = await query.first()
    if row is None:
        raise NotFound("webhook endpoint", endpoint_id, field="endpoint_id")
    return row


async def create_endpoint(
    *, principal: Principal, data: EndpointCreate, master_key: bytes,
    now: datetime | None = None,
) -> EndpointSecret:
    """Register `data.url` for the tenant's chosen event types; answers the secret, once."""
    tenant_id = _tenant(principal)
    try:
        check_url(data.url)
    except OutboundRefused as exc:
        raise ValidationFailed("url", str(exc)) from exc
    count = await WebhookEndpoint.count().where(WebhookEndpoint.tenant_id == tenant_id)
    if count >= MAX_ENDPOINTS_PER_TENANT:
        raise Conflict(f"a tenant may register at most {MAX_ENDPOINTS_PER_TENANT} endpoints")
    endpoint_id, secret = uuid4(), new_secret()
    await WebhookEndpoint.insert(WebhookEndpoint(
        id=endpoint_id, tenant_id=tenant_id, url=data.url, description=data.description,
        event_types=sorted({t.value for t in data.event_types}), status=EndpointStatus.ACTIVE.value,
        secret=seal(master_key, endpoint_id, secret), created_at=now or datetime.now(UTC)))
    return EndpointSecret(endpoint=EndpointRead.of(await _row(principal, endpoint_id)), secret=secret)


async def list_endpoints(*, principal: Principal) -> list[EndpointRead]:
    query = WebhookEndpoint.select().order_by(WebhookEndpoint.created_at)
    if not principal.is_facility:
        query = query.where(WebhookEndpoint.tenant_id == principal.tenant_id)
    return [EndpointRead.of(row) for row in await query]


async def get_endpoint(*, principal: Principal, endpoint_id: UUID) -> EndpointRead:
    return EndpointRead.of(await _row(principal, endpoint_id))


async def rotate_secret(
    *, principal: Principal, endpoint_id: UUID, master_key: bytes, overlap: timedelta = SECRET_OVERLAP,
    now: datetime | None = None,
) -> EndpointSecret:
    """A new secret, answered once; the old one keeps signing beside it until now + overlap."""
    row = await _row(principal, endpoint_id)
    secret = new_secret()
    await WebhookEndpoint.update({
        WebhookEndpoint.previous_secret: row["secret"],
        WebhookEndpoint.previous_until: (now or datetime.now(UTC)) + overlap,
        WebhookEndpoint.secret: seal(master_key, endpoint_id, secret),
    }).where(WebhookEndpoint.id == endpoint_id)
    return EndpointSecret(endpoint=EndpointRead.of(await _row(principal, endpoint_id)), secret=secret)


async def enable_endpoint(*, principal: Principal, endpoint_id: UUID) -> EndpointRead:
    """Take a disabled endpoint back into service (its failures forgotten)."""
    await _row(principal, endpoint_id)
    await WebhookEndpoint.update({WebhookEndpoint.status: EndpointStatus.ACTIVE.value,
                                  WebhookEndpoint.failing_since: None, WebhookEndpoint.disabled_at: None}).where(
        WebhookEndpoint.id == endpoint_id)
    return EndpointRead.of(await _row(principal, endpoint_id))


async def delete_endpoint(*, principal: Principal, endpoint_id: UUID) -> None:
    await _row(principal, endpoint_id)
    await WebhookDelivery.delete().where(WebhookDelivery.endpoint_id == endpoint_id)
    await WebhookEndpoint.delete().where(WebhookEndpoint.id == endpoint_id)


async def list_deliveries(*, principal: Principal, endpoint_id: UUID) -> list[DeliveryRead]:
    """The endpoint's delivery log, newest first (the last LOG_LIMIT)."""
    await _row(principal, endpoint_id)
    rows = await WebhookDelivery.select().where(WebhookDelivery.endpoint_id == endpoint_id).order_by(
        WebhookDelivery.created_at, ascending=False).limit(LOG_LIMIT)
    return [DeliveryRead.of(row) for row in rows]


async def redeliver(
    *, principal: Principal, endpoint_id: UUID, delivery_id: UUID, now: datetime | None = None,
) -> DeliveryRead:
    """Send the delivery again now (same webhook-id), whatever its outcome so far."""
    endpoint = await _row(principal, endpoint_id)
    if endpoint["status"] != EndpointStatus.ACTIVE:
        raise Conflict("the endpoint is disabled; enable it first")
    changed = await WebhookDelivery.update({
        WebhookDelivery.status: DeliveryStatus.PENDING.value, WebhookDelivery.next_attempt_at: now or datetime.now(UTC),
    }).where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.endpoint_id == endpoint_id)).returning(
        WebhookDelivery.id)
    if not changed:
        raise NotFound("delivery", delivery_id, field="delivery_id")
    row = await WebhookDelivery.select().where(WebhookDelivery.id == delivery_id).first()
    assert row is not None
    return DeliveryRead.of(row)
