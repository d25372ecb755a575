"""The transactional outbox: what happened to a tenant, recorded in the same transaction as the change.

Every domain may import this module (it sits in the core, below them all), so an order, an LOA, a
visit, a gate scan or a shipment writes its event beside its own rows: the event exists exactly
when the change committed. notify/ reads the table afterwards and delivers (webhooks, e-mail); a
crash between the commit and the delivery loses nothing — the row waits for the next dispatcher.

Payloads are typed structs (never free dicts): ids, states and times a tenant may see about its
own objects, no personal data and no secrets (a visitor is named by id, never by name).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID, uuid4

import msgspec
from piccolo.columns import JSON, Timestamptz, Varchar
from piccolo.columns import UUID as UUIDColumn
from piccolo.table import Table


class EventType(StrEnum):
    ORDER_STATE_CHANGED = "order.state_changed"
    LOA_REQUESTED = "loa.requested"
    LOA_GRANTED = "loa.granted"
    LOA_REFUSED = "loa.refused"
    VISIT_DECIDED = "visit.decided"
    VISITOR_CHECKED_IN = "visitor.checked_in"
    VISITOR_CHECKED_OUT = "visitor.checked_out"
    SHIPMENT_UPDATED = "shipment.updated"
    ENDPOINT_DISABLED = "webhook.endpoint_disabled"
    NOTICE_PUBLISHED = "notice.published"
    NOTICE_UPDATED = "notice.updated"
    TICKET_SUBMITTED = "ticket.submitted"
    TICKET_ACCEPTED = "ticket.accepted"
    TICKET_IN_PROGRESS = "ticket.in_progress"
    TICKET_ACTION_REQUIRED = "ticket.action_required"
    TICKET_CUSTOMER_UPDATED = "ticket.customer_updated"
    TICKET_COMPLETED = "ticket.completed"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_REOPENED = "ticket.reopened"
    TICKET_NOTE_ADDED = "ticket.note_added"
    POWER_OVER_CONTRACT = "power.over_contract"
    ACCESS_ALERT_RAISED = "access.alert_raised"


class OutboxEvent(Table, tablename="colo_outbox_event"):
    """One event for one tenant. `dispatched_at` is set once notify/ has fanned it out to deliveries."""

    id = UUIDColumn(primary_key=True)
    type = Varchar(length=64, index=True)
    tenant_id = UUIDColumn(null=True, default=None, index=True)
    occurred_at = Timestamptz()
    payload = JSON()
    dispatched_at = Timestamptz(null=True, default=None, index=True)


class OrderStateChanged(msgspec.Struct, frozen=True, kw_only=True):
    order_id: UUID
    kind: str
    action: str
    from_state: str
    to_state: str


class LoaChanged(msgspec.Struct, frozen=True, kw_only=True):
    loa_id: UUID
    order_id: UUID | None
    status: str


class VisitDecided(msgspec.Struct, frozen=True, kw_only=True):
    visit_id: UUID
    status: str  # approved | denied


class VisitorMoved(msgspec.Struct, frozen=True, kw_only=True):
    visit_id: UUID
    visitor_id: UUID
    at: datetime


class ShipmentUpdated(msgspec.Struct, frozen=True, kw_only=True):
    shipment_id: UUID
    action: str
    at: datetime


class EndpointDisabled(msgspec.Struct, frozen=True, kw_only=True):
    endpoint_id: UUID
    failing_since: datetime


class AffectedRack(msgspec.Struct, frozen=True, kw_only=True):
    """One of the tenant's racks in a notice: the feeds (sides) it loses, whether it keeps power."""

    rack_id: int
    rack: str
    hall: str
    sides_lost: list[str]
    keeps_power: bool
    whole_rack: bool


class AffectedCrossConnect(msgspec.Struct, frozen=True, kw_only=True):
    order_id: UUID
    end: str  # A | Z


class NoticeChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A maintenance or incident notice as one tenant sees it: only its own affected services
    (empty lists: an update that no longer affects it)."""

    notice_id: UUID
    kind: str
    status: str
    summary: str
    starts_at: datetime
    ends_at: datetime | None
    racks: list[AffectedRack]
    cross_connects: list[AffectedCrossConnect]


class TicketChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A service-desk ticket moved (or was opened: `from_state` ""). No title, text or contact: the
    tenant reads those from the ticket itself."""

    ticket_id: UUID
    kind: str  # hands | trouble
    action: str  # submit | accept | start | complete | request_action | answer | cancel | reopen
    from_state: str
    to_state: str


class TicketNoteAdded(msgspec.Struct, frozen=True, kw_only=True):
    """Ops added a work note to the ticket (its text stays on the ticket, not in the event)."""

    ticket_id: UUID
    kind: str
    state: str
    note_id: UUID


class PowerOverContract(msgspec.Struct, frozen=True, kw_only=True):
    """The tenant draws more than its contracted power (metering's alert, raised once while it holds)."""

    alert_id: UUID
    drawn_w: float
    contracted_w: float
    at: datetime


class AccessAlertRaised(msgspec.Struct, frozen=True, kw_only=True):
    """A site-access alert about one of the tenant's visits (e.g. a visitor still on site after the
    window ended); the visitor by id only."""

    alert_id: UUID
    kind: str
    visit_id: UUID | None
    visitor_id: UUID | None
    at: datetime


Payload = (OrderStateChanged | LoaChanged | VisitDecided | VisitorMoved | ShipmentUpdated | EndpointDisabled
           | NoticeChanged | TicketChanged | TicketNoteAdded | PowerOverContract | AccessAlertRaised)


async def record_event(
    *, type: EventType, tenant_id: UUID | None, payload: Payload, now: datetime | None = None,
) -> UUID:
    """Add the event to the outbox. Call it inside the transaction that makes the change (Piccolo
    runs the insert on that transaction's connection), so both commit or neither does."""
    event_id = uuid4()
    await OutboxEvent.insert(OutboxEvent(
        id=event_id, type=type.value, tenant_id=tenant_id, occurred_at=now or datetime.now(UTC),
        payload=msgspec.json.encode(payload).decode(),
    ))
    return event_id
