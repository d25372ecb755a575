"""Input and output shapes of the service desk (msgspec; bounded strings and lists).

Each `…Read` is made from its row by one `of(row, …)`, called by the services, never by the HTTP
layer. A ticket's SLA figures are computed for an explicit `now` (servicedesk/sla.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from colo.text import LINE_CLASS
from servicedesk.catalogue import DetailValue
from servicedesk.lifecycle import allowed_actions
from servicedesk.sla import Clock
from servicedesk.status import (
    EventKind,
    Priority,
    RequestType,
    SchedulingClass,
    SlaAlertKind,
    TicketKind,
    TicketState,
    TroubleCategory,
)

NetBoxId = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Title = Annotated[str, Meta(min_length=3, max_length=200, examples=["Reseat the uplink in U12"])]
LongText = Annotated[str, Meta(min_length=3, max_length=2000)]
Phone = Annotated[str, Meta(max_length=40, pattern=r"^[0-9+() .\-]*$", examples=["+994 12 555 01 02"])]
_ADDRESS_PART = rf"[^@\s{LINE_CLASS}]+"
Email = Annotated[str, Meta(max_length=254, pattern=rf"^({_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART})?$",
                            examples=["noc@tenant.example"])]
DETAIL_NAME = r"^[a-z_]{1,40}$"
DetailName = Annotated[str, Meta(pattern=DETAIL_NAME)]
DETAIL_NAMES = {"type": "string", "pattern": DETAIL_NAME}  # the document's propertyNames of `details`


class TicketContact(msgspec.Struct, forbid_unknown_fields=True):
    """Who to call about the work."""

    name: Annotated[str, Meta(min_length=1, max_length=200)]
    phone: Phone = ""
    email: Email = ""


class Where(msgspec.Struct, forbid_unknown_fields=True):
    """Where the work is: a rack the tenant holds (and units of it), a device of its own in the
    plant read model, or one of its cross-connect orders. Another tenant's is refused like a missing one."""

    rack_id: NetBoxId | None = None
    units: Annotated[list[Annotated[int, Meta(ge=1, le=100)]], Meta(max_length=10)] = []
    device_id: NetBoxId | None = None
    cross_connect_order_id: UUID | None = None


class HandsCreate(msgspec.Struct, forbid_unknown_fields=True):
    request_type: RequestType
    title: Title
    scope: Annotated[str, Meta(min_length=3, max_length=4000)]  # the scope of work
    contact: TicketContact
    where: Where = msgspec.field(default_factory=Where)
    scheduling: SchedulingClass = SchedulingClass.STANDARD
    window_start: datetime | None = None  # scheduling=scheduled only
    window_end: datetime | None = None
    # the request type's fields (GET /v1/service-desk/catalogue), by name
    details: Annotated[dict[DetailName, DetailValue], Meta(
        max_length=20, extra_json_schema={"extra": {"max_properties": 20, "property_names": DETAIL_NAMES}})] = {}


class Affected(msgspec.Struct, forbid_unknown_fields=True):
    """The objects a fault touches: racks the tenant holds, power feeds of those racks, its
    cross-connect orders."""

    rack_ids: Annotated[list[NetBoxId], Meta(max_length=10)] = []
    power_feed_ids: Annotated[list[NetBoxId], Meta(max_length=10)] = []
    cross_connect_order_ids: Annotated[list[UUID], Meta(max_length=10)] = []


class TroubleCreate(msgspec.Struct, forbid_unknown_fields=True):
    category: TroubleCategory
    title: Title
    description: Annotated[str, Meta(min_length=3, max_length=4000)]
    contact: TicketContact
    priority: Priority = Priority.NORMAL
    affected: Affected = msgspec.field(default_factory=Affected)


class Message(msgspec.Struct, forbid_unknown_fields=True):
    """A customer's answer, ops' question, or a work note."""

    text: LongText


class Cancellation(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(max_length=500)] = ""


class Completion(msgspec.Struct, forbid_unknown_fields=True):
    """What was done; a trouble ticket also says whether the provider caused it (then hands
    time on it is not billed)."""

    resolution: Annotated[str, Meta(max_length=2000)] = ""
    provider_caused: bool | None = None


class TimeEntry(msgspec.Struct, forbid_unknown_fields=True):
    minutes: Annotated[int, Meta(ge=1, le=1440)]
    note: Annotated[str, Meta(max_length=500)] = ""


class SlaView(msgspec.Struct):
    target_seconds: int
    due_at: datetime
    seconds_left: int  # negative once breached
    used_percent: int
    paused: bool  # waiting for the customer
    stopped_at: datetime | None  # the clocked step happened (or the ticket was cancelled)
    met: bool | None  # None while the clock runs

    @classmethod
    def of(cls, clock: Clock, *, now: datetime) -> SlaView:
        return cls(target_seconds=int(clock.target.total_seconds()), due_at=clock.due(now),
                   seconds_left=int(clock.time_left(now).total_seconds()), used_percent=round(100 * clock.used(now)),
                   paused=clock.paused, stopped_at=clock.stopped_at, met=clock.met(now))


