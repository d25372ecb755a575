"""The service desk in the portal: a company's tickets (smart-hands requests and trouble tickets),
the forms to open them — the hands form built from the API's catalogue — and one ticket with its
SLA figures, history and attachments; the actions its state allows and the viewer's role may take
(the tenant answers, cancels, reopens; ops accept, start, complete, ask, note and log time) post
to routes that perform those API operations (`acts_as`). A cancelled or completed ticket offers no
upload (and refuses one with 409); an attachment whose file is not on this server shows the ticket
page with a message saying so (404), not an error page.

The pages call what /v1/service-desk calls (servicedesk.service and .work, the API's plant checks)
with the viewer's principal: another tenant's ticket answers exactly like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.controllers.visits import held_racks
from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from api.service_desk_plant import check_affected, check_where
from colo.errors import Conflict, NotFound, ValidationFailed
from colo.paging import PageRequest
from colo.settings import MAX_ATTACHMENT_BYTES
from dcim.readmodel.views import rack_detail
from servicedesk import attachments, service, work
from servicedesk.catalogue import BY_TYPE, REQUEST_TYPES
from servicedesk.lifecycle import Action
from servicedesk.schemas import Completion, Message, TimeEntry
from servicedesk.status import Priority, RequestType, SchedulingClass, TroubleCategory
from tenants.policy import is_allowed
from web import service_desk_forms as forms
from web import service_desk_view as view
from web.controllers.visits import current_viewer, facility_zone
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other

PER_PAGE = 50
CLOSED = {state.value for state in attachments.CLOSED_STATES}
ATTACH_CLOSED = _("Files cannot be attached to a cancelled or completed ticket.")
FILE_NOT_STORED = _("This attachment's file is not stored on this server. The operator has been told; "
                    "ask the service desk to restore it.")
HISTORY_SIZE = 200
TicketId = FromPath[UUID]
TypeChoice = Annotated[str | None, QueryParameter(name="type", required=False,
                                                  pattern=f"^({'|'.join(RequestType)})?$")]


async def _racks(request: Request[Any, Any, Any]) -> dict[int, Any]:
    viewer = current_viewer(request)
    if viewer.principal.tenant_id is None:
        return {}
    return await held_racks(viewer.principal, cache=runtime_of(request).services.read_cache)


async def rack_names(request: Request[Any, Any, Any], rack_ids: list[int]) -> dict[int, str]:
    """NetBox rack id → its name, from the read model as this person may see it (a tenant its own
    racks, staff any); a rack it cannot resolve keeps its id."""
    viewer, cache = current_viewer(request), runtime_of(request).services.read_cache
    names: dict[int, str] = {}
    for rack_id in dict.fromkeys(rack_ids):
        try:
            names[rack_id] = (await rack_detail(principal=viewer.principal, rack_id=rack_id, cache=cache)).rack.name
        except NotFound:
            continue
    return names


async def detail_page(request: Request[Any, Any, Any], ticket_id: UUID, *, status: int = 200,
                      errors: dict[str, str] | None = None, failed: str = "") -> Template:
    viewer, runtime = current_viewer(request), runtime_of(request)
    ticket = await service.get_ticket(principal=viewer.principal, ticket_id=ticket_id)
    events = await service.list_events(principal=viewer.principal, ticket_id=ticket_id,
                                       page=PageRequest(limit=HISTORY_SIZE))
    role = viewer.principal.role
    actions = [(name, view.ACTIONS[name]) for name in view.ACTIONS
               if (name in ticket.allowed_actions or name in view.ANY_STATE)
               and is_allowed(runtime.policy.roles, view.ACTIONS[name].operation, role)]
    may_attach = ticket.state.value not in CLOSED and is_allowed(runtime.policy.roles, "upload_service_attachment",
                                                                  role)
    rack_ids = ([ticket.where.rack_id] if ticket.where and ticket.where.rack_id else []) + (
        list(ticket.affected.rack_ids) if ticket.affected else [])
    state_names = view.STATE_NAMES if viewer.principal.tenant_id is not None else view.STAFF_STATE_NAMES
    return page(request, "service_ticket.html", status=status, ticket=ticket, events=events.items, actions=actions,
                errors=errors or {}, failed=failed, view=view, facility_zone=facility_zone(request),
                may_attach=may_attach, rack_names=await rack_names(request, rack_ids), state_names=state_names)


class ServiceDeskController(Controller):
    path = "/"

    @get("/service-desk", operation_id="portal_service_desk", opt={"acts_as": "list_service_tickets"})
    async def index(self, request: Request[Any, Any, Any],
                    cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None) -> Template:
        viewer, runtime = current_viewer(request), runtime_of(request)
        listed = await service.list_tickets(principal=viewer.principal,
                                            page=keyset_request(cursor, limit=PER_PAGE, keyset=service.TICKET_KEYS))
        may_open = is_allowed(runtime.policy.roles, "create_hands_request", viewer.principal.role)
        return page(request, "service_desk.html", tickets=listed.items, next_cursor=encode_cursor(listed),
                    first_page=cursor is None, may_open=may_open, view=view)

    @get("/service-desk/hands/new", operation_id="portal_hands_form", opt={"acts_as": "create_hands_request"})
    async def hands_form(self, request: Request[Any, Any, Any], request_type: TypeChoice = None) -> Template:
        values = {"request_type": request_type or RequestType.CABLE_PATCH.value, "scheduling": "standard"}
        return await self._hands(request, values=values, details={})

    async def _hands(self, request: Request[Any, Any, Any], *, values: dict[str, str], details: dict[str, str],
                     errors: dict[str, str] | None = None, status: int = 200) -> Template:
        kind = RequestType(values["request_type"]) if values.get("request_type") in set(RequestType) \
            else RequestType.OTHER
        return page(request, "service_hands_new.html", status=status, values=values, details=details,
                    errors=errors or {}, spec=BY_TYPE[kind], types=REQUEST_TYPES, racks=await _racks(request),
                    classes=list(SchedulingClass), view=view, facility_zone=facility_zone(request))

    @post("/service-desk/hands/new", operation_id="portal_create_hands_request",
          opt={"acts_as": "create_hands_request"}, status_code=303)
    async def create_hands(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        form = await read_form(request)
        values = {name: text(form, name, limit=4100) for name in forms.HANDS_INPUTS}
        kind = BY_TYPE.get(RequestType(values["request_type"])) if values["request_type"] in set(RequestType) \
            else None
        details = {spec.name: text(form, f"d_{spec.name}", limit=600) for spec in (kind.fields if kind else [])}
        try:
            data = forms.hands_create(values, details, zone=facility_zone(request))
            await check_where(viewer.principal, data.where, cache=services.read_cache)
            ticket = await service.create_hands(principal=viewer.principal, data=data,
                                                config=services.service_desk.config)
        except (ValidationFailed, Conflict) as exc:
            return await self._hands(request, values=values, details=details, errors=forms.errors_of(exc),
                                     status=409 if isinstance(exc, Conflict) else 422)
        return see_other(f"/service-desk/tickets/{ticket.id}")

    @get("/service-desk/trouble/new", operation_id="portal_trouble_form", opt={"acts_as": "create_trouble_ticket"})
    async def trouble_form(self, request: Request[Any, Any, Any]) -> Template:
        return await self._trouble(request, values={"category": "other", "priority": "normal"})

    async def _trouble(self, request: Request[Any, Any, Any], *, values: dict[str, str],
                       errors: dict[str, str] | None = None, status: int = 200) -> Template:
        return page(request, "service_trouble_new.html", status=status, values=values, errors=errors or {},
                    categories=list(TroubleCategory), priorities=list(Priority), racks=await _racks(request),
                    view=view)

    @post("/service-desk/trouble/new", operation_id="portal_create_trouble_ticket",
          opt={"acts_as": "create_trouble_ticket"}, status_code=303)
    async def create_trouble(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        form = await read_form(request)
        values = {name: text(form, name, limit=4100) for name in forms.TROUBLE_INPUTS}
        try:
            data = forms.trouble_create(values)
            await check_affected(viewer.principal, data.affected, cache=services.read_cache)
            ticket = await service.create_trouble(principal=viewer.principal, data=data,
                                                  config=services.service_desk.config)
        except (ValidationFailed, Conflict) as exc:
            return await self._trouble(request, values=values, errors=forms.errors_of(exc),
                                       status=409 if isinstance(exc, Conflict) else 422)
        return see_other(f"/service-desk/tickets/{ticket.id}")

    @get("/service-desk/tickets/{ticket_id:uuid}", operation_id="portal_service_ticket",
         opt={"acts_as": "get_service_ticket"})
    async def ticket(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Template:
        return await detail_page(request, ticket_id)

    @get("/service-desk/tickets/{ticket_id:uuid}/attachments/{attachment_id:uuid}",
         operation_id="portal_service_attachment", opt={"acts_as": "download_service_attachment"})
    async def attachment(self, request: Request[Any, Any, Any], ticket_id: TicketId,
                         attachment_id: FromPath[UUID]) -> Response[bytes] | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        try:
            found = await attachments.download(principal=viewer.principal, ticket_id=ticket_id,
                                               attachment_id=attachment_id, config=services.service_desk.config)
        except attachments.FileNotStored:  # logged at error level by the domain
            return await detail_page(request, ticket_id, status=404, errors={"form": FILE_NOT_STORED})
        return Response(found.content, media_type=found.attachment.media_type, headers={
            "Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox"})

    @post("/service-desk/tickets/{ticket_id:uuid}/attachments", operation_id="portal_upload_service_attachment",
          opt={"acts_as": "upload_service_attachment"}, status_code=303,
          request_max_body_size=MAX_ATTACHMENT_BYTES + 64 * 1024)
    async def upload(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        part = (await request.form()).get("file")
        try:
            if not isinstance(part, UploadFile):
                raise ValidationFailed("file", "no file")
            await attachments.add_attachment(principal=viewer.principal, ticket_id=ticket_id,
                                             filename=part.filename or "", content=await part.read(),
                                             config=services.service_desk.config)
        except ValidationFailed:
            return await detail_page(request, ticket_id, status=422, failed="attach",
                                     errors={"attach": view.FIELD_MESSAGES["file"]})
        except Conflict:
            return await detail_page(request, ticket_id, status=409, failed="attach", errors={"form": ATTACH_CLOSED})
        return see_other(f"/service-desk/tickets/{ticket_id}")

    async def _act(self, request: Request[Any, Any, Any], ticket_id: UUID, name: str) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        form = await read_form(request)
        message = text(form, "text", limit=2100)
        try:
            if name == "note":
                await work.add_note(principal=viewer.principal, ticket_id=ticket_id,
                                    text=forms.convert({"text": message}, Message).text)
            elif name == "time":
                minutes = text(form, "minutes", limit=6)
                entry = forms.convert({"minutes": int(minutes) if minutes.isdigit() else 0, "note": message[:500]},
                                      TimeEntry)
                await work.log_time(principal=viewer.principal, ticket_id=ticket_id, minutes=entry.minutes,
                                    note=entry.note)
            else:
                action = Action(name)
                completion = None
                if action is Action.COMPLETE:
                    caused = text(form, "provider_caused", limit=5)
                    completion = Completion(resolution=message[:2000],
                                            provider_caused={"yes": True, "no": False}.get(caused))
                elif action in view.NEEDS_TEXT:
                    message = forms.convert({"text": message}, Message).text
                await work.act(principal=viewer.principal, ticket_id=ticket_id, action=action, text=message,
                               completion=completion, config=services.service_desk.config)
        except ValidationFailed as exc:
            return await detail_page(request, ticket_id, status=422, failed=name,
                                     errors={name: view.FIELD_MESSAGES.get(exc.field.split(".")[0],
                                                                           view.FIELD_MESSAGES["text"])})
        except Conflict:
            return await detail_page(request, ticket_id, status=409, failed=name, errors={"form": view.CONFLICT})
        return see_other(f"/service-desk/tickets/{ticket_id}")

    @post("/service-desk/tickets/{ticket_id:uuid}/answer", operation_id="portal_answer_service_ticket",
          opt={"acts_as": "answer_service_ticket"}, status_code=303)
    async def answer(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "answer")

    @post("/service-desk/tickets/{ticket_id:uuid}/cancel", operation_id="portal_cancel_service_ticket",
          opt={"acts_as": "cancel_service_ticket"}, status_code=303)
    async def cancel(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "cancel")

    @post("/service-desk/tickets/{ticket_id:uuid}/reopen", operation_id="portal_reopen_service_ticket",
          opt={"acts_as": "reopen_service_ticket"}, status_code=303)
    async def reopen(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "reopen")

    @post("/service-desk/tickets/{ticket_id:uuid}/accept", operation_id="portal_accept_service_ticket",
          opt={"acts_as": "accept_service_ticket"}, status_code=303)
    async def accept(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "accept")

    @post("/service-desk/tickets/{ticket_id:uuid}/start", operation_id="portal_start_service_ticket",
          opt={"acts_as": "start_service_ticket"}, status_code=303)
    async def start(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "start")

    @post("/service-desk/tickets/{ticket_id:uuid}/complete", operation_id="portal_complete_service_ticket",
          opt={"acts_as": "complete_service_ticket"}, status_code=303)
    async def complete(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "complete")

    @post("/service-desk/tickets/{ticket_id:uuid}/request-action", operation_id="portal_request_service_ticket_action",
          opt={"acts_as": "request_service_ticket_action"}, status_code=303)
    async def request_action(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "request_action")

    @post("/service-desk/tickets/{ticket_id:uuid}/notes", operation_id="portal_add_service_ticket_note",
          opt={"acts_as": "add_service_ticket_note"}, status_code=303)
    async def note(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "note")

    @post("/service-desk/tickets/{ticket_id:uuid}/time", operation_id="portal_log_service_ticket_time",
          opt={"acts_as": "log_service_ticket_time"}, status_code=303)
    async def time(self, request: Request[Any, Any, Any], ticket_id: TicketId) -> Redirect | Template:
        return await self._act(request, ticket_id, "time")
