"""The gate screen for a tablet at the entrance: badge check-in/out, who is on site, who overstayed.

A badge scanner types the number and Enter into the focused field; the page answers with one
big ALLOWED or REFUSED and the reason in words. Check-in and check-out call what the API's
/v1/gate calls (siteaccess.gate), so a refusal is recorded — gate event, access-log entry,
alert — exactly as there, before the screen shows it. The result is the response to the post
itself, not a redirect: the next scan is the next post, and the answer belongs to this one.

Who is on site, and who overstayed, is what the API's GET /v1/gate/on-site answers
(siteaccess.on_site: every visitor checked in and not out, names masked — the tablet stands at
the entrance — and overstayed once the visit's window ended).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Template

from colo.errors import NotFound
from colo.paging import every_row
from siteaccess import gate, on_site, service
from siteaccess.gate import GateRefused
from siteaccess.schemas import GateResult, GateScan, OnSiteRead, VisitorRead, VisitRead
from web.controllers.security_visits import shared, tenant_names
from web.controllers.visits import current_viewer
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page

REFUSALS = {
    "the badge has expired": _("The badge has expired."),
    "the visit is": _("The visit is not approved."),
    "outside the visit's time window": _("Outside the visit's time window."),
    "already checked in": _("This visitor is already on site."),
    "not checked in": _("This visitor is not on site."),
}
UNKNOWN_BADGE = _("Unknown badge: no visitor holds this badge.")
NOT_A_BADGE = _("Not a badge number: a badge reads B- and ten letters or digits.")
REFUSED_OTHER = _("Refused by the gate.")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the gate screen shows after a scan: allowed (with who), or refused with the reason."""

    action: str  # check_in, check_out
    allowed: bool
    badge: str
    reason: str = ""
    result: GateResult | None = None
    visit: VisitRead | None = None

    @property
    def visitor(self) -> VisitorRead | None:
        if self.result is None or self.visit is None:
            return None
        return next((v for v in self.visit.visitors if v.id == self.result.visitor_id), None)


async def _inside(request: Request[Any, Any, Any], now: datetime) -> list[OnSiteRead]:
    """Everyone on site now, every page of the API's list."""
    principal = current_viewer(request).principal
    return await every_row(lambda page: on_site.list_on_site(principal=principal, page=page, now=now))


async def _screen(request: Request[Any, Any, Any], *, outcome: Outcome | None = None, status: int = 200) -> Template:
    now = datetime.now(UTC)
    inside = await _inside(request, now)
    tenants = {entry.tenant_id: entry.tenant_name for entry in inside if entry.tenant_name}
    if outcome and outcome.visit:
        tenants |= await tenant_names(request, {outcome.visit.tenant_id})
    return page(request, "gate.html", status=status, outcome=outcome, now=now,
                on_site=[entry for entry in inside if not entry.overstayed],
                overstayed=[entry for entry in inside if entry.overstayed], tenants=tenants, **shared(request))


def _reason(refusal: GateRefused) -> str:
    return next((message for known, message in REFUSALS.items() if refusal.reason.startswith(known)), REFUSED_OTHER)


async def _pass(request: Request[Any, Any, Any], action: str) -> Template:
    """One scan at the gate: the API's check-in or check-out, and the screen with its outcome."""
    viewer, services = current_viewer(request), runtime_of(request).services
    badge = text(await read_form(request), "badge", limit=40).upper()
    try:
        scan = msgspec.convert({"badge": badge}, GateScan)
    except msgspec.ValidationError:  # the API's 422: nothing to look up, nothing recorded
        return await _screen(request, status=422, outcome=Outcome(action, False, badge, NOT_A_BADGE))
    passing = gate.check_in if action == "check_in" else gate.check_out
    try:
        result = await passing(principal=viewer.principal, scan=scan, journal=services.site_access.journal,
                               master_key=services.keys.master_key)
    except GateRefused as refusal:
        return await _screen(request, status=409, outcome=Outcome(action, False, badge, _reason(refusal)))
    except NotFound:
        return await _screen(request, status=404, outcome=Outcome(action, False, badge, UNKNOWN_BADGE))
    visit = await service.get_visit(principal=viewer.principal, visit_id=result.visit_id,
                                    master_key=services.keys.master_key)
    return await _screen(request, outcome=Outcome(action, True, badge, result=result, visit=visit))


class GateController(Controller):
    path = "/"

    @get("/gate", operation_id="portal_gate", opt={"acts_as": "gate_check_in"})
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return await _screen(request)

    @post("/gate/check-in", operation_id="portal_gate_check_in", opt={"acts_as": "gate_check_in"}, status_code=200)
    async def check_in(self, request: Request[Any, Any, Any]) -> Template:
        return await _pass(request, "check_in")

    @post("/gate/check-out", operation_id="portal_gate_check_out", opt={"acts_as": "gate_check_out"},
          status_code=200)
    async def check_out(self, request: Request[Any, Any, Any]) -> Template:
        return await _pass(request, "check_out")
