"""How the portal words the service desk: states, kinds, request types, categories, priorities,
history events, the actions a ticket page offers (each the API operation it performs), and an
SLA's time left. Messages are marked for the catalogs; templates translate them."""

from __future__ import annotations

from dataclasses import dataclass

from servicedesk.catalogue import BY_TYPE, RequestTypeSpec
from servicedesk.lifecycle import Action
from servicedesk.schemas import SlaView
from servicedesk.status import RequestType
from web.i18n import marker as _

STATE_NAMES = {
    "submitted": _("Submitted"), "accepted": _("Accepted"), "in_progress": _("In progress"),
    "action_required": _("Your answer needed"), "customer_updated": _("Answered"), "completed": _("Completed"),
    "cancelled": _("Cancelled"),
}
STAFF_STATE_NAMES = {**STATE_NAMES, "action_required": _("Waiting for the company"),
                     "customer_updated": _("The company answered")}  # ops' side of the same states
STATE_CLASSES = {"submitted": "wait", "accepted": "wait", "in_progress": "wait", "action_required": "bad",
                 "customer_updated": "wait", "completed": "good"}
KIND_NAMES = {"hands": _("Smart hands"), "trouble": _("Trouble ticket")}
TYPE_NAMES = {
    "cable_patch": _("Cable patch or reseat"), "equipment_install": _("Install equipment"),
    "equipment_remove": _("Remove equipment"), "power_cycle": _("Power-cycle"),
    "visual_check": _("Visual check with photos"), "locate_package": _("Locate a package"),
    "unpack_shipment": _("Unpack a shipment"), "other": _("Other"),
}
CATEGORY_NAMES = {
    "power_loss_feed": _("Power loss on a feed"), "cross_connect_down": _("Cross-connect down"),
    "environmental": _("Environmental (temperature, humidity, water)"), "access_problem": _("Access problem"),
    "other": _("Other"),
}
PRIORITY_NAMES = {"critical": _("Critical"), "high": _("High"), "normal": _("Normal"), "low": _("Low")}
SCHEDULING_NAMES = {"standard": _("Standard"), "expedited": _("Expedited"), "scheduled": _("In a window")}
EVENT_NAMES = {"created": _("Opened"), "transition": _("State changed"), "note": _("Work note"),
               "time": _("Time logged"), "attachment": _("Attachment added")}
# The catalogue's fields and choices in the portal's languages (servicedesk/catalogue.py is
# English and cannot use the portal's catalogs); anything unmapped falls back to its English.
FIELD_LABELS = {
    ("cable_patch", "action"): _("Action"), ("cable_patch", "a_end"): _("From (device and port)"),
    ("cable_patch", "z_end"): _("To (device and port)"), ("cable_patch", "cable_type"): _("Cable"),
    ("equipment_install", "equipment"): _("Equipment (make, model)"),
    ("equipment_install", "rack_units"): _("Height (U)"),
    ("equipment_install", "shipment_reference"): _("Delivery tracking number"),
    ("equipment_remove", "equipment"): _("Equipment (label or serial)"),
    ("equipment_remove", "afterwards"): _("Afterwards"),
    ("power_cycle", "method"): _("Method"), ("power_cycle", "device_label"): _("Device label, as written on it"),
    ("visual_check", "what_to_check"): _("What to look at"), ("visual_check", "photos"): _("Photos wanted"),
    ("locate_package", "tracking_number"): _("Tracking number"), ("locate_package", "carrier"): _("Carrier"),
    ("unpack_shipment", "tracking_number"): _("Tracking number"),
    ("unpack_shipment", "dispose_packaging"): _("Dispose of the packaging"),
}
CHOICE_LABELS = {
    ("action", "patch"): _("Patch"), ("action", "reseat"): _("Reseat"), ("action", "remove"): _("Remove the cable"),
    ("cable_type", "copper"): _("Copper"), ("cable_type", "smf"): _("Single-mode fibre"),
    ("cable_type", "mmf"): _("Multi-mode fibre"), ("cable_type", "power"): _("Power cable"),
    ("afterwards", "hold_at_dock"): _("Hold at the dock"), ("afterwards", "ship_out"): _("Ship out"),
    ("method", "soft"): _("Soft (from the operating system or a button)"),
    ("method", "hard"): _("Hard (pull the power)"),
}
YES, NO = _("Yes"), _("No")