def clock_of(row: dict[str, Any]) -> Clock:
    return Clock(started_at=row["sla_started_at"], due_base=row["sla_due_base"],
                 paused_seconds=row["sla_paused_seconds"], paused_since=row["sla_paused_since"],
                 stopped_at=row["sla_stopped_at"])


class AttachmentRead(msgspec.Struct):
    id: UUID
    ticket_id: UUID
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> AttachmentRead:
        return cls(id=row["id"], ticket_id=row["ticket_id"], filename=row["filename"], media_type=row["media_type"],
                   size=row["size"], sha256=row["sha256"], uploaded_by=row["uploaded_by"],
                   created_at=row["created_at"])


class TicketSummary(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    kind: TicketKind
    state: TicketState
    title: str
    request_type: RequestType | None
    scheduling: SchedulingClass | None
    category: TroubleCategory | None
    priority: Priority | None
    created_at: datetime
    updated_at: datetime
    sla: SlaView

    @classmethod
    def of(cls, row: dict[str, Any], *, now: datetime) -> TicketSummary:
        return cls(id=row["id"], tenant_id=row["tenant_id"], kind=TicketKind(row["kind"]),
                   state=TicketState(row["state"]), title=row["title"],
                   request_type=RequestType(row["request_type"]) if row["request_type"] else None,
                   scheduling=SchedulingClass(row["scheduling"]) if row["scheduling"] else None,
                   category=TroubleCategory(row["category"]) if row["category"] else None,
                   priority=Priority(row["priority"]) if row["priority"] else None,
                   created_at=row["created_at"], updated_at=row["updated_at"],
                   sla=SlaView.of(clock_of(row), now=now))


class TicketRead(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    kind: TicketKind
    state: TicketState
    title: str
    scope: str
    request_type: RequestType | None
    details: dict[str, DetailValue]
    scheduling: SchedulingClass | None
    window_start: datetime | None
    window_end: datetime | None
    where: Where | None
    category: TroubleCategory | None
    priority: Priority | None
    affected: Affected | None
    contact: TicketContact
    provider_caused: bool | None
    resolution: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    sla: SlaView
    minutes_spent: int
    billable_minutes: int  # 0 on a trouble ticket resolved as provider-caused
    attachments: list[AttachmentRead]
    allowed_actions: list[str]

    @classmethod
    def of(cls, row: dict[str, Any], *, now: datetime, minutes: int, billable: int,
           attachments: list[AttachmentRead]) -> TicketRead:
        hands = row["kind"] == TicketKind.HANDS
        summary = TicketSummary.of(row, now=now)
        return cls(
            id=row["id"], tenant_id=row["tenant_id"], kind=summary.kind, state=summary.state, title=row["title"],
            scope=row["scope"], request_type=summary.request_type, details=json.loads(row["details"]),
            scheduling=summary.scheduling, window_start=row["window_start"], window_end=row["window_end"],
            where=msgspec.json.decode(row["location"], type=Where) if hands else None,
            category=summary.category, priority=summary.priority,
            affected=None if hands else msgspec.json.decode(row["affected"], type=Affected),
            contact=TicketContact(name=row["contact_name"], phone=row["contact_phone"], email=row["contact_email"]),
            provider_caused=row["provider_caused"], resolution=row["resolution"], created_by=row["created_by"],
            created_at=row["created_at"], updated_at=row["updated_at"], completed_at=row["completed_at"],
            sla=summary.sla, minutes_spent=minutes, billable_minutes=billable, attachments=attachments,
            allowed_actions=allowed_actions(summary.state),
        )


class EventRead(msgspec.Struct):
    id: UUID
    at: datetime
    actor: str
    actor_role: str
    kind: EventKind
    from_state: str
    to_state: str
    text: str
    minutes: int
    billable_minutes: int
    sha256: str  # attachments: the content's hash

    @classmethod
    def of(cls, row: dict[str, Any]) -> EventRead:
        return cls(id=row["id"], at=row["at"], actor=row["actor"], actor_role=row["actor_role"],
                   kind=EventKind(row["kind"]), from_state=row["from_state"], to_state=row["to_state"],
                   text=row["text"], minutes=row["minutes"], billable_minutes=row["billable_minutes"],
                   sha256=row["sha256"])


class SlaAlertRead(msgspec.Struct):
    id: UUID
    ticket_id: UUID
    tenant_id: UUID
    kind: SlaAlertKind
    detail: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> SlaAlertRead:
        return cls(id=row["id"], ticket_id=row["ticket_id"], tenant_id=row["tenant_id"],
                   kind=SlaAlertKind(row["kind"]), detail=row["detail"], created_at=row["created_at"],
                   acknowledged_at=row["acknowledged_at"], acknowledged_by=row["acknowledged_by"])
