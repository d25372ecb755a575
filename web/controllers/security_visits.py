"""The security officer's visit queue: pending visits, approve or deny with a reason.

The pages call what the API's /v1/visits/{id}/approve and /deny call (siteaccess.service.
decide_visit) with the officer's principal, so the decision, the badges it issues and the
physical events it records are the API's; the tenant's own visit page then shows it. A deny
without a reason (the API's Decision: 3 to 500 characters) lands next to that visit's reason
field; a visit someone else decided a moment ago is a 409 with the queue shown again.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from colo.errors import Conflict, NotFound
from colo.signed_approval import VISITS, required
from siteaccess import service
from siteaccess.schemas import Decision, VisitRead
from siteaccess.status import VisitStatus
from tenants.lifecycle import get_tenant
from tenants.policy import is_allowed
from web.controllers.visits import (
    BADGE_NAMES,
    DOCUMENT_NAMES,
    STATUS_CLASSES,
    STATUS_NAMES,
    area_label,
    current_viewer,
    facility_zone,
)
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other

QUEUE_PER_PAGE = 50
APPROVED_WITHOUT_NOTE = "approved by security"  # the API requires a reason; the form's note is optional
DONE = {"approved": _("The visit was approved; its badges are issued."),
        "denied": _("The visit was denied; the company sees your reason.")}
REASON_REQUIRED = _("Give the reason in 3 to 500 characters; the company sees it.")
NOTE_INVALID = _("A note has at most 500 characters.")
ALREADY_DECIDED = _("This visit was decided or withdrawn in the meantime; the queue below is up to date.")
WINDOW_ENDED = _("This visit's window has already ended; it can only be denied.")
SIGNED_APPROVAL = _("This facility requires visit approvals signed with your certificate: download the "
                    "approval PDF from the API, sign it and upload it there.")

VisitId = FromPath[UUID]


async def tenant_names(request: Request[Any, Any, Any], tenant_ids: set[UUID]) -> dict[UUID, str]:
    """Legal names of the tenants on a page, when the viewer may read tenants (the gate's key may not)."""
    viewer, runtime = current_viewer(request), runtime_of(request)
    if not is_allowed(runtime.policy.roles, "get_tenant", viewer.principal.role):
        return {}
    names: dict[UUID, str] = {}
    for tenant_id in tenant_ids:
        try:
            names[tenant_id] = (await get_tenant(principal=viewer.principal, tenant_id=tenant_id)).legal_name
        except NotFound:
            continue
    return names


def shared(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What the console's visit tables need, as the tenant's visit pages name them."""
    return {"statuses": STATUS_NAMES, "classes": STATUS_CLASSES, "badges": BADGE_NAMES, "area_label": area_label,
            "facility_zone": facility_zone(request), "documents": DOCUMENT_NAMES, "racks": {}}


async def _queue(request: Request[Any, Any, Any], *, cursor: str | None = None, done: str | None = None,
                 status: int = 200, problem: str | None = None, errors: dict[str, dict[str, str]] | None = None,
                 values: dict[str, dict[str, str]] | None = None) -> Template:
    """The queue; `errors`/`values`: per visit id, input → message / what was typed."""
    viewer, runtime = current_viewer(request), runtime_of(request)
    listed = await service.list_visits(
        principal=viewer.principal, master_key=runtime.services.keys.master_key, status=VisitStatus.PENDING,
        page=keyset_request(cursor, limit=QUEUE_PER_PAGE, keyset=service.VISIT_KEYS))
    visits: list[VisitRead] = listed.items
    return page(request, "security_visits.html", status=status, visits=visits,
                tenants=await tenant_names(request, {visit.tenant_id for visit in visits}),
                next_cursor=encode_cursor(listed), first_page=cursor is None, done=DONE.get(done or ""),
                problem=problem, errors=errors or {}, values=values or {}, **shared(request))


class SecurityVisitsController(Controller):
    path = "/"

    @get("/security/visits", operation_id="portal_security_visits", opt={"acts_as": "approve_visit"})
    async def index(self, request: Request[Any, Any, Any],
                    cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None,
                    done: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
        return await _queue(request, cursor=cursor, done=done)

    @post("/security/visits/{visit_id:uuid}/approve", operation_id="portal_approve_visit",
          opt={"acts_as": "approve_visit"}, status_code=303)
    async def approve(self, request: Request[Any, Any, Any], visit_id: VisitId) -> Redirect | Template:
        return await _decide(request, visit_id, approve=True)

    @post("/security/visits/{visit_id:uuid}/deny", operation_id="portal_deny_visit",
          opt={"acts_as": "deny_visit"}, status_code=303)
    async def deny(self, request: Request[Any, Any, Any], visit_id: VisitId) -> Redirect | Template:
        return await _decide(request, visit_id, approve=False)


async def _decide(request: Request[Any, Any, Any], visit_id: UUID, *, approve: bool) -> Redirect | Template:
    viewer, services = current_viewer(request), runtime_of(request).services
    field = "note" if approve else "reason"
    written = text(await read_form(request), field, limit=600)
    key = str(visit_id)
    try:
        decision = msgspec.convert({"reason": written or (APPROVED_WITHOUT_NOTE if approve else "")}, Decision)
    except msgspec.ValidationError:
        message = NOTE_INVALID if approve else REASON_REQUIRED
        return await _queue(request, status=422, errors={key: {field: message}}, values={key: {field: written}})
    try:
        await service.decide_visit(principal=viewer.principal, visit_id=visit_id, approve=approve,
                                   reason=decision.reason, master_key=services.keys.master_key,
                                   journal=services.site_access.journal,
                                   require_signature=required(services.settings, VISITS))
    except Conflict as exc:
        problem = WINDOW_ENDED if exc.detail.startswith("the visit's window") else ALREADY_DECIDED
        if exc.detail.startswith(service.SIGNATURE_REQUIRED):
            problem = SIGNED_APPROVAL
        return await _queue(request, status=409, problem=problem, values={key: {field: written}})
    return see_other(f"/security/visits?done={'approved' if approve else 'denied'}")
