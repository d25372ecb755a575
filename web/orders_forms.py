"""The order and capacity forms: what a person typed becomes the domain's own structs
(`CapacityQuery`, `OrderCreate`) through msgspec, so the limits are the API's; a domain refusal
becomes a message next to the input it is about, in the person's language.

The domain explains a refusal in English with figures (`rack 'X' cannot carry 3 kW more: …`);
the form shows a translated message chosen by what the refusal is about, never the English text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import msgspec

from colo.errors import Conflict, NotFound, ValidationFailed
from dcim.orders.schemas import OrderCreate
from dcim.readmodel.schemas import CapacityQuery
from web.forms import schema_path
from web.i18n import marker as _
from web.problems import NOT_FOUND, NOT_VALID, field_errors

KINDS = ("space", "power", "cross_connect")
REASON = ("reason",)
CAPACITY_FIELDS = ("units", "kw", "mmr_ports", "media", "site_id", "hall")
SPEC_FIELDS = {
    "space": ("rack_id", "units", "position", "kw", "site_id", "hall"),
    "power": ("rack_id", "kw", "redundancy", "phase", "voltage", "amperage"),
    "cross_connect": ("a_port_id", "z_port_id", "media", "speed", "z_side"),
}
IDEMPOTENCY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# Messages for an input whose value the struct refused (type or bounds).
INPUT_MESSAGES = {
    "units": _("Enter a whole number of units from 1 to 60."),
    "kw": _("Enter the power in kW (a number such as 2 or 2.5) within the allowed range."),
    "mmr_ports": _("Enter a whole number of ports from 0 to 96."),
    "position": _("Enter the lowest unit as a whole number."),
    "rack_id": _("Choose a rack."),
    "site_id": _("Choose a site."),
    "hall": _("Enter a hall name of at most 100 characters."),
    "voltage": _("Enter a voltage from 100 to 480 V."),
    "amperage": _("Enter a current from 1 to 400 A."),
    "a_port_id": _("Choose one of your ports."),
    "z_port_id": _("Choose the port to connect to."),
    "note": _("The note is too long (at most 1000 characters)."),
    "reason": _("The text is too long (at most 1000 characters)."),
}
RACK_NOT_SOLD = _("This rack cannot be sold to you. Choose another rack from the capacity search.")
UNITS_TAKEN = _("Some of these units are taken already. Search capacity again and choose another place.")
UNITS_DONT_FIT = _("These units do not fit in this rack: choose a lower position or fewer units.")
NO_ROOM = _("There are not this many free units next to each other here. Search capacity for a place.")
NO_POWER = _("There is not enough power left for this load. Ask for less or choose another rack.")
CIRCUIT_TOO_SMALL = _("This circuit cannot carry this load: choose a larger circuit or a smaller load.")
POSITION_NEEDS_RACK = _("A position needs a rack: choose a rack, or leave the position empty.")
NOT_YOUR_PORT = _("This is not one of your ports.")
PORT_CABLED = _("This port is connected already. Choose a free port.")
MEDIA_MISMATCH = _("The media does not match the ports: copper ports take copper, fibre ports fibre.")
NO_PATH = _("These ports cannot be connected (another site, or no free path in the meet-me room).")
NO_RACK_HELD = _("You hold no space in this rack: order power only where you have space.")
SENT_ALREADY = _("This form was sent already with other values. Open a new order form.")
NOT_ACTIVE = _("Your company's account cannot order now. Contact the datacenter.")
PLANT_UNREACHABLE = _("The datacenter's plant records cannot be reached right now. Nothing was ordered: "
                      "try again in a minute.")
STAFF_ORDER = _("The portal orders for your own company. Staff order for a tenant through the API, naming the "
                "tenant.")
MEDIA_NEEDS_PORTS = _("Choose a media only together with a number of meet-me-room ports.")
# What the refusal is about (a phrase of the domain's reason) → (form input, message).
REFUSALS: tuple[tuple[str, str | None, str], ...] = (
    ("belongs to another tenant", "rack_id", RACK_NOT_SOLD),
    ("is not sold", "rack_id", RACK_NOT_SOLD),
    ("do not fit in a rack", "position", UNITS_DONT_FIT),
    ("of this rack are already taken", "position", UNITS_TAKEN),
    ("of this rack were just claimed", "position", UNITS_TAKEN),
    ("keep being claimed", "position", UNITS_TAKEN),
    ("contiguous free units", "units", NO_ROOM),
    ("only meaningful together with rack_id", "position", POSITION_NEEDS_RACK),
    ("cannot carry", "kw", NO_POWER),
    ("circuit carries at most", "kw", CIRCUIT_TOO_SMALL),
    ("not one of your ports", "a_port_id", NOT_YOUR_PORT),
    ("already cabled", None, PORT_CABLED),
    ("port, not", "media", MEDIA_MISMATCH),
    ("at another site", "z_port_id", NO_PATH),
    ("no meet-me room", "a_port_id", NO_PATH),
    ("no free meet-me-room path", None, NO_PATH),
    ("belongs to no tenant or carrier", "z_port_id", NO_PATH),
    ("only meaningful together with mmr_ports", "media", MEDIA_NEEDS_PORTS),
    ("already used for a different request", "form", SENT_ALREADY),
    ("required for staff callers", "form", STAFF_ORDER),
    ("tenant is ", "form", NOT_ACTIVE),
    ("no NetBox tenant linked", "form", NOT_ACTIVE),
)


def invalid_input(exc: msgspec.ValidationError) -> str:
    """The form input a msgspec refusal names (`… at `$.spec.units`` → units)."""
    path = schema_path(exc) or "form"
    return path.removeprefix("spec.") if path != "spec" else "form"


def refusal_errors(exc: ValidationFailed | Conflict | NotFound, *, inputs: Collection[str]) -> dict[str, str]:
    """{form input: message} for a domain refusal; about none of the form's `inputs`: the form's."""
    return _placed(_refusal_errors(exc), inputs)


def struct_errors(exc: msgspec.ValidationError, *, inputs: Collection[str]) -> dict[str, str]:
    name = invalid_input(exc)
    return _placed({name: INPUT_MESSAGES.get(name, NOT_VALID)}, inputs)


def _placed(errors: dict[str, str], inputs: Collection[str]) -> dict[str, str]:
    """A message about a field the form does not show (`tenant_id`, …) goes above the form."""
    return {(name if name in inputs else "form"): message for name, message in errors.items()}


def _refusal_errors(exc: ValidationFailed | Conflict | NotFound) -> dict[str, str]:
    if isinstance(exc, NotFound):  # its field is an attribute (web.problems reads `extra`)
        if exc.field == "rack_id":
            return {"rack_id": NO_RACK_HELD}
        return {exc.field or ("rack_id" if exc.resource == "rack" else "form"): NOT_FOUND}
    field = exc.field if isinstance(exc, ValidationFailed) else str(exc.extra.get("field") or "")
    reason = exc.reason if isinstance(exc, ValidationFailed) else exc.detail
    for phrase, name, message in REFUSALS:
        if phrase in reason:
            return {name or field or "form": message}
    return field_errors(exc, fallback=INPUT_MESSAGES)


def capacity_query(values: Mapping[str, str], *, redundant: bool) -> CapacityQuery:
    """The search the form asks for; msgspec.ValidationError names the input it refuses."""
    document: dict[str, object] = {name: values[name] for name in CAPACITY_FIELDS if values.get(name)}
    document["redundant"] = redundant
    return msgspec.convert(document, CapacityQuery, strict=False)


def order_create(kind: str, values: Mapping[str, str], *, redundant: bool) -> OrderCreate:
    """The order the form asks for (empty inputs are left to the domain's defaults)."""
    spec: dict[str, object] = {"kind": kind}
    spec.update({name: values[name] for name in SPEC_FIELDS[kind] if values.get(name)})
    if kind == "space":
        spec["redundant"] = redundant
    return msgspec.convert({"spec": spec, "note": values.get("note", "")}, OrderCreate, strict=False)


def idempotency_key(value: str) -> str | None:
    """The form's one-time key (a repeated post of the same form answers the same order)."""
    return value if IDEMPOTENCY.fullmatch(value) else None