def _spec(request_type: str) -> RequestTypeSpec | None:
    return BY_TYPE.get(RequestType(request_type)) if request_type in set(RequestType) else None


def field_label(request_type: str, name: str) -> str:
    """The message for a request type's field: the portal's, else the catalogue's English."""
    if (request_type, name) in FIELD_LABELS:
        return FIELD_LABELS[request_type, name]
    spec = _spec(request_type)
    return next((f.label for f in spec.fields if f.name == name), name) if spec is not None else name


def choice_label(name: str, value: str) -> str:
    return CHOICE_LABELS.get((name, value), value)


def detail_rows(request_type: str, details: dict[str, object]) -> list[tuple[str, str, bool]]:
    """A ticket's details in the catalogue's order: (label message, value, whether the value is a
    message to translate) — choices and yes/no are, free text and numbers are not."""
    spec = _spec(request_type)
    order = [f.name for f in spec.fields] if spec is not None else []
    names = [n for n in order if n in details] + sorted(n for n in details if n not in order)
    rows: list[tuple[str, str, bool]] = []
    for name in names:
        value = details[name]
        if isinstance(value, bool):
            rows.append((field_label(request_type, name), YES if value else NO, True))
        elif isinstance(value, str) and (name, value) in CHOICE_LABELS:
            rows.append((field_label(request_type, name), CHOICE_LABELS[name, value], True))
        else:
            rows.append((field_label(request_type, name), str(value), False))
    return rows


CONFLICT = _("This cannot be done in the current state. Reload the page and try again.")
FIELD_MESSAGES = {
    "text": _("Write 3 to 2000 characters."),
    "minutes": _("Enter the minutes worked (1 to 1440)."),
    "provider_caused": _("Say whether the fault was the datacenter's."),
    "file": _("Attach a photo (JPEG, PNG, WebP) or a PDF, named for what it is, within the size limit."),
}


@dataclass(frozen=True, slots=True)
class TicketAction:
    segment: str
    operation: str
    button: str
    label: str = ""  # the text input's label; "" = no text
    css: str = "secondary"


ACTIONS: dict[str, TicketAction] = {
    "answer": TicketAction("answer", "answer_service_ticket", _("Send the answer"), _("Your answer")),
    "reopen": TicketAction("reopen", "reopen_service_ticket", _("Reopen"), _("What is still wrong")),
    "accept": TicketAction("accept", "accept_service_ticket", _("Accept")),
    "start": TicketAction("start", "start_service_ticket", _("Start the work")),
    "request_action": TicketAction("request-action", "request_service_ticket_action", _("Ask the company"),
                                   _("What the company must tell us or do")),
    "complete": TicketAction("complete", "complete_service_ticket", _("Complete"), _("What was done (optional)")),
    "note": TicketAction("notes", "add_service_ticket_note", _("Add the note"), _("Work note")),
    "time": TicketAction("time", "log_service_ticket_time", _("Log the time"), _("What the time was for (optional)")),
    "cancel": TicketAction("cancel", "cancel_service_ticket", _("Cancel the ticket"), _("Why (optional)"), "danger"),
}
ANY_STATE = frozenset({"note", "time"})  # not lifecycle moves: offered in every state the service allows
NEEDS_TEXT = frozenset({Action.ANSWER, Action.REOPEN, Action.REQUEST_ACTION})


def time_left(sla: SlaView) -> tuple[str, dict[str, int]]:
    """(message, its values) for the SLA column: met, missed, paused, or hours and minutes left/over."""
    if sla.met is True:
        return _("SLA met"), {}
    if sla.met is False:
        return _("SLA missed"), {}
    seconds = abs(sla.seconds_left)
    values = {"hours": seconds // 3600, "minutes": seconds % 3600 // 60}
    if sla.paused:
        return _("Paused: %(hours)d h %(minutes)d min left"), values
    if sla.seconds_left < 0:
        return _("Breached %(hours)d h %(minutes)d min ago"), values
    return _("%(hours)d h %(minutes)d min left"), values


def sla_class(sla: SlaView) -> str:
    if sla.met is not None:
        return "good" if sla.met else "bad"
    if sla.seconds_left < 0:
        return "bad"
    return "wait" if sla.used_percent >= 80 else ""
