"""Open site-access alerts by kind, acknowledged with a note.

The list is what the API's GET /v1/alerts answers (the monitor's sweep first, so an overstay
shows as soon as it is true; open alerts, newest first, optionally one kind); acknowledging
calls the API's acknowledge_alert with the officer's note, which is kept on the alert. The note
is also recorded beside the acknowledgement as a physical event in the access log (the site-access
journal, the same durable record every gate refusal writes): evidence of what was done about it
that the database administrator cannot quietly rewrite. Below the open ones, the alerts handled
most recently (of the chosen kind) with who acknowledged them, when, and the note.

Ops read the list too (a delivery held at the dock too long is theirs to chase); only those whose
role may acknowledge (security) are offered the acknowledge form.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from accounts.service import get_account
from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from colo.errors import NotFound
from colo.identity import Principal
from colo.paging import PageRequest
from siteaccess import alerts
from siteaccess.alerts import NOTE_LIMIT
from siteaccess.journal import PhysicalEvent
from siteaccess.schemas import AlertRead
from siteaccess.status import AlertKind
from tenants.keys import get_key
from tenants.policy import is_allowed
from web.controllers.security_visits import tenant_names
from web.controllers.visits import current_viewer, facility_zone
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other

ALERTS_PER_PAGE = 50
RECENTLY_HANDLED = 20
KIND_NAMES = {
    AlertKind.OUT_OF_WINDOW: _("Outside the visit's window"),
    AlertKind.NOT_APPROVED: _("Visit not approved"),
    AlertKind.BADGE_EXPIRED: _("Expired badge"),
    AlertKind.UNKNOWN_BADGE: _("Unknown badge"),
    AlertKind.REFUSED_BURST: _("Repeated refusals"),
    AlertKind.OVERSTAY: _("Overstay"),
    AlertKind.AUTH_FAILURE_BURST: _("Failed API sign-ins"),
    AlertKind.SHIPMENT_HELD_TOO_LONG: _("Held at the dock too long"),
}
NOTE_REQUIRED = _("Write what you did about it, in 3 to 500 characters.")
ACKNOWLEDGED = _("The alert was acknowledged; your note is in the access log.")

AlertId = FromPath[UUID]
Kind = Annotated[str | None, QueryParameter(pattern=r"^[a-z_]{1,32}$")]


async def actor_names(actors: set[str], *, principal: Principal) -> dict[str, str]:
    """`web:<account id>` → the account's e-mail; an API key's id → the key's name (as this person
    may see it); an actor it cannot resolve stays as it is."""
    names: dict[str, str] = {}
    for actor in actors:
        try:
            if actor.startswith("web:"):
                names[actor] = (await get_account(account_id=UUID(actor.removeprefix("web:")))).email
            else:
                names[actor] = (await get_key(principal=principal, key_id=UUID(actor))).name
        except (ValueError, NotFound):
            continue
    return names


async def _list(request: Request[Any, Any, Any], *, kind: str | None = None, cursor: str | None = None,
                done: bool = False, status: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None) -> Template:
    """The open alerts; `errors`/`values`: alert id → the note's message / what was typed."""
    runtime = runtime_of(request)
    chosen = kind if kind in {k.value for k in AlertKind} else None
    await runtime.services.site_access.sweep()  # what is true now, as the API does
    listed = await alerts.list_alerts(open_only=True, kind=chosen,
                                      page=keyset_request(cursor, limit=ALERTS_PER_PAGE, keyset=alerts.ALERT_KEYS))
    items: list[AlertRead] = listed.items
    handled = (await alerts.list_acknowledged(kind=chosen, page=PageRequest(limit=RECENTLY_HANDLED))).items
    named = await tenant_names(request, {a.tenant_id for a in items + handled if a.tenant_id is not None})
    may_acknowledge = is_allowed(runtime.policy.roles, "acknowledge_alert", current_viewer(request).principal.role)
    return page(request, "alerts.html", status=status, alerts=items, kinds=KIND_NAMES, kind=chosen,
                may_acknowledge=may_acknowledge,
                handled=handled, actors=await actor_names({a.acknowledged_by for a in handled if a.acknowledged_by},
                                                         principal=current_viewer(request).principal),
                next_cursor=encode_cursor(listed), first_page=cursor is None, tenants=named,
                done=ACKNOWLEDGED if done else None, errors=errors or {}, values=values or {},
                facility_zone=facility_zone(request))


class AlertsController(Controller):
    path = "/"

    @get("/alerts", operation_id="portal_alerts", opt={"acts_as": "list_alerts"})
    async def index(self, request: Request[Any, Any, Any], kind: Kind = None,
                    cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None,
                    done: Annotated[str | None, QueryParameter(max_length=5)] = None) -> Template:
        return await _list(request, kind=kind, cursor=cursor, done=done == "1")

    @post("/alerts/{alert_id:uuid}/acknowledge", operation_id="portal_acknowledge_alert",
          opt={"acts_as": "acknowledge_alert"}, status_code=303)
    async def acknowledge(self, request: Request[Any, Any, Any], alert_id: AlertId) -> Redirect | Template:
        viewer, services = current_viewer(request), runtime_of(request).services
        form = await read_form(request)
        note, kind = text(form, "note", limit=NOTE_LIMIT + 100), text(form, "kind", limit=40)
        if not 3 <= len(note) <= NOTE_LIMIT:
            key = str(alert_id)
            return await _list(request, kind=kind or None, status=422, errors={key: NOTE_REQUIRED},
                               values={key: note})
        alert = await alerts.acknowledge_alert(principal=viewer.principal, alert_id=alert_id, note=note)
        await services.site_access.journal(PhysicalEvent(
            action="alert.acknowledged", outcome="recorded", tenant_id=alert.tenant_id, actor=viewer.principal,
            objects={"alert_id": str(alert.id), "kind": alert.kind.value,
                     **({"visit_id": str(alert.visit_id)} if alert.visit_id else {})},
            detail=note))
        back = f"kind={kind}&" if kind in {k.value for k in AlertKind} else ""
        return see_other(f"/alerts?{back}done=1")
