"""Site visits, the gate and site-access alerts.

Tenants request and cancel visits (their own only: another tenant's visit is 404); security
approves or denies; the gate (or security) checks people in and out and sees who is on site;
security reads and acknowledges alerts.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from colo.errors import ValidationFailed
from colo.identity import Principal
from colo.paging import every_row
from colo.signed_approval import VISITS, required
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.schemas import RackSummary
from dcim.readmodel.views import list_racks
from siteaccess import alerts, gate, on_site, service
from siteaccess.schemas import (
    Acknowledgement,
    AlertRead,
    Decision,
    GateResult,
    GateScan,
    OnSiteRead,
    VisitCreate,
    VisitRead,
)
from siteaccess.status import VisitStatus

StatusFilter = FromQuery[VisitStatus | None]
AlertKind = Annotated[str | None, QueryParameter(pattern=r"^[a-z_]{1,32}$")]


async def held_racks(principal: Principal, *, cache: ReadModelCache) -> dict[int, RackSummary]:
    """The racks a tenant may name in a visit: those it holds, per the plant read model (by
    NetBox id). The one place that decides it — a rack it does not hold is refused like a
    missing one."""
    racks = await every_row(lambda page: list_racks(principal=principal, page=page, cache=cache), limit=500)
    return {rack.netbox_id: rack for rack in racks}


def resolve_rack_area(reference: str, held: dict[int, RackSummary], *, field: str) -> str:
    """`rack:<NetBox id>` or `rack:<name>` → `rack:<id>` of a rack in `held`.

    Ids are the durable reference (rack names repeat across sites and may contain spaces); a
    name is accepted only when exactly one held rack carries it.
    """
    if reference.isdigit() and int(reference) in held:
        return f"rack:{int(reference)}"
    named = sorted(rack_id for rack_id, rack in held.items() if rack.name == reference)
    if len(named) == 1:
        return f"rack:{named[0]}"
    if len(named) > 1:
        raise ValidationFailed(field, f"several racks you hold are named {reference!r} (ids "
                               f"{', '.join(map(str, named))}); name one as rack:<id>")
    raise ValidationFailed(field, f"{reference!r} is not a rack your tenant holds")


async def resolve_areas(principal: Principal, areas: list[str], *, cache: ReadModelCache) -> list[str]:
    """The visit's areas with every `rack:` area as `rack:<NetBox id>` of a rack the tenant holds.
    Done here, at the assembly point, because siteaccess/ may not import dcim/."""
    if not any(area.startswith("rack:") for area in areas):
        return areas
    held = await held_racks(principal, cache=cache)
    return [resolve_rack_area(area.removeprefix("rack:"), held, field=f"areas[{position}]")
            if area.startswith("rack:") else area for position, area in enumerate(areas)]

DecisionBody = Annotated[Decision, Body(examples=[Example(summary="why", value={
    "reason": "escort booked for 09:00, ID checked against the access list"})])]


class VisitController(Controller):
    path = "/v1/visits"
    tags = ["site visits"]

    @post("/", operation_id="request_visit", status_code=201,
          summary="Request a site visit (≤14 days) for your people or guests",
          responses=problems(400, 401, 403, 409, 422))
    async def request(self, request: ColoRequest, data: JSONBody[VisitCreate]) -> VisitRead:
        areas = await resolve_areas(request.principal, data.areas, cache=request.services.read_cache)
        data = msgspec.structs.replace(data, areas=areas)
        return await service.request_visit(principal=request.principal, master_key=request.services.keys.master_key,
                                           data=data,
                                           journal=request.services.site_access.journal)

    @get("/", operation_id="list_visits",
         summary="Visits, latest start first (your tenant's, or all for security and the gate)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_visits(
        self, request: ColoRequest,
        status: StatusFilter = None, limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[VisitRead]]:
        page = keyset_request(cursor, limit=limit, keyset=service.VISIT_KEYS)
        return respond(request, await service.list_visits(principal=request.principal,
                                                          master_key=request.services.keys.master_key,
                                                          status=status, page=page))

    @get("/{visit_id:uuid}", operation_id="get_visit", summary="One visit with its visitors and badges",
         responses=problems(401, 403, 404))
    async def get_one(self, request: ColoRequest, visit_id: FromPath[UUID]) -> VisitRead:
        return await service.get_visit(principal=request.principal, visit_id=visit_id,
                                       master_key=request.services.keys.master_key)

    @post("/{visit_id:uuid}/cancel", operation_id="cancel_visit", status_code=200,
          summary="Withdraw a visit nobody has entered yet; its badges expire",
          responses=problems(401, 403, 404, 409))
    async def cancel(self, request: ColoRequest, visit_id: FromPath[UUID]) -> VisitRead:
        return await service.cancel_visit(principal=request.principal, visit_id=visit_id,
                                          master_key=request.services.keys.master_key,
                                          journal=request.services.site_access.journal)

    @post("/{visit_id:uuid}/approve", operation_id="approve_visit", status_code=200,
          summary="Approve a pending visit: every visitor gets a badge expiring at the window's end",
          description="409 where the facility requires signed visit approvals (COLO_SIGNED_APPROVALS): use "
                      "POST /v1/visits/{visit_id}/approve-signed.",
          responses=problems(400, 401, 403, 404, 409))
    async def approve(
        self, request: ColoRequest, visit_id: FromPath[UUID], data: DecisionBody,
    ) -> VisitRead:
        return await service.decide_visit(principal=request.principal, visit_id=visit_id, approve=True,
                                          reason=data.reason,
                                          master_key=request.services.keys.master_key,
                                          journal=request.services.site_access.journal,
                                          require_signature=required(request.services.settings, VISITS))

    @post("/{visit_id:uuid}/deny", operation_id="deny_visit", status_code=200,
          summary="Deny a pending visit, with a reason", responses=problems(400, 401, 403, 404, 409))
    async def deny(
        self, request: ColoRequest, visit_id: FromPath[UUID], data: DecisionBody,
    ) -> VisitRead:
        return await service.decide_visit(principal=request.principal, visit_id=visit_id, approve=False,
                                          reason=data.reason,
                                          master_key=request.services.keys.master_key,
                                          journal=request.services.site_access.journal,
                                          require_signature=False)


class GateController(Controller):
    path = "/v1/gate"
    tags = ["gate"]

    @post("/check-in", operation_id="gate_check_in", status_code=200,
          summary="Check a visitor in by badge; refused (409, recorded, alerted) outside the window, "
                  "with an expired badge or without approval",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def check_in(self, request: ColoRequest, data: JSONBody[GateScan]) -> GateResult:
        return await gate.check_in(principal=request.principal, scan=data, journal=request.services.site_access.journal,
                                   master_key=request.services.keys.master_key)

    @post("/check-out", operation_id="gate_check_out", status_code=200, summary="Check a visitor out by badge",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def check_out(self, request: ColoRequest, data: JSONBody[GateScan]) -> GateResult:
        return await gate.check_out(principal=request.principal, scan=data,
                                    journal=request.services.site_access.journal,
                                    master_key=request.services.keys.master_key)


    @get("/on-site", operation_id="list_on_site",
         summary="Who is on site now (names masked), the latest check-in first; overstayed: the visit's window "
                 "has ended", responses=problems(400, 401, 403, 422), **PAGED)
    async def list_on_site(
        self, request: ColoRequest, limit: PageSize = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[Page[OnSiteRead]]:
        page = keyset_request(cursor, limit=limit, keyset=on_site.ON_SITE_KEYS)
        return respond(request, await on_site.list_on_site(principal=request.principal, page=page))


class AlertController(Controller):
    path = "/v1/alerts"
    tags = ["alerts"]

    @get("/", operation_id="list_alerts",
         summary="Site-access alerts: refused attempts and bursts, overstays, failed-authentication bursts",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_alerts(
        self, request: ColoRequest, open_only: FromQuery[bool] = True,
        kind: AlertKind = None, limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[AlertRead]]:
        page = keyset_request(cursor, limit=limit, keyset=alerts.ALERT_KEYS)
        await request.services.site_access.sweep()  # what is true now, not only as of the monitor's last pass
        return respond(request, await alerts.list_alerts(open_only=open_only, kind=kind, page=page))

    @post("/{alert_id:uuid}/acknowledge", operation_id="acknowledge_alert", status_code=200,
          summary="Mark an alert as handled, optionally with a note of what was done (kept on the alert; "
                  "the first acknowledgement stands)", responses=problems(400, 401, 403, 404))
    async def acknowledge(
        self, request: ColoRequest, alert_id: FromPath[UUID],
        data: Annotated[Acknowledgement | None, Body(examples=[Example(
            summary="with a note", value={"note": "called the company: they come tomorrow"})])] = None,
    ) -> AlertRead:
        return await alerts.acknowledge_alert(principal=request.principal, alert_id=alert_id,
                                              note=data.note if data else "")
