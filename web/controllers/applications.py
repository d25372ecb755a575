"""The public application form and status tracking, over tenants.applications — the functions
the API's /v1/applications calls, with the same per-address limits (the same limiter buckets).

The tracking secret is shown once, on the page after submitting; tracking takes it in a form
post (never in a URL, which would land in browser history and proxy logs). Once the application
is approved, the same secret sets up the company's first administrator account
(accounts/first_admin.py): the link goes by e-mail to the technical contact, or is shown once.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Template

from accounts import first_admin
from api.controllers.applications import APPLY_LIMIT, TRACK_LIMIT
from api.request_state import RequestState
from colo.errors import Conflict, NotFound, ValidationFailed
from tenants.applications import submit_application, track
from tenants.schemas import ApplicationCreate, ServiceKind
from web.forms import field_error, many, read_form, schema_path, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.invitations import hand_over
from web.pages import page
from web.state import WebRequest

SERVICE_NAMES = {
    ServiceKind.RACK_SPACE: _("Rack space"),
    ServiceKind.POWER: _("Power"),
    ServiceKind.CROSS_CONNECT: _("Cross-connects"),
    ServiceKind.IP_TRANSIT: _("IP transit"),
    ServiceKind.MEET_ME_ROOM: _("Meet-me room"),
    ServiceKind.REMOTE_HANDS: _("Remote hands"),
}
STATUS_NAMES = {
    "submitted": _("Submitted: waiting for review"),
    "action_required": _("The datacenter needs more information from you"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
}
FIELD_INVALID = _("This value is not valid.")
DUPLICATE = _("An application or tenant with this registration number exists already.")
NOT_FOUND = _("No application matches this number and tracking secret.")
ADMIN_EXISTS = _("Your company's administrator account exists already: sign in, or ask an administrator of "
                 "your company for an invitation.")
NOT_READY = _("The application is not approved, or the company's account is not active.")
FIELDS = ("legal_name", "registration_number", "country", "address.street", "address.postal_code", "address.city",
          "address.region", "billing_contact.name", "billing_contact.email", "billing_contact.phone",
          "technical_contact.name", "technical_contact.email", "technical_contact.phone")


async def _limit(request: Request[Any, Any, Any], name: str, rule: tuple[int, int]) -> None:
    address = RequestState.of(request.scope).client_address or "unknown"
    await runtime_of(request).services.rate_limiter.hit(name, address, limit=rule[0], window=rule[1])


def _document(values: dict[str, str], services: list[str]) -> dict[str, Any]:
    """The form's flat fields as the nested document ApplicationCreate describes."""
    document: dict[str, Any] = {"services_of_interest": services}
    for name in FIELDS:
        head, _dot, tail = name.partition(".")
        if tail:
            document.setdefault(head, {})[tail] = values[name]
        else:
            document[head] = values[name]
    return document


class ApplicationsController(Controller):
    path = "/"

    @get("/apply", operation_id="portal_apply_form")
    async def apply_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "apply.html", values={}, chosen=[], errors={}, services=SERVICE_NAMES)

    @post("/apply", operation_id="portal_apply", status_code=200)
    async def apply(self, request: Request[Any, Any, Any]) -> Template:
        runtime = runtime_of(request)
        form = await read_form(request)
        values = {name: text(form, name) for name in FIELDS}
        chosen = [s for s in many(form, "services") if s in {kind.value for kind in ServiceKind}]

        def again(status: int, errors: dict[str, str]) -> Template:
            return page(request, "apply.html", status=status, values=values, chosen=chosen, errors=errors,
                        services=SERVICE_NAMES)

        try:
            data = msgspec.convert(_document(values, chosen), ApplicationCreate)
        except msgspec.ValidationError as exc:
            name = schema_path(exc) or "services"
            return again(422, {name.replace("services_of_interest", "services"): FIELD_INVALID})
        await _limit(request, "apply", APPLY_LIMIT)
        try:
            submitted = await submit_application(data=data, ring=runtime.ring,
                                                 master_key=runtime.services.keys.master_key)
        except (ValidationFailed, Conflict) as exc:
            name, _reason = field_error(exc)
            return again(422 if isinstance(exc, ValidationFailed) else 409,
                         {name: DUPLICATE if isinstance(exc, Conflict) else FIELD_INVALID})
        return page(request, "applied.html", submitted=submitted)

    @get("/track", operation_id="portal_track_form")
    async def track_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "track.html", application_id="", errors={}, found=None, statuses=STATUS_NAMES)

    @post("/track", operation_id="portal_track", status_code=200)
    async def track(self, request: Request[Any, Any, Any]) -> Template:
        runtime = runtime_of(request)
        form = await read_form(request)
        application_id = text(form, "application_id", limit=40)
        await _limit(request, "track", TRACK_LIMIT)
        secret = text(form, "tracking_secret", limit=100)
        try:
            found = await track(application_id=UUID(application_id), secret=secret, ring=runtime.ring)
        except (ValueError, NotFound):
            return page(request, "track.html", status=404, application_id=application_id,
                        errors={"form": NOT_FOUND}, found=None, statuses=STATUS_NAMES)
        # the secret goes back into this no-store page only for the approved case's set-up button
        return page(request, "track.html", application_id=application_id, errors={}, found=found,
                    statuses=STATUS_NAMES, tracking_secret=secret)

    @post("/track/administrator", operation_id="portal_track_administrator", status_code=200)
    async def first_administrator(self, request: Request[Any, Any, Any]) -> Template:
        runtime = runtime_of(request)
        form = await read_form(request)
        application_id = text(form, "application_id", limit=40)
        secret = text(form, "tracking_secret", limit=100)
        await _limit(request, "track", TRACK_LIMIT)
        try:
            issued = await first_admin.first_admin_link(
                application_id=UUID(application_id), secret=secret, ring=runtime.ring,
                master_key=runtime.services.keys.master_key, valid_hours=runtime.services.settings.invitation_hours)
        except (ValueError, NotFound):
            return page(request, "track.html", status=404, application_id=application_id,
                        errors={"form": NOT_FOUND}, found=None, statuses=STATUS_NAMES)
        except Conflict as exc:  # the company has its administrator already, or is not (or no longer) active
            message = ADMIN_EXISTS if exc.extra.get("reason") == first_admin.ADMIN_EXISTS else NOT_READY
            return page(request, "track.html", status=409, application_id=application_id,
                        errors={"form": message}, found=None, statuses=STATUS_NAMES)
        handover = await hand_over(request, issued, language=WebRequest.of(request.scope).language.code)
        return page(request, "first_admin.html", handover=handover)
