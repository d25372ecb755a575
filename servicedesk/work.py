"""Working a ticket: the lifecycle's actions with their effect on the SLA clock, work notes and
time spent. Every step is one row of the ticket's history.

A transition is written only if the ticket is still in the state it was read in (a conditional
update): two people acting at once cannot both move it, the second gets a 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal
from colo.outbox import EventType, TicketChanged, TicketNoteAdded, record_event
from servicedesk.config import ServiceDeskConfig
from servicedesk.lifecycle import Action, next_state
from servicedesk.schemas import Completion, TicketRead, clock_of
from servicedesk.service import billable, load_ticket, now_utc, read_of
from servicedesk.sla import Clock, stops_clock
from servicedesk.status import EventKind, Priority, SchedulingClass, TicketKind, TicketState
from servicedesk.tables import Ticket, TicketEvent


def _event(principal: Principal, row: dict[str, Any], kind: EventKind, now: datetime, **values: Any) -> TicketEvent:
    return TicketEvent(id=uuid4(), ticket_id=row["id"], tenant_id=row["tenant_id"], at=now, actor=principal.key_id,
                       actor_role=principal.role.value, kind=kind.value, **values)


# The outbox event of each transition, by action (REOPEN leads to "submitted" again, but the tenant is
# told it was reopened) — every other action by the state it leads to.
TRANSITION_EVENTS: dict[TicketState, EventType] = {
    TicketState.SUBMITTED: EventType.TICKET_SUBMITTED,
    TicketState.ACCEPTED: EventType.TICKET_ACCEPTED,
    TicketState.IN_PROGRESS: EventType.TICKET_IN_PROGRESS,
    TicketState.ACTION_REQUIRED: EventType.TICKET_ACTION_REQUIRED,
    TicketState.CUSTOMER_UPDATED: EventType.TICKET_CUSTOMER_UPDATED,
    TicketState.COMPLETED: EventType.TICKET_COMPLETED,
    TicketState.CANCELLED: EventType.TICKET_CANCELLED,
}


def transition_event(action: Action, target: TicketState) -> EventType:
    return EventType.TICKET_REOPENED if action is Action.REOPEN else TRANSITION_EVENTS[target]


def _clock_after(action: Action, row: dict[str, Any], clock: Clock, config: ServiceDeskConfig,
                 now: datetime) -> Clock:
    kind = TicketKind(row["kind"])
    if action is Action.REOPEN:  # a new clock from now, with the class's (or priority's) target
        scheduling = SchedulingClass(row["scheduling"]) if row["scheduling"] else None
        if scheduling is SchedulingClass.SCHEDULED:
            scheduling = SchedulingClass.STANDARD
        due = config.sla.due_base(kind=kind, scheduling=scheduling, window_start=None, started_at=now,
                                  priority=Priority(row["priority"]) if row["priority"] else None)
        return Clock(started_at=now, due_base=due)
    if action is Action.REQUEST_ACTION:
        clock = clock.pause(now)
    elif action is Action.ANSWER:
        clock = clock.resume(now)
    if stops_clock(kind, action.value):
        clock = clock.stop(now)
    return clock


def _clock_columns(clock: Clock) -> dict[Any, Any]:
    return {Ticket.sla_started_at: clock.started_at, Ticket.sla_due_base: clock.due_base,
            Ticket.sla_paused_seconds: clock.paused_seconds, Ticket.sla_paused_since: clock.paused_since,
            Ticket.sla_stopped_at: clock.stopped_at}


async def act(
    *, principal: Principal, ticket_id: UUID, action: Action, config: ServiceDeskConfig, text: str = "",
    completion: Completion | None = None, now: datetime | None = None,
) -> TicketRead:
    """Take one lifecycle action (servicedesk/lifecycle.py); 409 when the state does not allow it."""
    moment = now or now_utc()
    row = await load_ticket(principal=principal, ticket_id=ticket_id)
    current = TicketState(row["state"])
    target = next_state(action, current, completed_at=row["completed_at"], reopen_days=config.reopen_days,
                        now=moment)
    values: dict[Any, Any] = {Ticket.state: target.value, Ticket.updated_at: moment}
    if action is Action.COMPLETE:
        completion = completion or Completion()
        if row["kind"] == TicketKind.TROUBLE and completion.provider_caused is None:
            raise ValidationFailed("provider_caused", "required when resolving a trouble ticket: did the "
                                   "provider cause the fault (then hands time on it is not billed)?")
        if row["kind"] == TicketKind.HANDS and completion.provider_caused is not None:
            raise ValidationFailed("provider_caused", "only for trouble tickets")
        text = completion.resolution.strip()
        values.update({Ticket.completed_at: moment, Ticket.resolution: text,
                       Ticket.provider_caused: completion.provider_caused})
    elif action is Action.REOPEN:
        values.update({Ticket.completed_at: None, Ticket.provider_caused: None})
    values.update(_clock_columns(_clock_after(action, row, clock_of(row), config, moment)))
    async with Ticket._meta.db.transaction():
        moved = await Ticket.update(values).where((Ticket.id == ticket_id) & (Ticket.state == current.value)
                                                  ).returning(Ticket.id)
        if not moved:
            raise Conflict("the ticket changed meanwhile; read it again and retry", state=current.value)
        await TicketEvent.insert(_event(principal, row, EventKind.TRANSITION, moment, from_state=current.value,
                                        to_state=target.value, text=text.strip()[:2000]))
        await record_event(type=transition_event(action, target), tenant_id=row["tenant_id"], now=moment,
                           payload=TicketChanged(ticket_id=ticket_id, kind=row["kind"], action=action.value,
                                                 from_state=current.value, to_state=target.value))
    return await read_of(await load_ticket(principal=principal, ticket_id=ticket_id), now=moment)


async def add_note(*, principal: Principal, ticket_id: UUID, text: str, now: datetime | None = None) -> TicketRead:
    moment = now or now_utc()
    row = await load_ticket(principal=principal, ticket_id=ticket_id)
    note = _event(principal, row, EventKind.NOTE, moment, text=text.strip()[:2000])
    async with Ticket._meta.db.transaction():
        await TicketEvent.insert(note)
        await Ticket.update({Ticket.updated_at: moment}).where(Ticket.id == ticket_id)
        await record_event(type=EventType.TICKET_NOTE_ADDED, tenant_id=row["tenant_id"], now=moment,
                           payload=TicketNoteAdded(ticket_id=ticket_id, kind=row["kind"], state=row["state"],
                                                   note_id=note.id))
    return await read_of(await load_ticket(principal=principal, ticket_id=ticket_id), now=moment)


async def log_time(*, principal: Principal, ticket_id: UUID, minutes: int, note: str = "",
                   now: datetime | None = None) -> TicketRead:
    """Time worked on the ticket; billed in 30-minute steps, rounded up (per entry)."""
    moment = now or now_utc()
    row = await load_ticket(principal=principal, ticket_id=ticket_id)
    if row["state"] in (TicketState.SUBMITTED, TicketState.CANCELLED):
        raise Conflict(f"no time can be logged on a ticket that is {row['state']}", state=row["state"])
    if not 1 <= minutes <= 1440:
        raise ValidationFailed("minutes", "from 1 to 1440")
    await TicketEvent.insert(_event(principal, row, EventKind.TIME, moment, minutes=minutes,
                                    billable_minutes=billable(minutes), text=note.strip()[:500]))
    await Ticket.update({Ticket.updated_at: moment}).where(Ticket.id == ticket_id)
    return await read_of(await load_ticket(principal=principal, ticket_id=ticket_id), now=moment)
