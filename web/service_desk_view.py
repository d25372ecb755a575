"""How the portal words the service desk: states, kinds, request types, categories, priorities,
history events, the actions a ticket page offers (each the API operation it performs), and an
SLA's time left. Messages are marked for the catalogs; templates translate them."""

from __future__ import annotations

from dataclasses import dataclass

from servicedesk.lifecycle import Action
from servicedesk.schemas import SlaView
from web.i18n import marker as _

STATE_NAMES = {
    "submitted": _("Submitted"), "accepted": _("Accepted"), "in_progress": _("In progress"),
    "action_required": _("Your answer needed"), "customer_updated": _("Answered"), "completed": _("Completed"),
    "cancelled": _("Cancelled"),
}
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
