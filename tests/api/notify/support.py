"""Shared steps of the notification tests: a dispatcher pass on the app's loop with a test's own
configuration and clock, endpoints made through the service, events put into the outbox."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from colo.identity import Principal, Role
from colo.outbox import EventType, OutboxEvent, Payload, record_event
from notify.config import NotifyConfig
from notify.dispatcher import Dispatcher
from notify.endpoints import create_endpoint
from notify.outbound import new_client
from notify.schemas import EndpointCreate, EndpointSecret
from notify.tables import WebhookDelivery

Run = Callable[..., Awaitable[Any]]
MakeTenant = Callable[..., Awaitable[Any]]
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


def config(**overrides: Any) -> NotifyConfig:
    return NotifyConfig(**{"allow_networks": LOOPBACK, "timeout": 3.0, **overrides})  # generous: a busy machine


def admin(tenant_id: UUID) -> Principal:
    return Principal(key_id=f"test-{tenant_id.hex[:8]}", role=Role.TENANT_ADMIN, name="test admin",
                     tenant_id=tenant_id)


async def dispatch(cfg: NotifyConfig, master_key: bytes, now: datetime | None = None) -> int:
    """Dispatcher passes until one finds nothing due (at `now`)."""
    client = new_client(cfg.timeout)
    try:
        dispatcher, total = Dispatcher(cfg, master_key=master_key, client=client), 0
        while found := await dispatcher.run_once(now=now):
            total += found
        return total
    finally:
        await client.aclose()


async def endpoint(run: Run, master_key: bytes, tenant_id: UUID, url: str,
                   types: list[EventType] | None = None) -> EndpointSecret:
    data = EndpointCreate(url=url, event_types=types or list(EventType))
    secret: EndpointSecret = await run(create_endpoint, principal=admin(tenant_id), data=data, master_key=master_key)
    return secret


async def event(run: Run, type: EventType, tenant_id: UUID, payload: Payload) -> UUID:
    async def commit() -> UUID:
        async with OutboxEvent._meta.db.transaction():
            return await record_event(type=type, tenant_id=tenant_id, payload=payload)

    event_id: UUID = await run(commit)
    return event_id


async def deliveries(run: Run, endpoint_id: UUID) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await run(
        WebhookDelivery.select().where(WebhookDelivery.endpoint_id == endpoint_id).order_by(
            WebhookDelivery.created_at).run)
    return rows
