"""The loading dock screen (the gate role, security, ops) and security's outbound approvals.

The dock screen works like the gate's: a scanner types the tracking number and Enter into the
focused field; the answer (matched to an announcement, or "nobody announced it: register it for
a tenant") is the response to that post. Below: what is expected today, what is at the dock
(store on a shelf, deliver to the rack or cage, hand over naming who took it) and approved
outbound equipment waiting to be collected. Every action calls what the API's /v1/dock calls
(siteaccess.dock), so it is recorded the same way. Registering an unannounced delivery needs
the tenant it is for: the screen lists the active tenants by name for that one choice.

Security (and ops) approve or refuse outbound requests on /security/shipments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from colo.errors import Conflict, NotFound, ValidationFailed
from colo.paging import every_row
from siteaccess import dock, shipments
from siteaccess.schemas import Decision
from siteaccess.shipment_schemas import Handover, Receipt, ShipmentRead, Storage
from siteaccess.status import ShipmentDirection, ShipmentStatus
from tenants.lifecycle import list_tenants
from tenants.status import TenantStatus
from web.controllers.shipments import shared
from web.controllers.visits import DOCUMENT_NAMES, current_viewer
from web.forms import read_form, schema_field, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.problems import field_errors

NOT_A_TRACKING_NUMBER = _("Not a tracking number: 4 to 40 letters, digits or dashes.")
UNANNOUNCED = _("Nobody announced this tracking number. Choose the company it is for to register it as unannounced.")
SEVERAL = _("Several companies announced this tracking number: choose the company.")
AT_DOCK = _("A shipment with this tracking number is already at the dock.")
DONE = {"stored": _("Stored."), "delivered": _("Delivered to the rack or cage."), "handed": _("Handed over."),
        "approved": _("Approved: the equipment may leave."), "refused": _("Refused.")}
HANDOVER_FALLBACK = {"name": _("Enter the name as on the ID document."), "company": _("Enter the company."),
                     "id_document_type": _("Choose the type of ID document."),
                     "id_number": _("Enter the ID document's number (3 to 40 characters).")}
NOT_APPROVED = _("Not approved: equipment leaves only with an approved request.")
REASON_REQUIRED = _("Give a reason (3 to 500 characters).")
STATE_CHANGED = _("This cannot be done in the current state. Reload the page and try again.")

ShipmentId = FromPath[UUID]


async def _all(request: Request[Any, Any, Any], **filters: Any) -> list[ShipmentRead]:
    viewer, services = current_viewer(request), runtime_of(request).services
    return await every_row(lambda page: shipments.list_shipments(
        principal=viewer.principal, master_key=services.keys.master_key, page=page,
        holding=services.site_access.holding, **filters))


def _today(request: Request[Any, Any, Any]) -> Any:
    return datetime.now(UTC).astimezone(ZoneInfo(runtime_of(request).services.settings.time_zone)).date()


async def _screen(request: Request[Any, Any, Any], *, status: int = 200, outcome: ShipmentRead | None = None,
                  problem: str | None = None, done: str | None = None, errors: dict[str, dict[str, str]] | None = None,
                  values: dict[str, str] | None = None) -> Template:
    viewer = current_viewer(request)
    tenants = await every_row(lambda page: list_tenants(principal=viewer.principal, status=TenantStatus.ACTIVE.value,
                                                        page=page))
    now = datetime.now(UTC)
    held = [*await _all(request, status=ShipmentStatus.RECEIVED), *await _all(request, status=ShipmentStatus.STORED)]
    return page(request, "dock.html", status=status, outcome=outcome, problem=problem, done=DONE.get(done or ""),
                errors=errors or {}, values=values or {}, now=now,
                expected=await _all(request, direction=ShipmentDirection.INBOUND, status=ShipmentStatus.EXPECTED,
                                    expected_on=_today(request)),
                held=sorted(held, key=lambda s: s.received_at or now),
                leaving=await _all(request, status=ShipmentStatus.APPROVED),
                tenants={t.id: t.legal_name for t in tenants}, documents=DOCUMENT_NAMES, **shared(request))


async def _receive(request: Request[Any, Any, Any]) -> Template:
    viewer, services = current_viewer(request), runtime_of(request).services
    form = await read_form(request)
    values = {name: text(form, name, limit=limit) for name, limit in (
        ("tracking_number", 60), ("tenant_id", 40), ("carrier", 120), ("boxes", 6))}
    document: dict[str, Any] = {"tracking_number": values["tracking_number"], "carrier": values["carrier"]}
    if values["tenant_id"]:
        document["tenant_id"] = values["tenant_id"]
    if values["boxes"]:
        document["boxes"] = int(values["boxes"]) if values["boxes"].isdigit() else 0
    try:
        receipt = msgspec.convert(document, Receipt)
    except msgspec.ValidationError as exc:
        field = schema_field(exc).replace("form", "tracking_number")
        message = NOT_A_TRACKING_NUMBER if field == "tracking_number" else _("This value is not valid.")
        return await _screen(request, status=422, errors={"receive": {field: message}}, values=values)
    try:
        received = await dock.receive(principal=viewer.principal, data=receipt, journal=services.site_access.journal,
                                      master_key=services.keys.master_key, holding=services.site_access.holding,
                                      tell=services.site_access.tell)
    except (ValidationFailed, NotFound, Conflict) as exc:
        if isinstance(exc, ValidationFailed) and exc.field == "tenant_id":
            message = SEVERAL if exc.reason.startswith("several") else UNANNOUNCED
            return await _screen(request, status=422, errors={"receive": {"tenant_id": message}}, values=values)
        if isinstance(exc, Conflict):
            return await _screen(request, status=409, errors={"receive": {"tracking_number": AT_DOCK}}, values=values)
        return await _screen(request, status=422, values=values,
                             errors={"receive": field_errors(exc, default_field="tracking_number")})
    return await _screen(request, outcome=received)


async def _step(request: Request[Any, Any, Any], shipment_id: UUID, action: str) -> Redirect | Template:
    """Store, deliver or hand over one shipment at the dock."""
    viewer, services = current_viewer(request), runtime_of(request).services
    form = await read_form(request)
    key, journal, master_key = str(shipment_id), services.site_access.journal, services.keys.master_key
    principal, holding = viewer.principal, services.site_access.holding
    values: dict[str, str] = {}
    try:
        if action == "stored":
            values = {"location": text(form, "location", limit=120)}
            await dock.store(principal=principal, shipment_id=shipment_id, journal=journal, master_key=master_key,
                             holding=holding, data=_convert({"location": values["location"]}, Storage))
        elif action == "delivered":
            await dock.deliver(principal=principal, shipment_id=shipment_id, journal=journal, master_key=master_key,
                               holding=holding)
        else:
            values = {name: text(form, name, limit=60) for name in HANDOVER_FALLBACK}
            await dock.hand_over(principal=principal, shipment_id=shipment_id, journal=journal,
                                 master_key=master_key, holding=holding, data=_convert(dict(values), Handover))
    except _Refused as refused:
        return await _screen(request, status=422, errors={key: refused.errors}, values=values)
    except ValidationFailed as exc:
        errors = field_errors(exc, fallback={"location": _("Enter the shelf (at most 100 characters)."),
                                             **HANDOVER_FALLBACK})
        return await _screen(request, status=422, errors={key: errors}, values=values)
    except Conflict as exc:
        problem = NOT_APPROVED if "approved request" in exc.detail else STATE_CHANGED
        return await _screen(request, status=409, problem=problem, values=values)
    return see_other(f"/dock?done={'handed' if action == 'handed' else action}")


class _Refused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("refused")
        self.errors = errors


def _convert[T](document: dict[str, Any], kind: type[T]) -> T:
    try:
        return msgspec.convert(document, kind)
    except msgspec.ValidationError as exc:
        field = schema_field(exc).replace("form", "location")
        fallback = {"location": _("Enter the shelf (at most 100 characters)."), **HANDOVER_FALLBACK}
        raise _Refused({field: fallback.get(field, _("This value is not valid."))}) from None


class DockController(Controller):
    path = "/"

    @get("/dock", operation_id="portal_dock", opt={"acts_as": "receive_shipment"})
    async def index(self, request: Request[Any, Any, Any],
                    done: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
        return await _screen(request, done=done)

    @post("/dock/receive", operation_id="portal_receive_shipment", opt={"acts_as": "receive_shipment"},
          status_code=200)
    async def receive(self, request: Request[Any, Any, Any]) -> Template:
        return await _receive(request)

    @post("/dock/{shipment_id:uuid}/store", operation_id="portal_store_shipment", opt={"acts_as": "store_shipment"},
          status_code=303)
    async def store(self, request: Request[Any, Any, Any], shipment_id: ShipmentId) -> Redirect | Template:
        return await _step(request, shipment_id, "stored")

    @post("/dock/{shipment_id:uuid}/deliver", operation_id="portal_deliver_shipment",
          opt={"acts_as": "deliver_shipment"}, status_code=303)
    async def deliver(self, request: Request[Any, Any, Any], shipment_id: ShipmentId) -> Redirect | Template:
        return await _step(request, shipment_id, "delivered")

    @post("/dock/{shipment_id:uuid}/hand-over", operation_id="portal_hand_over_shipment",
          opt={"acts_as": "hand_over_shipment"}, status_code=303)
    async def hand_over(self, request: Request[Any, Any, Any], shipment_id: ShipmentId) -> Redirect | Template:
        return await _step(request, shipment_id, "handed")

    @get("/security/shipments", operation_id="portal_security_shipments", opt={"acts_as": "approve_shipment"})
    async def approvals(self, request: Request[Any, Any, Any],
                        done: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
        return await _approvals(request, done=done)

    @post("/security/shipments/{shipment_id:uuid}/approve", operation_id="portal_approve_shipment",
          opt={"acts_as": "approve_shipment"}, status_code=303)
    async def approve(self, request: Request[Any, Any, Any], shipment_id: ShipmentId) -> Redirect | Template:
        return await _decide(request, shipment_id, approve=True)

    @post("/security/shipments/{shipment_id:uuid}/refuse", operation_id="portal_refuse_shipment",
          opt={"acts_as": "refuse_shipment"}, status_code=303)
    async def refuse(self, request: Request[Any, Any, Any], shipment_id: ShipmentId) -> Redirect | Template:
        return await _decide(request, shipment_id, approve=False)


async def _approvals(request: Request[Any, Any, Any], *, status: int = 200, done: str | None = None,
                     problem: str | None = None, errors: dict[str, dict[str, str]] | None = None) -> Template:
    viewer = current_viewer(request)
    waiting = await _all(request, direction=ShipmentDirection.OUTBOUND, status=ShipmentStatus.REQUESTED)
    tenants = await every_row(lambda page: list_tenants(principal=viewer.principal, page=page))
    return page(request, "security_shipments.html", status=status, waiting=waiting, done=DONE.get(done or ""),
                problem=problem, errors=errors or {}, tenants={t.id: t.legal_name for t in tenants},
                **shared(request))


async def _decide(request: Request[Any, Any, Any], shipment_id: UUID, *, approve: bool) -> Redirect | Template:
    viewer, services = current_viewer(request), runtime_of(request).services
    written = text(await read_form(request), "reason", limit=600)
    try:
        decision = msgspec.convert({"reason": written}, Decision)
    except msgspec.ValidationError:
        return await _approvals(request, status=422, errors={str(shipment_id): {"reason": REASON_REQUIRED}})
    try:
        await dock.decide(principal=viewer.principal, shipment_id=shipment_id, approve=approve,
                          reason=decision.reason, journal=services.site_access.journal,
                          master_key=services.keys.master_key, holding=services.site_access.holding)
    except Conflict:
        return await _approvals(request, status=409, problem=STATE_CHANGED)
    return see_other(f"/security/shipments?done={'approved' if approve else 'refused'}")
