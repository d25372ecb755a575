"""Shipments in the tenant's portal: the list (announced and unannounced deliveries, outbound
requests), announcing a delivery, asking for equipment to leave, one shipment with its history,
and cancelling.

The pages call what the API's /v1/shipments calls (siteaccess.shipments, and the API's rack
resolution: a rack is one the tenant holds) with the viewer's principal: another tenant's
shipment is the same 404 as a missing one. Forms build the API's InboundCreate/OutboundCreate,
so msgspec's bounds and the service's rules apply unchanged; refusals land next to their input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.controllers.visits import held_racks, resolve_rack_area
from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from colo.errors import Conflict, ValidationFailed
from siteaccess import shipments
from siteaccess.shipment_schemas import InboundCreate, OutboundCreate, ShipmentRead
from siteaccess.shipments import CANCELLABLE
from siteaccess.status import ShipmentDirection
from tenants.policy import is_allowed
from web.controllers.visits import area_label, current_viewer, facility_zone
from web.forms import read_form, schema_path, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.problems import field_errors

PER_PAGE = 50
STATUS_NAMES = {
    "expected": _("Expected"), "received": _("At the dock"), "stored": _("Stored at the dock"),
    "delivered_to_cage": _("Delivered"), "collected": _("Collected"), "requested": _("Waiting for approval"),
    "approved": _("Approved"), "handed_over": _("Handed over"), "refused": _("Refused"), "cancelled": _("Cancelled"),
}
STATUS_CLASSES = {"expected": "wait", "received": "wait", "stored": "wait", "requested": "wait", "approved": "good",
                  "delivered_to_cage": "good", "collected": "good", "handed_over": "good", "refused": "bad"}
ACTION_NAMES = {
    "announced": _("Announced"), "requested": _("Requested"), "received": _("Received at the dock"),
    "stored": _("Stored"), "delivered_to_cage": _("Delivered"), "collected": _("Collected"),
    "approved": _("Approved"), "refused": _("Refused"), "handed_over": _("Handed over"),
    "handover_refused": _("Handover refused"), "cancelled": _("Cancelled"),
    "reminder": _("Reminder: held at the dock too long"),
}
REASONS = {
    "must not be in the past": _("The date must not be in the past."),
    "must be within 180 days": _("The date must be within 180 days from now."),
    "this tracking number is already listed": _("Enter each tracking number only once."),
    "is not a rack your tenant holds": _("Choose one of your company's racks."),
    "shipments can only be announced or requested while the tenant is active": _(
        "Your company's account is not active."),
}
FALLBACK = {
    "carrier": _("Enter the carrier (at most 100 characters)."),
    "tracking_numbers": _("Enter one to ten tracking numbers, one per line (letters, digits and dashes)."),
    "boxes": _("Enter the number of boxes (1 to 500)."),
    "expected_on": _("Enter the day the delivery is expected."),
    "deliver_to": _("Choose where the delivery goes."),
    "cage": _("Enter the cage's name (one line, at most 100 characters)."),
    "description": _("Describe the shipment in 3 to 500 characters."),
    "collector_name": _("Enter who collects it."),
    "collector_company": _("Enter the collector's company."),
    "collect_at": _("Enter the date and time of the collection."),
}
INPUTS = {"collector.name": "collector_name", "collector.company": "collector_company"}

ShipmentId = FromPath[UUID]


def _errors(exc: ValidationFailed | Conflict) -> dict[str, str]:
    field = exc.field if isinstance(exc, ValidationFailed) else "form"
    name = INPUTS.get(field, field.split("[", 1)[0])
    return field_errors(exc, reasons=REASONS, inputs={field: name}, fallback=FALLBACK)


def _convert[T](document: dict[str, Any], kind: type[T]) -> T:
    try:
        return msgspec.convert(document, kind)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(schema_path(exc) or "form", str(exc)) from None


async def _racks(request: Request[Any, Any, Any]) -> dict[int, Any]:
    viewer = current_viewer(request)
    return await held_racks(viewer.principal, cache=runtime_of(request).services.read_cache)


def shared(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What every shipment page (the tenant's, the dock's, security's) names the same way."""
    return {"statuses": STATUS_NAMES, "classes": STATUS_CLASSES, "actions": ACTION_NAMES, "area_label": area_label,
            "facility_zone": facility_zone(request)}


