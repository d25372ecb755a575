"""Opening and reading tickets: smart-hands requests and trouble tickets.

A tenant opens tickets for itself only (the tenant comes from its key); the plant objects a
ticket names were already checked by the API's assembly point against the dcim read model (this
domain does not import dcim). Every read is filtered by the caller's tenant in the query: another
tenant's ticket answers "not found", like a missing one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec

from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal
from colo.outbox import EventType, TicketChanged, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
from servicedesk.catalogue import BY_TYPE, check_details
from servicedesk.config import ServiceDeskConfig
from servicedesk.schemas import (
    AttachmentRead,
    EventRead,
    HandsCreate,
    TicketRead,
    TicketSummary,
    TroubleCreate,
)
from servicedesk.status import EventKind, SchedulingClass, TicketKind, TicketState
from servicedesk.tables import Attachment, Ticket, TicketEvent
from tenants.scope import scoped, select_one_or_404, tenant_for_write
from tenants.status import TenantStatus
from tenants.tables import Tenant

PAST_TOLERANCE = timedelta(minutes=15)
MAX_LEAD_TIME = timedelta(days=180)
MAX_WINDOW = timedelta(days=2)
TICKET_KEYS = Keyset("service_tickets", (datetime, UUID), descending=True)  # newest first
EVENT_KEYS = Keyset("service_ticket_events", (datetime, UUID))  # oldest first


def now_utc() -> datetime:
    return datetime.now(UTC)


async def _require_active(tenant_id: UUID) -> None:
    row = await Tenant.select(Tenant.status).where(Tenant.id == tenant_id).first()
    if row is None or row["status"] != TenantStatus.ACTIVE:
        raise Conflict("service-desk tickets can only be opened while the tenant is active")


def _window(data: HandsCreate, now: datetime) -> tuple[datetime | None, datetime | None]:
    start, end = data.window_start, data.window_end
    if data.scheduling is not SchedulingClass.SCHEDULED:
        for name, value in (("window_start", start), ("window_end", end)):
            if value is not None:
                raise ValidationFailed(name, "only with scheduling=scheduled")
        return None, None
    for name, value in (("window_start", start), ("window_end", end)):
        if value is None:
            raise ValidationFailed(name, "required with scheduling=scheduled")
        if value.tzinfo is None:
            raise ValidationFailed(name, "must include a time zone (e.g. 2026-12-01T08:00:00Z)")
    assert start is not None and end is not None
    if end <= start:
        raise ValidationFailed("window_end", "must be after window_start")
    if end - start > MAX_WINDOW:
        raise ValidationFailed("window_end", "a window lasts at most 2 days")
    if start < now - PAST_TOLERANCE:
        raise ValidationFailed("window_start", "must not be in the past")
    if start > now + MAX_LEAD_TIME:
        raise ValidationFailed("window_start", "must be within 180 days")
    return start.astimezone(UTC), end.astimezone(UTC)


def _check_where(data: HandsCreate) -> None:
    need = BY_TYPE[data.request_type].where
    where = data.where
    if need == "rack" and where.rack_id is None:
        raise ValidationFailed("where.rack_id", f"{data.request_type.value} requests name the rack")
    if need == "rack_or_device" and where.rack_id is None and where.device_id is None:
        raise ValidationFailed("where", f"{data.request_type.value} requests name a rack or a device")
    if where.units and where.rack_id is None:
        raise ValidationFailed("where.units", "units are units of a rack: name where.rack_id too")


def _row(*, principal: Principal, kind: TicketKind, tenant_id: UUID, title: str, scope: str, contact: Any,
         due_base: datetime, now: datetime, **columns: Any) -> Ticket:
    return Ticket(
        id=uuid4(), tenant_id=tenant_id, kind=kind.value, state=TicketState.SUBMITTED.value, title=title.strip(),
        scope=scope.strip(), contact_name=contact.name.strip(), contact_phone=contact.phone.strip(),
        contact_email=contact.email.strip(), created_by=principal.key_id, created_at=now, updated_at=now,
        sla_started_at=now, sla_due_base=due_base, **columns)


async def _open(principal: Principal, ticket: Ticket, *, now: datetime) -> TicketRead:
    event = TicketEvent(id=uuid4(), ticket_id=ticket.id, tenant_id=ticket.tenant_id, at=now, actor=principal.key_id,
                        actor_role=principal.role.value, kind=EventKind.CREATED.value,
                        to_state=TicketState.SUBMITTED.value)
    async with Ticket._meta.db.transaction():
        await Ticket.insert(ticket)
        await TicketEvent.insert(event)
        await record_event(type=EventType.TICKET_SUBMITTED, tenant_id=ticket.tenant_id, now=now, payload=TicketChanged(
            ticket_id=ticket.id, kind=ticket.kind, action="submit", from_state="",
            to_state=TicketState.SUBMITTED.value))
    return await get_ticket(principal=principal, ticket_id=ticket.id, now=now)


async def create_hands(*, principal: Principal, data: HandsCreate, config: ServiceDeskConfig,
                       now: datetime | None = None) -> TicketRead:
    """A smart-hands request: type, where, what, when and who (the plant refs are checked by api/)."""
    moment = now or now_utc()
    tenant_id = tenant_for_write(principal, None)
    await _require_active(tenant_id)
    details = check_details(data.request_type, dict(data.details))
    _check_where(data)
    start, end = _window(data, moment)
    due = config.sla.due_base(kind=TicketKind.HANDS, scheduling=data.scheduling, priority=None,
                              window_start=start, started_at=moment)
    ticket = _row(principal=principal, kind=TicketKind.HANDS, tenant_id=tenant_id, title=data.title,
                  scope=data.scope, contact=data.contact, due_base=due, now=moment,
                  request_type=data.request_type.value, details=json.dumps(details, sort_keys=True),
                  scheduling=data.scheduling.value, window_start=start, window_end=end,
                  location=msgspec.json.encode(data.where).decode())
    return await _open(principal, ticket, now=moment)


async def create_trouble(*, principal: Principal, data: TroubleCreate, config: ServiceDeskConfig,
                         now: datetime | None = None) -> TicketRead:
    """A trouble ticket: category, priority, affected objects (checked by api/), contact."""
    moment = now or now_utc()
    tenant_id = tenant_for_write(principal, None)
    await _require_active(tenant_id)
    due = config.sla.due_base(kind=TicketKind.TROUBLE, scheduling=None, priority=data.priority, window_start=None,
                              started_at=moment)
    ticket = _row(principal=principal, kind=TicketKind.TROUBLE, tenant_id=tenant_id, title=data.title,
                  scope=data.description, contact=data.contact, due_base=due, now=moment,
                  category=data.category.value, priority=data.priority.value,
                  affected=msgspec.json.encode(data.affected).decode())
    return await _open(principal, ticket, now=moment)


async def load_ticket(*, principal: Principal, ticket_id: UUID) -> dict[str, Any]:
    """The ticket's row if the caller may see it; NotFound otherwise (the same for missing)."""
    return await select_one_or_404(Ticket, object_id=ticket_id, principal=principal, resource="ticket",
                                   tenant_column=Ticket.tenant_id)


