"""Staff accounts in the portal: ops list them, create one (as `colo accounts create-staff`
does: the one-time set-up link e-mailed when SMTP is configured, else shown once) and remove
one (its sessions end at once; never one's own account). A staff account is one of the
facility's people (ops, security, auditor) or the gate screen's account (role gate: the tablet at
the entrance, which lands on the gate screen and is offered the gate, the loading dock and its own
account page; it may open what the gate role's policy entries allow — those screens, the visits
and the shipments they handle — and none of the ops or security console pages)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.service import create_staff, disable_staff, list_staff
from colo.errors import Conflict, ValidationFailed
from colo.identity import FACILITY_ROLES, Role
from web.forms import field_error, read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.i18n import supported
from web.invitations import Handover, hand_over
from web.pages import page, see_other
from web.roles import ROLE_NAMES
from web.state import Viewer, WebRequest

STAFF_ERRORS = {
    "email": _("Enter a valid e-mail address that has no account yet."),
    "name": _("Enter the person's name (plain text)."),
    "role": _("Choose a role."),
}
NOT_YOURSELF = _("You cannot remove your own account.")
STATUS_NAMES = {"invited": _("Invited"), "active": _("Active"), "disabled": _("Removed")}


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for every page here
    return viewer


def staff_roles() -> list[tuple[str, str]]:
    """The roles a staff account may have: the facility's people, and the gate screen's account."""
    return [(role.value, ROLE_NAMES[role]) for role in sorted(FACILITY_ROLES)]


class StaffController(Controller):
    path = "/"

    @get("/staff/accounts", operation_id="portal_staff_accounts")
    async def staff_accounts(self, request: Request[Any, Any, Any]) -> Template:
        language = WebRequest.of(request.scope).language.code
        return await self._page(request, values={"language": language}, errors={}, handover=None)

    async def _page(self, request: Request[Any, Any, Any], *, values: dict[str, str], errors: dict[str, str],
                    handover: Handover | None, status: int = 200) -> Template:
        accounts = await list_staff(principal=_viewer(request).principal)
        return page(request, "staff_accounts.html", status=status, accounts=accounts, values=values, errors=errors,
                    handover=handover, roles=staff_roles(), role_names=ROLE_NAMES, status_names=STATUS_NAMES)

    @post("/staff/accounts", operation_id="portal_create_staff_account", status_code=200)
    async def create(self, request: Request[Any, Any, Any]) -> Template:
        viewer = _viewer(request)
        form = await read_form(request)
        values = {"email": text(form, "email", limit=254), "name": text(form, "name"),
                  "role": text(form, "role", limit=20),
                  "language": supported(text(form, "language", limit=5)) or WebRequest.of(request.scope).language.code}
        try:
            role = Role(values["role"])
            issued = await create_staff(email=values["email"], role=role, name=values["name"],
                                        created_by=viewer.principal.key_id,
                                        valid_hours=runtime_of(request).services.settings.invitation_hours)
        except ValueError:
            return await self._page(request, values=values, errors={"role": STAFF_ERRORS["role"]}, handover=None,
                                    status=422)
        except (ValidationFailed, Conflict) as exc:
            name, _reason = field_error(exc)
            key = name if name in STAFF_ERRORS else "email"
            return await self._page(request, values=values, errors={key: STAFF_ERRORS[key]}, handover=None,
                                    status=422 if isinstance(exc, ValidationFailed) else 409)
        handover = await hand_over(request, issued, language=values["language"])
        return await self._page(request, values={"language": values["language"]}, errors={}, handover=handover)

    @post("/staff/accounts/{account_id:uuid}/disable", operation_id="portal_disable_staff_account", status_code=303)
    async def disable(self, request: Request[Any, Any, Any], account_id: FromPath[UUID]) -> Template | Redirect:
        viewer = _viewer(request)
        try:
            await disable_staff(principal=viewer.principal, account_id=account_id,
                                sessions=runtime_of(request).sessions)
        except Conflict:
            return await self._page(request, values={"language": WebRequest.of(request.scope).language.code},
                                    errors={"form": NOT_YOURSELF}, handover=None, status=409)
        return see_other("/staff/accounts")
