"""Visits in the portal: request one, follow its status and badges, cancel it.

The pages call what the API's /v1/visits calls (siteaccess.service, and the API's own area
resolution: a rack is one the tenant holds), with the viewer's principal: another tenant's visit
is the same 404 as a missing one. The form asks for the window as wall-clock times in a named
time zone (the facility's by default), and builds the API's VisitCreate from it, so msgspec's
bounds and the service's rules apply unchanged; every refusal lands next to the input it is
about, in the person's language.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.controllers.visits import held_racks, resolve_areas
from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from colo.errors import Conflict, NotFound, ValidationFailed
from colo.paging import every_row
from dcim.readmodel.schemas import RackSummary
from siteaccess import service
from siteaccess.schemas import Area, VisitCreate, VisitRead
from siteaccess.status import OPEN_STATUSES
from tenants.people import list_people
from tenants.policy import is_allowed
from tenants.schemas import IdDocumentType, PersonRead
from web.forms import many, read_form, schema_path, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.problems import field_errors
from web.state import Viewer, WebRequest

# Besides the facility's own (COLO_TIME_ZONE: what "09:00" means on the form by default), the
# zones a visitor may type a window in.
OTHER_ZONES = ("UTC", "Asia/Baku", "Europe/Istanbul", "Asia/Tbilisi", "Asia/Dubai", "Europe/Moscow", "Europe/Berlin",
               "Europe/London")
GUEST_ROWS = 3  # guest lines on the form; a visit takes at most 20 visitors (VisitCreate)
VISITS_PER_PAGE = 50

STATUS_NAMES = {
    "pending": _("Waiting for security"), "approved": _("Approved"), "denied": _("Denied"),
    "cancelled": _("Cancelled"),
}
STATUS_CLASSES = {"pending": "wait", "approved": "good", "denied": "bad", "cancelled": ""}
BADGE_NAMES = {"none": _("Not issued"), "issued": _("Issued"), "expired": _("Expired")}
DOCUMENT_NAMES = {
    IdDocumentType.PASSPORT: _("Passport"), IdDocumentType.NATIONAL_ID: _("National ID card"),
    IdDocumentType.DRIVING_LICENCE: _("Driving licence"), IdDocumentType.OTHER: _("Other document"),
}
REASONS = {
    "must be after starts_at": _("The end must be after the start."),
    "a visit lasts at most 14 days": _("A visit lasts at most 14 days."),
    "must not be in the past": _("The start must not be in the past."),
    "must be within 180 days": _("The start must be within 180 days from now."),
    "no such person in your tenant": _("Choose people of your company."),
    "this person has no site access": _("This person has no site access."),
    "this person is already on the visit": _("Each person can be on a visit once."),
    "visits can only be requested while the tenant is active": _("Your company's account is not active."),
}
FALLBACK = {
    "starts_at": _("Enter the date and time the visit starts."),
    "ends_at": _("Enter the date and time the visit ends."),
    "zone": _("Choose a time zone."),
    "areas": _("Choose at least one area your company may visit (at most 10)."),
    "cage": _("Enter the cage's name (one line, at most 100 characters)."),
    "visitors": _("Add at least one visitor, a colleague or a guest (at most 20)."),
    "people": _("Choose people of your company."),
    "purpose": _("Describe the purpose in at most 200 characters."),
}
GUEST_FALLBACK = {
    "name": _("Enter the guest's name."), "company": _("Enter the guest's company."),
    "id_document_type": _("Choose the type of ID document."),
    "id_number": _("Enter the ID document's number (3 to 40 characters)."),
}
_POSITION = re.compile(r"^\$?\.?visitors\[(\d+)\](?:\.guest)?\.?([a-z_]*)")

VisitId = FromPath[UUID]


def current_viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for every visit page
    return viewer


async def _racks(request: Request[Any, Any, Any]) -> dict[int, RackSummary]:
    """The racks the viewer's tenant holds (what a `rack:` area may name); none for staff."""
    viewer = current_viewer(request)
    if viewer.principal.tenant_id is None:
        return {}
    return await held_racks(viewer.principal, cache=runtime_of(request).services.read_cache)


def area_label(area: str, racks: dict[int, RackSummary]) -> tuple[str, str]:
    """(message, argument) naming an area: the meet-me room, a rack by name and site, a cage."""
    kind, _colon, name = area.partition(":")
    if kind == "rack" and name.isdigit() and int(name) in racks:
        rack = racks[int(name)]
        return _("Rack %(name)s"), f"{rack.name} ({rack.site})"
    if kind in ("rack", "cage"):
        return (_("Rack %(name)s") if kind == "rack" else _("Cage %(name)s")), name
    return _("Meet-me room"), ""


