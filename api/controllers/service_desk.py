"""The service desk's tickets: the hands catalogue, smart-hands requests and trouble tickets.

Tenants open tickets and follow their own (answer ops' questions, cancel, reopen within the
configured days); ops work every tenant's (accept, start, complete, ask the customer, notes,
time spent). The plant objects a ticket names are checked here against the dcim read model
(api/service_desk_plant.py), since servicedesk/ does not import dcim/. Another tenant's ticket
is 404, like a missing one; a step the ticket's state does not allow is 409.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from api.service_desk_plant import check_affected, check_where
from servicedesk import service, work
from servicedesk.catalogue import Catalogue, catalogue
from servicedesk.lifecycle import Action
from servicedesk.schemas import (
    Cancellation,
    Completion,
    EventRead,
    HandsCreate,
    Message,
    TicketRead,
    TicketSummary,
    TimeEntry,
    TroubleCreate,
)
from servicedesk.status import TicketKind, TicketState

TicketId = FromPath[UUID]
OptionalCancellation = Annotated[Cancellation | None, Body()]
OptionalCompletion = Annotated[Completion | None, Body()]


async def _act(request: ColoRequest, ticket_id: UUID, action: Action, *, text: str = "",
               completion: Completion | None = None) -> TicketRead:
    return await work.act(principal=request.principal, ticket_id=ticket_id, action=action, text=text,
                          completion=completion, config=request.services.service_desk.config)


class ServiceDeskController(Controller):
    path = "/v1/service-desk"
    tags = ["service desk"]

    @get("/catalogue", operation_id="get_service_catalogue",
         summary="The smart-hands request types and the fields each needs; trouble categories and priorities",
         responses=problems(401, 403))
    async def get_catalogue(self) -> Catalogue:
        return catalogue()

    @post("/hands", operation_id="create_hands_request", status_code=201,
          summary="Ask for smart hands: type (from the catalogue), where, scope of work, when, who to contact",
          responses=problems(400, 401, 403, 409, 422))
    async def create_hands(self, request: ColoRequest,
                           data: JSONBody[HandsCreate]) -> TicketRead:
        await check_where(request.principal, data.where, cache=request.services.read_cache)
        return await service.create_hands(principal=request.principal, data=data,
                                          config=request.services.service_desk.config)

    @post("/trouble", operation_id="create_trouble_ticket", status_code=201,
          summary="Report a fault: category, priority, the affected racks, power feeds and cross-connects",
          responses=problems(400, 401, 403, 409, 422))
    async def create_trouble(self, request: ColoRequest,
                             data: JSONBody[TroubleCreate]) -> TicketRead:
        await check_affected(request.principal, data.affected, cache=request.services.read_cache)
        return await service.create_trouble(principal=request.principal, data=data,
                                            config=request.services.service_desk.config)

    @get("/tickets", operation_id="list_service_tickets",
         summary="Tickets, newest first, with their SLA due time and time left (your tenant's, or all for ops)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_tickets(
        self, request: ColoRequest,
        ticket_state: Annotated[TicketState | None, QueryParameter(name="state")] = None,
        kind: FromQuery[TicketKind | None] = None, tenant_id: FromQuery[UUID | None] = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[TicketSummary]]:
        page = keyset_request(cursor, limit=limit, keyset=service.TICKET_KEYS)
        return respond(request, await service.list_tickets(principal=request.principal, page=page, state=ticket_state,
                                                           kind=kind, tenant_id=tenant_id))

    @get("/tickets/{ticket_id:uuid}", operation_id="get_service_ticket",
         summary="One ticket: its details, SLA figures, time spent, attachments and the actions its state allows",
         responses=problems(401, 403, 404))
    async def get_ticket(self, request: ColoRequest, ticket_id: TicketId) -> TicketRead:
        return await service.get_ticket(principal=request.principal, ticket_id=ticket_id)

    @get("/tickets/{ticket_id:uuid}/events", operation_id="list_service_ticket_events",
         summary="The ticket's history, oldest first: transitions, notes, time and attachments (with sha256)",
         responses=problems(400, 401, 403, 404, 422), **PAGED)
    async def list_events(
        self, request: ColoRequest, ticket_id: TicketId,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[EventRead]]:
        page = keyset_request(cursor, limit=limit, keyset=service.EVENT_KEYS)
        return respond(request, await service.list_events(principal=request.principal, ticket_id=ticket_id, page=page))

    @post("/tickets/{ticket_id:uuid}/answer", operation_id="answer_service_ticket", status_code=200,
          summary="Answer what ops asked (action_required → customer_updated; the SLA clock runs again)",
          responses=problems(400, 401, 403, 404, 409))
    async def answer(self, request: ColoRequest, ticket_id: TicketId,
                     data: JSONBody[Message]) -> TicketRead:
        return await _act(request, ticket_id, Action.ANSWER, text=data.text)

    @post("/tickets/{ticket_id:uuid}/cancel", operation_id="cancel_service_ticket", status_code=200,
          summary="Cancel a ticket whose work has not started", responses=problems(400, 401, 403, 404, 409))
    async def cancel(self, request: ColoRequest, ticket_id: TicketId,
                     data: OptionalCancellation = None) -> TicketRead:
        return await _act(request, ticket_id, Action.CANCEL,
                          text=data.reason if data else "")

    @post("/tickets/{ticket_id:uuid}/reopen", operation_id="reopen_service_ticket", status_code=200,
          summary="Reopen a completed ticket (within COLO_SERVICEDESK_REOPEN_DAYS); its SLA clock starts again",
          responses=problems(400, 401, 403, 404, 409))
    async def reopen(self, request: ColoRequest, ticket_id: TicketId,
                     data: JSONBody[Message]) -> TicketRead:
        return await _act(request, ticket_id, Action.REOPEN, text=data.text)

    @post("/tickets/{ticket_id:uuid}/accept", operation_id="accept_service_ticket", status_code=200,
          summary="Ops accept the ticket", responses=problems(401, 403, 404, 409))
    async def accept(self, request: ColoRequest, ticket_id: TicketId) -> TicketRead:
        return await _act(request, ticket_id, Action.ACCEPT)

    @post("/tickets/{ticket_id:uuid}/start", operation_id="start_service_ticket", status_code=200,
          summary="Ops start the work (a hands request's SLA clock stops here)", responses=problems(401, 403, 404, 409))
    async def start(self, request: ColoRequest, ticket_id: TicketId) -> TicketRead:
        return await _act(request, ticket_id, Action.START)

    @post("/tickets/{ticket_id:uuid}/complete", operation_id="complete_service_ticket", status_code=200,
          summary="Ops complete the ticket; a trouble ticket records whether the provider caused it",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def complete(self, request: ColoRequest, ticket_id: TicketId,
                       data: OptionalCompletion = None) -> TicketRead:
        return await _act(request, ticket_id, Action.COMPLETE, completion=data)

    @post("/tickets/{ticket_id:uuid}/request-action", operation_id="request_service_ticket_action", status_code=200,
          summary="Ops ask the customer for something (→ action_required; the SLA clock pauses)",
          responses=problems(400, 401, 403, 404, 409))
    async def request_action(self, request: ColoRequest, ticket_id: TicketId,
                             data: JSONBody[Message]) -> TicketRead:
        return await _act(request, ticket_id, Action.REQUEST_ACTION, text=data.text)

    @post("/tickets/{ticket_id:uuid}/notes", operation_id="add_service_ticket_note", status_code=200,
          summary="Ops add a work note to the ticket's history", responses=problems(400, 401, 403, 404))
    async def add_note(self, request: ColoRequest, ticket_id: TicketId, data: JSONBody[Message]) -> TicketRead:
        return await work.add_note(principal=request.principal, ticket_id=ticket_id, text=data.text)

    @post("/tickets/{ticket_id:uuid}/time", operation_id="log_service_ticket_time", status_code=200,
          summary="Ops log time spent (billed in 30-minute steps, rounded up)",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def log_time(self, request: ColoRequest, ticket_id: TicketId, data: JSONBody[TimeEntry]) -> TicketRead:
        return await work.log_time(principal=request.principal, ticket_id=ticket_id, minutes=data.minutes,
                                   note=data.note)
