"""The service desk's portal forms: what a posted form becomes (the API's HandsCreate and
TroubleCreate, so msgspec's bounds and the services' rules apply unchanged) and where a refusal
lands (the API's field → the form's input). Times typed into a form are the facility's."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from colo.errors import Conflict, NotFound, ValidationFailed
from servicedesk.catalogue import BY_TYPE, FieldSpec
from servicedesk.schemas import HandsCreate, TroubleCreate
from servicedesk.status import RequestType
from web.forms import schema_path
from web.i18n import marker as _
from web.problems import field_errors

HANDS_INPUTS = ("request_type", "title", "scope", "rack", "units", "scheduling", "window_start", "window_end",
                "contact_name", "contact_phone", "contact_email")
TROUBLE_INPUTS = ("category", "priority", "title", "description", "rack", "contact_name", "contact_phone",
                  "contact_email")
REASONS = {
    "not a rack your tenant holds": _("Choose one of your company's racks."),
    "not a unit your tenant holds": _("Name units your company holds in this rack."),
    "must not be in the past": _("The window must not start in the past."),
    "must be after window_start": _("The window must end after it starts."),
    "required with scheduling=scheduled": _("A scheduled request needs the window's start and end."),
    "only with scheduling=scheduled": _("A window is only for scheduled requests."),
    "service-desk tickets can only be opened while the tenant is active": _("Your company's account is not active."),
}
FALLBACK = {
    "title": _("Enter a short title (3 to 200 characters)."),
    "scope": _("Describe the work (3 to 4000 characters)."),
    "description": _("Describe the fault (3 to 4000 characters)."),
    "contact_name": _("Enter who to contact."),
    "contact_phone": _("Enter a phone number (digits, spaces, + ( ) . -)."),
    "contact_email": _("Enter an e-mail address."),
    "rack": _("Choose a rack."),
    "units": _("Enter unit numbers separated by commas, e.g. 12, 13."),
    "window_start": _("Enter the date and time the window starts."),
    "window_end": _("Enter the date and time the window ends."),
}


def input_of(field: str) -> str:
    """The form input an API field names: `details.x` → `d_x`, `where.rack_id` → `rack`, …"""
    head = field.split("[", 1)[0]
    if head.startswith("details."):
        return "d_" + head.removeprefix("details.")
    return {"where.rack_id": "rack", "where.units": "units", "where": "rack", "affected.rack_ids": "rack",
            "contact.name": "contact_name", "contact.phone": "contact_phone",
            "contact.email": "contact_email"}.get(head, head)


def errors_of(exc: ValidationFailed | Conflict | NotFound) -> dict[str, str]:
    field = exc.field if isinstance(exc, ValidationFailed) else "form"
    return field_errors(exc, reasons=REASONS, inputs={field: input_of(field)}, fallback=FALLBACK)


def convert[T](document: dict[str, Any], kind: type[T]) -> T:
    try:
        return msgspec.convert(document, kind)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(schema_path(exc) or "form", str(exc)) from None


def _moment(value: str, zone: str, field: str) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(field, "not a date and time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))).isoformat()


def _detail(spec: FieldSpec, raw: str) -> str | int | bool | None:
    if spec.type == "boolean":
        return raw == "true"
    if not raw:
        return None
    if spec.type == "integer":
        if not raw.lstrip("-").isdigit():
            raise ValidationFailed(f"details.{spec.name}", "must be a whole number")
        return int(raw)
    return raw


def contact(values: dict[str, str]) -> dict[str, str]:
    return {"name": values["contact_name"], "phone": values["contact_phone"], "email": values["contact_email"]}


def hands_create(values: dict[str, str], details: dict[str, str], *, zone: str) -> HandsCreate:
    kind = RequestType(values["request_type"]) if values["request_type"] in set(RequestType) else RequestType.OTHER
    where: dict[str, Any] = {}
    if values["rack"]:
        if not values["rack"].isdigit():
            raise ValidationFailed("where.rack_id", "not a rack your tenant holds")
        where["rack_id"] = int(values["rack"])
    units = [u.strip() for u in values["units"].split(",") if u.strip()]
    if any(not u.isdigit() for u in units):
        raise ValidationFailed("where.units", "unit numbers")
    where["units"] = [int(u) for u in units]
    found = {spec.name: _detail(spec, details.get(spec.name, "")) for spec in BY_TYPE[kind].fields}
    return convert({
        "request_type": kind.value, "title": values["title"], "scope": values["scope"], "where": where,
        "scheduling": values["scheduling"] or "standard",
        "window_start": _moment(values["window_start"], zone, "window_start"),
        "window_end": _moment(values["window_end"], zone, "window_end"),
        "contact": contact(values), "details": {k: v for k, v in found.items() if v is not None},
    }, HandsCreate)


def trouble_create(values: dict[str, str]) -> TroubleCreate:
    racks = [int(values["rack"])] if values["rack"].isdigit() else []
    return convert({"category": values["category"], "priority": values["priority"] or "normal",
                    "title": values["title"], "description": values["description"],
                    "affected": {"rack_ids": racks}, "contact": contact(values)}, TroubleCreate)