def facility_zone(request: Request[Any, Any, Any]) -> str:
    return runtime_of(request).services.settings.time_zone


def zones(facility: str) -> tuple[str, ...]:
    return (facility, *(zone for zone in OTHER_ZONES if zone != facility))


async def _people(request: Request[Any, Any, Any]) -> list[PersonRead] | None:
    """The company's people with site access, when the viewer may list people (as in the API:
    a company member may not, and names colleagues by nothing but a guest line)."""
    viewer, runtime = current_viewer(request), runtime_of(request)
    if not is_allowed(runtime.policy.roles, "list_people", viewer.principal.role):
        return None
    everyone = await every_row(lambda page: list_people(principal=viewer.principal, page=page))
    return [person for person in everyone if person.site_access]


async def _form(request: Request[Any, Any, Any], *, status: int = 200, values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None) -> Template:
    facility = facility_zone(request)
    return page(request, "visit_new.html", status=status, values=values or {"zone": facility},
                errors=errors or {}, people=await _people(request), racks=await _racks(request),
                zones=zones(facility), facility_zone=facility, guest_rows=range(GUEST_ROWS), documents=DOCUMENT_NAMES)


def _values(form: dict[str, Any]) -> dict[str, Any]:
    """The posted form, bounded, as the template shows it again."""
    values: dict[str, Any] = {name: text(form, name, limit=limit) for name, limit in (
        ("starts_at", 40), ("ends_at", 40), ("zone", 40), ("cage", 120), ("purpose", 250))}
    values["areas"] = [a[:110] for a in many(form, "areas", limit=12)]
    values["people"] = list(dict.fromkeys(p[:40] for p in many(form, "people", limit=21)))
    values["escort"] = text(form, "escort", limit=5) == "yes"
    for n in range(GUEST_ROWS):
        for name in GUEST_FALLBACK:
            values[f"guest_{name}_{n}"] = text(form, f"guest_{name}_{n}", limit=60)
    return values


