"""Ops' service-desk queue: the open tickets of every tenant (or those in one state), the
running SLA clocks first, least time left first — breached ones at the top — then the paused
ones. A ticket opens on the shared ticket page (web/controllers/service_desk.py), which offers
ops accept, start, complete, ask the customer, notes and time."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from colo.errors import NotFound
from colo.paging import PageRequest, PageResult, every_row
from servicedesk import service
from servicedesk.schemas import TicketSummary
from servicedesk.status import OPEN_STATES, TicketState
from tenants.lifecycle import get_tenant
from web import service_desk_view as view
from web.controllers.visits import current_viewer
from web.pages import page

QUEUE_LIMIT = 500
TABS = ("open", *TicketState)
StateTab = Annotated[str | None, QueryParameter(name="state", required=False, pattern=f"^({'|'.join(TABS)})?$")]


def queue_order(ticket: TicketSummary) -> tuple[bool, bool, int]:
    """Running clocks before paused ones before stopped ones; least time left first."""
    return ticket.sla.stopped_at is not None, ticket.sla.paused, ticket.sla.seconds_left


class OpsServiceDeskController(Controller):
    path = "/"

    @get("/ops/service-desk", operation_id="portal_ops_service_desk", opt={"acts_as": "accept_service_ticket"})
    async def queue(self, request: Request[Any, Any, Any], in_state: StateTab = None) -> Template:
        viewer = current_viewer(request)
        tab = in_state or "open"
        states = sorted(OPEN_STATES) if tab == "open" else [TicketState(tab)]
        tickets: list[TicketSummary] = []
        for state in states:
            async def fetch(chosen: PageRequest, state: TicketState = state) -> PageResult[TicketSummary]:
                return await service.list_tickets(principal=viewer.principal, page=chosen, state=state)
            tickets += await every_row(fetch)
        tickets = sorted(tickets, key=queue_order)[:QUEUE_LIMIT]
        names: dict[UUID, str] = {}
        for tenant_id in {ticket.tenant_id for ticket in tickets}:
            try:
                names[tenant_id] = (await get_tenant(principal=viewer.principal, tenant_id=tenant_id)).legal_name
            except NotFound:
                names[tenant_id] = str(tenant_id)
        return page(request, "ops_service_desk.html", tickets=tickets, tab=tab, tabs=TABS, view=view, tenants=names)