async def _form(request: Request[Any, Any, Any], template: str, *, status: int = 200,
                values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Template:
    return page(request, template, status=status, values=values or {}, errors=errors or {},
                racks=await _racks(request), **shared(request))


def _inbound_document(values: dict[str, str]) -> dict[str, Any]:
    destination: str | None = None
    if values["deliver"] == "cage":
        destination = f"cage:{values['cage']}"
    elif values["deliver"].startswith("rack:"):
        destination = values["deliver"]
    numbers = [n.strip() for n in values["tracking_numbers"].replace(",", "\n").splitlines() if n.strip()]
    boxes = int(values["boxes"]) if values["boxes"].isdigit() else -1
    document = {"carrier": values["carrier"], "tracking_numbers": numbers, "boxes": boxes,
                "expected_on": values["expected_on"], "description": values["description"]}
    return {**document, "deliver_to": destination} if destination else document


class ShipmentsController(Controller):
    path = "/"

    @get("/shipments", operation_id="portal_shipments", opt={"acts_as": "list_shipments"})
    async def index(self, request: Request[Any, Any, Any],
                    cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None) -> Template:
        viewer, runtime = current_viewer(request), runtime_of(request)
        listed = await shipments.list_shipments(
            principal=viewer.principal, master_key=runtime.services.keys.master_key,
            holding=runtime.services.site_access.holding,
            page=keyset_request(cursor, limit=PER_PAGE, keyset=shipments.SHIPMENT_KEYS))
        may_announce = is_allowed(runtime.policy.roles, "announce_shipment", viewer.principal.role)
        return page(request, "shipments.html", shipments=listed.items, next_cursor=encode_cursor(listed),
                    first_page=cursor is None, may_announce=may_announce, racks={}, **shared(request))

    @get("/shipments/inbound/new", operation_id="portal_shipment_inbound_form", opt={"acts_as": "announce_shipment"})
    async def new_inbound(self, request: Request[Any, Any, Any]) -> Template:
        return await _form(request, "shipment_inbound.html", values={"boxes": "1", "deliver": "dock"})

    @post("/shipments/inbound/new", operation_id="portal_announce_shipment", opt={"acts_as": "announce_shipment"},
          status_code=303)
    async def announce(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        form = await read_form(request)
        values = {name: text(form, name, limit=limit, strip=True) for name, limit in (
            ("carrier", 120), ("tracking_numbers", 500), ("boxes", 6), ("expected_on", 12), ("deliver", 120),
            ("cage", 120), ("description", 520))}
        try:
            data = _convert(_inbound_document(values), InboundCreate)
            if data.deliver_to and data.deliver_to.startswith("rack:"):
                held = await held_racks(viewer.principal, cache=services.read_cache)
                data = msgspec.structs.replace(data, deliver_to=resolve_rack_area(
                    data.deliver_to.removeprefix("rack:"), held, field="deliver_to"))
            shipment = await shipments.announce_inbound(
                principal=viewer.principal, data=data, journal=services.site_access.journal,
                master_key=services.keys.master_key, holding=services.site_access.holding)
        except (ValidationFailed, Conflict) as exc:
            errors = _errors(exc)
            if "deliver_to" in errors and values["deliver"] == "cage":
                errors = {"cage": FALLBACK["cage"]}
            return await _form(request, "shipment_inbound.html", status=409 if isinstance(exc, Conflict) else 422,
                               values=values, errors=errors)
        return see_other(f"/shipments/{shipment.id}")

    @get("/shipments/outbound/new", operation_id="portal_shipment_outbound_form",
         opt={"acts_as": "request_outbound_shipment"})
    async def new_outbound(self, request: Request[Any, Any, Any]) -> Template:
        return await _form(request, "shipment_outbound.html", values={"boxes": "1"})

    @post("/shipments/outbound/new", operation_id="portal_request_outbound_shipment",
          opt={"acts_as": "request_outbound_shipment"}, status_code=303)
    async def request_outbound(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        form = await read_form(request)
        values = {name: text(form, name, limit=limit) for name, limit in (
            ("description", 520), ("boxes", 6), ("collector_name", 220), ("collector_company", 220),
            ("collect_at", 40))}
        try:
            try:
                moment = datetime.fromisoformat(values["collect_at"])
            except ValueError:
                raise ValidationFailed("collect_at", "not a date and time") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(facility_zone(request)))
            data = _convert({"description": values["description"],
                             "boxes": int(values["boxes"]) if values["boxes"].isdigit() else -1,
                             "collector": {"name": values["collector_name"], "company": values["collector_company"]},
                             "collect_at": moment.isoformat()}, OutboundCreate)
            shipment = await shipments.request_outbound(
                principal=viewer.principal, data=data, journal=services.site_access.journal,
                master_key=services.keys.master_key, holding=services.site_access.holding)
        except (ValidationFailed, Conflict) as exc:
            return await _form(request, "shipment_outbound.html", status=409 if isinstance(exc, Conflict) else 422,
                               values=values, errors=_errors(exc))
        return see_other(f"/shipments/{shipment.id}")

    @get("/shipments/{shipment_id:uuid}", operation_id="portal_shipment", opt={"acts_as": "get_shipment"})
    async def detail(self, request: Request[Any, Any, Any], shipment_id: ShipmentId) -> Template:
        return await _detail(request, shipment_id)

    @post("/shipments/{shipment_id:uuid}/cancel", operation_id="portal_cancel_shipment",
          opt={"acts_as": "cancel_shipment"}, status_code=303)
    async def cancel(self, request: Request[Any, Any, Any], shipment_id: ShipmentId) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        try:
            await shipments.cancel_shipment(principal=viewer.principal, shipment_id=shipment_id,
                                            journal=services.site_access.journal,
                                            master_key=services.keys.master_key, holding=services.site_access.holding)
        except Conflict as exc:
            return await _detail(request, shipment_id, status=409, errors=field_errors(exc))
        return see_other(f"/shipments/{shipment_id}")


def cancellable(shipment: ShipmentRead) -> bool:
    return shipment.status.value in CANCELLABLE[ShipmentDirection(shipment.direction)]


async def _detail(request: Request[Any, Any, Any], shipment_id: UUID, *, status: int = 200,
                  errors: dict[str, str] | None = None) -> Template:
    viewer, runtime = current_viewer(request), runtime_of(request)
    shipment = await shipments.get_shipment(principal=viewer.principal, shipment_id=shipment_id,
                                            master_key=runtime.services.keys.master_key,
                                            holding=runtime.services.site_access.holding)
    may_cancel = cancellable(shipment) and is_allowed(runtime.policy.roles, "cancel_shipment", viewer.principal.role)
    racks = await _racks(request) if viewer.principal.tenant_id is not None else {}
    return page(request, "shipment.html", status=status, shipment=shipment, may_cancel=may_cancel,
                errors=errors or {}, racks=racks, **shared(request))
