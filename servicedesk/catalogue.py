"""The smart-hands catalogue: each request type, what it is for, where it must happen and the
fields it needs. Served by the API as it is (clients build their forms from it) and the one
thing a request's `details` are checked against — an unknown or missing field is a 422 naming
`details.<field>`.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from colo.errors import ValidationFailed
from colo.text import refusal
from servicedesk.status import Priority, RequestType, SchedulingClass, TroubleCategory

FieldType = Literal["text", "integer", "boolean", "choice"]
Where = Literal["rack", "rack_or_device", "anywhere"]
DetailValue = str | int | bool


class FieldSpec(msgspec.Struct, frozen=True):
    name: str
    label: str
    type: FieldType
    required: bool = True
    max_length: int | None = None  # text
    minimum: int | None = None  # integer
    maximum: int | None = None
    choices: list[str] | None = None  # choice


class RequestTypeSpec(msgspec.Struct, frozen=True):
    type: RequestType
    label: str
    description: str
    where: Where  # rack: a rack (and units) is required; rack_or_device: a rack or a device; anywhere: optional
    fields: list[FieldSpec]


class Catalogue(msgspec.Struct, frozen=True):
    request_types: list[RequestTypeSpec]
    scheduling_classes: list[SchedulingClass]
    trouble_categories: list[TroubleCategory]
    priorities: list[Priority]


def _text(name: str, label: str, *, required: bool = True, max_length: int = 200) -> FieldSpec:
    return FieldSpec(name=name, label=label, type="text", required=required, max_length=max_length)


REQUEST_TYPES: tuple[RequestTypeSpec, ...] = (
    RequestTypeSpec(RequestType.CABLE_PATCH, "Cable patch or reseat", "Patch, reseat or remove one cable.",
                    "rack", [
                        FieldSpec("action", "Action", "choice", choices=["patch", "reseat", "remove"]),
                        _text("a_end", "From (device and port)"),
                        _text("z_end", "To (device and port)", required=False),
                        FieldSpec("cable_type", "Cable", "choice", choices=["copper", "smf", "mmf", "power"]),
                    ]),
    RequestTypeSpec(RequestType.EQUIPMENT_INSTALL, "Install equipment", "Mount and cable equipment you delivered.",
                    "rack", [
                        _text("equipment", "Equipment (make, model)"),
                        FieldSpec("rack_units", "Height (U)", "integer", minimum=1, maximum=48),
                        _text("shipment_reference", "Delivery tracking number", required=False, max_length=100),
                    ]),
    RequestTypeSpec(RequestType.EQUIPMENT_REMOVE, "Remove equipment", "Unmount equipment and hold or ship it.",
                    "rack_or_device", [
                        _text("equipment", "Equipment (label or serial)"),
                        FieldSpec("afterwards", "Afterwards", "choice", choices=["hold_at_dock", "ship_out"]),
                    ]),
    RequestTypeSpec(RequestType.POWER_CYCLE, "Power-cycle", "Turn a device off and on again.",
                    "rack_or_device", [
                        FieldSpec("method", "Method", "choice", choices=["soft", "hard"]),
                        _text("device_label", "Device label, as written on it"),
                    ]),
    RequestTypeSpec(RequestType.VISUAL_CHECK, "Visual check with photos", "Look at something and send photos.",
                    "rack_or_device", [
                        _text("what_to_check", "What to look at", max_length=500),
                        FieldSpec("photos", "Photos wanted", "integer", minimum=1, maximum=20),
                    ]),
    RequestTypeSpec(RequestType.LOCATE_PACKAGE, "Locate a package", "Find a delivery on site.", "anywhere", [
        _text("tracking_number", "Tracking number", max_length=100),
        _text("carrier", "Carrier", required=False, max_length=100),
    ]),
    RequestTypeSpec(RequestType.UNPACK_SHIPMENT, "Unpack a shipment", "Unpack a delivery and bring it to you.",
                    "anywhere", [
                        _text("tracking_number", "Tracking number", max_length=100),
                        FieldSpec("dispose_packaging", "Dispose of the packaging", "boolean", required=False),
                    ]),
    RequestTypeSpec(RequestType.OTHER, "Other", "Anything else: describe it in the scope of work.", "anywhere", []),
)
BY_TYPE = {spec.type: spec for spec in REQUEST_TYPES}


def catalogue() -> Catalogue:
    return Catalogue(request_types=list(REQUEST_TYPES), scheduling_classes=list(SchedulingClass),
                     trouble_categories=list(TroubleCategory), priorities=list(Priority))


def _check(spec: FieldSpec, value: DetailValue, field: str) -> DetailValue:
    if spec.type == "boolean":
        if not isinstance(value, bool):
            raise ValidationFailed(field, "must be true or false")
        return value
    if spec.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed(field, "must be a whole number")
        if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
            raise ValidationFailed(field, f"must be from {spec.minimum} to {spec.maximum}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(field, "must be non-empty text")
    if spec.type == "choice":
        if value not in (spec.choices or []):
            raise ValidationFailed(field, "must be one of " + ", ".join(spec.choices or []))
        return value
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ValidationFailed(field, f"at most {spec.max_length} characters")
    if (reason := refusal(value)) is not None:
        raise ValidationFailed(field, reason)
    return value.strip()


def check_details(request_type: RequestType, details: dict[str, DetailValue]) -> dict[str, DetailValue]:
    """The request's details checked against its type's fields (errors name `details.<field>`)."""
    spec = BY_TYPE[request_type]
    known = {f.name: f for f in spec.fields}
    for name in details:
        if name not in known:
            raise ValidationFailed(f"details.{name}", f"not a field of {request_type.value} requests")
    checked: dict[str, DetailValue] = {}
    for name, field_spec in known.items():
        if name not in details:
            if field_spec.required:
                raise ValidationFailed(f"details.{name}", "required")
            continue
        checked[name] = _check(field_spec, details[name], f"details.{name}")
    return checked