def billable(minutes: int) -> int:
    """Hands time is billed in 30-minute steps, rounded up."""
    return -(-minutes // 30) * 30


async def time_totals(ticket_ids: list[UUID]) -> dict[UUID, tuple[int, int]]:
    """ticket id → (minutes worked, billable minutes before the provider-caused rule)."""
    if not ticket_ids:
        return {}
    totals: dict[UUID, tuple[int, int]] = {}
    for entry in await TicketEvent.select(TicketEvent.ticket_id, TicketEvent.minutes,
                                          TicketEvent.billable_minutes).where(
            TicketEvent.ticket_id.is_in(ticket_ids) & (TicketEvent.kind == EventKind.TIME.value)):
        spent, billed = totals.get(entry["ticket_id"], (0, 0))
        totals[entry["ticket_id"]] = (spent + entry["minutes"], billed + entry["billable_minutes"])
    return totals


def billable_of(row: dict[str, Any], billed: int) -> int:
    """No bill for hands time on a trouble ticket the provider caused."""
    return 0 if row["kind"] == TicketKind.TROUBLE and row["provider_caused"] else billed


async def read_of(row: dict[str, Any], *, now: datetime) -> TicketRead:
    spent, billed = (await time_totals([row["id"]])).get(row["id"], (0, 0))
    files = await Attachment.select().where(Attachment.ticket_id == row["id"]).order_by(Attachment.created_at)
    return TicketRead.of(row, now=now, minutes=spent, billable=billable_of(row, billed),
                         attachments=[AttachmentRead.of(f) for f in files])


async def get_ticket(*, principal: Principal, ticket_id: UUID, now: datetime | None = None) -> TicketRead:
    row = await load_ticket(principal=principal, ticket_id=ticket_id)
    return await read_of(row, now=now or now_utc())


async def list_tickets(
    *, principal: Principal, page: PageRequest, state: TicketState | None = None, kind: TicketKind | None = None,
    tenant_id: UUID | None = None, now: datetime | None = None,
) -> PageResult[TicketSummary]:
    """Tickets, newest first: the caller's tenant's, or every tenant's for staff (`tenant_id` filters)."""
    query = scoped(Ticket.select(), principal=principal, column=Ticket.tenant_id)
    for column, value in ((Ticket.state, state), (Ticket.kind, kind), (Ticket.tenant_id, tenant_id)):
        if value is not None:
            query = query.where(column == value)
    rows = await select_page(query, columns=(Ticket.created_at, Ticket.id), keyset=TICKET_KEYS, page=page)
    moment = now or now_utc()
    return rows.map(lambda row: TicketSummary.of(row, now=moment))


async def list_events(*, principal: Principal, ticket_id: UUID, page: PageRequest) -> PageResult[EventRead]:
    """The ticket's history, oldest first."""
    await load_ticket(principal=principal, ticket_id=ticket_id)
    query = TicketEvent.select().where(TicketEvent.ticket_id == ticket_id)
    rows = await select_page(query, columns=(TicketEvent.at, TicketEvent.id), keyset=EVENT_KEYS, page=page)
    return rows.map(EventRead.of)
