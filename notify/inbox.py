"""A tenant's inbox: the outbox events addressed to its tenant — the same events its webhooks
carry, with the same data — newest first, optionally of one type only. The tenant filter is in
the query (tenants/scope.py): another tenant's event is never read, whatever the caller asks."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from colo.identity import Principal
from colo.outbox import EventType, OutboxEvent
from colo.paging import Keyset, PageRequest, PageResult, select_page
from tenants.scope import scoped

INBOX_KEYS = Keyset("my_events", (datetime, UUID), descending=True)  # newest first


class InboxEventRead(msgspec.Struct, kw_only=True):
    """One event as its webhook carries it: `data` is the webhook body's `data` (the event's id and
    tenant, then the typed payload of colo/outbox.py — ids, states and times, no personal data)."""

    id: UUID
    type: EventType
    occurred_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, row: dict[str, Any]) -> InboxEventRead:
        payload = row["payload"]
        data = msgspec.json.decode(payload) if isinstance(payload, (str, bytes)) else dict(payload)
        return cls(id=row["id"], type=EventType(row["type"]), occurred_at=row["occurred_at"],
                   data={"event_id": str(row["id"]), "tenant_id": str(row["tenant_id"]), **data})


async def list_my_events(*, principal: Principal, page: PageRequest,
                         event_type: EventType | None = None) -> PageResult[InboxEventRead]:
    """The caller's tenant's events, newest first (`event_type`: only this type)."""
    query = scoped(OutboxEvent.select(), principal=principal, column=OutboxEvent.tenant_id).where(
        OutboxEvent.tenant_id.is_not_null())
    if event_type is not None:
        query = query.where(OutboxEvent.type == event_type.value)
    rows = await select_page(query, columns=(OutboxEvent.occurred_at, OutboxEvent.id), keyset=INBOX_KEYS, page=page)
    return rows.map(InboxEventRead.of)
