"""A tenant's notifications in the portal: the events its webhooks carry (notify/inbox.py, the
API's `list_my_events`, with the viewer's principal — so only its own tenant's), newest first,
filtered by type, each as one sentence in the reader's language with a link to the object where
the portal has a page for it. The sentences name objects by their short id and never a person."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from colo.outbox import EventType
from notify import inbox
from notify.inbox import InboxEventRead
from web.i18n import marker as _
from web.pages import page
from web.state import WebRequest

EVENTS_PER_PAGE = 50
T = EventType
# The filter's names of the event types.
TYPE_NAMES: dict[EventType, str] = {
    T.ORDER_STATE_CHANGED: _("Order changes"), T.LOA_REQUESTED: _("LOA requests"), T.LOA_GRANTED: _("LOAs granted"),
    T.LOA_REFUSED: _("LOAs refused"), T.VISIT_DECIDED: _("Visit decisions"),
    T.VISITOR_CHECKED_IN: _("Visitor arrivals"), T.VISITOR_CHECKED_OUT: _("Visitor departures"),
    T.SHIPMENT_UPDATED: _("Shipment updates"), T.ENDPOINT_DISABLED: _("Webhook endpoints disabled"),
    T.NOTICE_PUBLISHED: _("Notices published"), T.NOTICE_UPDATED: _("Notices updated"),
    T.TICKET_SUBMITTED: _("Tickets submitted"), T.TICKET_ACCEPTED: _("Tickets accepted"),
    T.TICKET_IN_PROGRESS: _("Tickets in progress"), T.TICKET_ACTION_REQUIRED: _("Tickets waiting for you"),
    T.TICKET_CUSTOMER_UPDATED: _("Tickets you answered"), T.TICKET_COMPLETED: _("Tickets completed"),
    T.TICKET_CANCELLED: _("Tickets cancelled"), T.TICKET_REOPENED: _("Tickets reopened"),
    T.TICKET_NOTE_ADDED: _("Work notes"), T.POWER_OVER_CONTRACT: _("Power above your contract"),
    T.ACCESS_ALERT_RAISED: _("Site access alerts"),
}
# One sentence per event type; `%(…)s` are filled from the event's data (short ids, figures).
SENTENCES: dict[EventType, str] = {
    T.ORDER_STATE_CHANGED: _("Order %(order)s moved from “%(from_state)s” to “%(to_state)s”."),
    T.LOA_REQUESTED: _("LOA %(loa)s for a cross-connect to one of your ports waits for your decision."),
    T.LOA_GRANTED: _("LOA %(loa)s for your order %(order)s was granted."),
    T.LOA_REFUSED: _("LOA %(loa)s for your order %(order)s was refused."),
    T.VISIT_DECIDED: _("Your visit request %(visit)s was decided: %(status)s."),
    T.VISITOR_CHECKED_IN: _("A visitor of visit %(visit)s checked in."),
    T.VISITOR_CHECKED_OUT: _("A visitor of visit %(visit)s checked out."),
    T.SHIPMENT_UPDATED: _("Your shipment %(shipment)s was updated: %(action)s."),
    T.ENDPOINT_DISABLED: _("Your webhook endpoint %(endpoint)s kept failing and was disabled."),
    T.NOTICE_PUBLISHED: _("A notice affecting your services was published: %(summary)s"),
    T.NOTICE_UPDATED: _("A notice affecting your services was updated: %(summary)s"),
    T.TICKET_SUBMITTED: _("Ticket %(ticket)s was submitted."),
    T.TICKET_ACCEPTED: _("Ticket %(ticket)s was accepted."),
    T.TICKET_IN_PROGRESS: _("Work on ticket %(ticket)s has started."),
    T.TICKET_ACTION_REQUIRED: _("Ticket %(ticket)s waits for your answer."),
    T.TICKET_CUSTOMER_UPDATED: _("Your answer on ticket %(ticket)s was recorded."),
    T.TICKET_COMPLETED: _("Ticket %(ticket)s was completed."),
    T.TICKET_CANCELLED: _("Ticket %(ticket)s was cancelled."),
    T.TICKET_REOPENED: _("Ticket %(ticket)s was reopened."),
    T.TICKET_NOTE_ADDED: _("A work note was added to ticket %(ticket)s."),
    T.POWER_OVER_CONTRACT: _("Your racks draw %(drawn)s W, more than the %(contracted)s W in your contract."),
    T.ACCESS_ALERT_RAISED: _("Security raised an alert about visit %(visit)s: a visitor stayed on site after "
                             "the visit ended."),
}
LINKS: dict[str, str] = {"order_id": "/orders/", "loa_id": "/loas/", "visit_id": "/visits/",
                         "shipment_id": "/shipments/", "ticket_id": "/service-desk/tickets/"}


def short(value: Any) -> str:
    return str(value or "—")[:8]


def fields_of(event: InboxEventRead) -> dict[str, str]:
    """What a sentence is filled with: short ids, states and figures from the event's data."""
    data = event.data
    values = {name[:-3]: short(data.get(name)) for name in ("order_id", "loa_id", "visit_id", "shipment_id",
                                                            "ticket_id", "endpoint_id")}
    for name in ("from_state", "to_state", "status", "action", "summary"):
        values[name] = str(data.get(name) or "—").replace("_", " ")
    values["drawn"] = f"{data.get('drawn_w', 0):.0f}"
    values["contracted"] = f"{data.get('contracted_w', 0):.0f}"
    return values


def link_of(event: InboxEventRead) -> str:
    """The portal page of the event's object, if there is one."""
    for name, prefix in LINKS.items():
        if event.data.get(name):
            return f"{prefix}{event.data[name]}"
    return ""


class NotificationsController(Controller):
    path = "/"

    @get("/notifications", operation_id="portal_notifications", opt={"acts_as": "list_my_events"})
    async def index(
        self, request: Request[Any, Any, Any],
        event_type: Annotated[str | None, QueryParameter(name="type", max_length=64)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None,
    ) -> Template:
        viewer = WebRequest.of(request.scope).viewer
        assert viewer is not None  # the guard requires a session
        chosen = EventType(event_type) if event_type in {t.value for t in EventType} else None
        listed = await inbox.list_my_events(
            principal=viewer.principal, event_type=chosen,
            page=keyset_request(cursor, limit=EVENTS_PER_PAGE, keyset=inbox.INBOX_KEYS))
        events = [(event, SENTENCES[event.type], fields_of(event), link_of(event)) for event in listed.items]
        return page(request, "notifications.html", events=events, type_names=TYPE_NAMES,
                    chosen=chosen.value if chosen else "", next_cursor=encode_cursor(listed),
                    first_page=cursor is None)
