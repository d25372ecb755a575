"""Input and output shapes of webhook endpoints and deliveries (msgspec; bounded strings and lists).

Each `…Read` has one `of(row)`, the one place a row becomes that schema. The signing secret
appears only in `EndpointSecret`, the answer to creating an endpoint or rotating its secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from colo.outbox import EventType
from colo.text import LINE_CLASS, TEXT_PATTERN
from notify.status import DeliveryStatus, EndpointStatus

Url = Annotated[str, Meta(pattern=rf"^https?://[^\s{LINE_CLASS}]{{1,1990}}$", max_length=2000,
                          examples=["https://hooks.example.net/colo"])]
EventTypes = Annotated[list[EventType], Meta(min_length=1, max_length=len(EventType))]


class EndpointCreate(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    event_types: EventTypes
    description: Annotated[str, Meta(max_length=200, pattern=TEXT_PATTERN)] = ""


class EndpointRead(msgspec.Struct, kw_only=True):
    id: UUID
    tenant_id: UUID
    url: str
    description: str
    event_types: list[str]
    status: EndpointStatus
    failing_since: datetime | None
    created_at: datetime
    disabled_at: datetime | None
    secret_rotating_until: datetime | None  # the previous secret still signs until then

    @classmethod
    def of(cls, row: dict[str, Any]) -> EndpointRead:
        return cls(id=row["id"], tenant_id=row["tenant_id"], url=row["url"], description=row["description"],
                   event_types=list(row["event_types"] if isinstance(row["event_types"], list)
                                    else msgspec.json.decode(row["event_types"])),
                   status=EndpointStatus(row["status"]), failing_since=row["failing_since"],
                   created_at=row["created_at"], disabled_at=row["disabled_at"],
                   secret_rotating_until=row["previous_until"])


class EndpointSecret(msgspec.Struct, kw_only=True):
    """Shown once: the endpoint and the secret its deliveries are signed with (`whsec_…`)."""

    endpoint: EndpointRead
    secret: str


class DeliveryRead(msgspec.Struct, kw_only=True):
    id: UUID
    endpoint_id: UUID
    event_id: UUID  # the webhook-id header of every attempt
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_latency_ms: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> DeliveryRead:
        pending = row["status"] == DeliveryStatus.PENDING
        return cls(id=row["id"], endpoint_id=row["endpoint_id"], event_id=row["event_id"],
                   event_type=row["event_type"], status=DeliveryStatus(row["status"]), attempts=row["attempts"],
                   next_attempt_at=row["next_attempt_at"] if pending else None,
                   last_attempt_at=row["last_attempt_at"], last_status_code=row["last_status_code"],
                   last_latency_ms=row["last_latency_ms"], last_error=row["last_error"],
                   created_at=row["created_at"], delivered_at=row["delivered_at"])