def _moment(value: str, zone: ZoneInfo, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(field, "not a date and time") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _document(values: dict[str, Any], facility: str) -> tuple[dict[str, Any], list[str]]:
    """The VisitCreate document of a posted form, and which input each visitor came from (a
    person's `people`, or a guest line's `guest_<field>_<n>` prefix)."""
    if values["zone"] not in zones(facility):
        raise ValidationFailed("zone", "not a time zone of the form")
    zone = ZoneInfo(values["zone"])
    areas = list(values["areas"])
    if values["cage"]:
        try:
            areas.append(msgspec.convert(f"cage:{values['cage']}", Area))
        except msgspec.ValidationError:
            raise ValidationFailed("cage", "not a cage name") from None
    visitors: list[dict[str, Any]] = []
    sources: list[str] = []
    for person in values["people"]:
        try:
            visitors.append({"person_id": str(UUID(person))})
        except ValueError:
            raise ValidationFailed("people", "not a person id") from None
        sources.append("people")
    for n in range(GUEST_ROWS):
        guest = {name: values[f"guest_{name}_{n}"] for name in GUEST_FALLBACK}
        if any(guest.values()):
            visitors.append({"guest": guest})
            sources.append(f"guest_%s_{n}")
    document = {"starts_at": _moment(values["starts_at"], zone, "starts_at").isoformat(),
                "ends_at": _moment(values["ends_at"], zone, "ends_at").isoformat(), "areas": areas,
                "visitors": visitors, "escort_required": values["escort"], "purpose": values["purpose"]}
    return document, sources


def _input_of(field: str, sources: list[str]) -> str:
    """The form input a VisitCreate field path names: `visitors[2].guest.id_number` → the guest
    line that visitor came from; `areas[1]` → the areas; anything else by its own name."""
    found = _POSITION.match(field)
    if found is not None:
        position, attribute = int(found.group(1)), found.group(2)
        source = sources[position] if position < len(sources) else "visitors"
        if not source.startswith("guest_"):
            return source
        return source % (attribute if attribute in GUEST_FALLBACK else "name")
    return field.split("[", 1)[0] if field.startswith("areas") else field


def _messages(exc: ValidationFailed | Conflict | NotFound, sources: list[str]) -> dict[str, str]:
    field = exc.field if isinstance(exc, ValidationFailed) else "form"
    name = _input_of(field, sources)
    guest = re.match(r"^guest_([a-z_]+)_\d+$", name)
    fallback = {**FALLBACK, name: GUEST_FALLBACK[guest.group(1)]} if guest else FALLBACK
    return field_errors(exc, reasons=REASONS, inputs={field: name}, fallback=fallback)


def _schema_error(exc: msgspec.ValidationError) -> ValidationFailed:
    """A msgspec refusal of the document as the domain's ValidationFailed on the field it names."""
    return ValidationFailed(schema_path(exc) or "visitors", str(exc))


class VisitsController(Controller):
    path = "/"

    @get("/visits", operation_id="portal_visits", opt={"acts_as": "list_visits"})
    async def index(self, request: Request[Any, Any, Any],
                    cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None) -> Template:
        viewer, runtime = current_viewer(request), runtime_of(request)
        listed = await service.list_visits(
            principal=viewer.principal, master_key=runtime.services.keys.master_key,
            page=keyset_request(cursor, limit=VISITS_PER_PAGE, keyset=service.VISIT_KEYS))
        may_request = is_allowed(runtime.policy.roles, "request_visit", viewer.principal.role)
        return page(request, "visits.html", visits=listed.items, next_cursor=encode_cursor(listed),
                    first_page=cursor is None, may_request=may_request, racks=await _racks(request),
                    **_shared(request))

    @get("/visits/new", operation_id="portal_visit_form", opt={"acts_as": "request_visit"})
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        return await _form(request)

    @post("/visits/new", operation_id="portal_request_visit", opt={"acts_as": "request_visit"}, status_code=303)
    async def request_visit(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        values = _values(await read_form(request))
        sources: list[str] = []
        try:
            document, sources = _document(values, facility_zone(request))
            try:
                data = msgspec.convert(document, VisitCreate)
            except msgspec.ValidationError as exc:
                raise _schema_error(exc) from None
            data = msgspec.structs.replace(
                data, areas=await resolve_areas(viewer.principal, data.areas, cache=services.read_cache))
            visit = await service.request_visit(principal=viewer.principal, master_key=services.keys.master_key,
                                                data=data, journal=services.site_access.journal)
        except (ValidationFailed, Conflict) as exc:
            return await _form(request, status=409 if isinstance(exc, Conflict) else 422, values=values,
                               errors=_messages(exc, sources))
        return see_other(f"/visits/{visit.id}")

    @get("/visits/{visit_id:uuid}", operation_id="portal_visit", opt={"acts_as": "get_visit"})
    async def detail(self, request: Request[Any, Any, Any], visit_id: VisitId) -> Template:
        return await _detail(request, visit_id)

    @post("/visits/{visit_id:uuid}/cancel", operation_id="portal_cancel_visit", opt={"acts_as": "cancel_visit"},
          status_code=303)
    async def cancel(self, request: Request[Any, Any, Any], visit_id: VisitId) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        try:
            await service.cancel_visit(principal=viewer.principal, visit_id=visit_id,
                                       master_key=services.keys.master_key, journal=services.site_access.journal)
        except Conflict as exc:
            return await _detail(request, visit_id, status=409, errors=field_errors(exc))
        return see_other(f"/visits/{visit_id}")


def _shared(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {"statuses": STATUS_NAMES, "classes": STATUS_CLASSES, "badges": BADGE_NAMES,
            "area_label": area_label, "facility_zone": facility_zone(request), "documents": DOCUMENT_NAMES}


def cancellable(visit: VisitRead) -> bool:
    """What cancel_visit accepts: an open visit nobody on it has entered yet."""
    return visit.status in OPEN_STATUSES and not any(v.checked_in_at for v in visit.visitors)


async def _detail(request: Request[Any, Any, Any], visit_id: UUID, *, status: int = 200,
                  errors: dict[str, str] | None = None) -> Template:
    viewer, runtime = current_viewer(request), runtime_of(request)
    visit = await service.get_visit(principal=viewer.principal, visit_id=visit_id,
                                    master_key=runtime.services.keys.master_key)
    may_cancel = cancellable(visit) and is_allowed(runtime.policy.roles, "cancel_visit", viewer.principal.role)
    return page(request, "visit.html", status=status, visit=visit, may_cancel=may_cancel, errors=errors or {},
                racks=await _racks(request), **_shared(request))
