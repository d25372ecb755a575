"""A tenant's people in the portal: inviting a colleague (an account), through accounts.service,
the same rules the API would apply."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template

from accounts.cli import link_url
from accounts.service import invite
from colo.errors import Conflict, ValidationFailed
from colo.identity import Role
from web.forms import field_error, read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page
from web.roles import tenant_roles
from web.state import WebRequest

INVITE_ERRORS = {
    "email": _("Enter a valid e-mail address that has no account yet."),
    "name": _("Enter the person's name (plain text)."),
    "role": _("Choose a role."),
    "form": _("Your company's account is not active."),
}


class PeopleController(Controller):
    path = "/"

    @get("/people/invite", operation_id="invite_account_form")
    async def invite_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "invite.html", errors={}, values={}, issued=None, roles=tenant_roles())

    @post("/people/invite", operation_id="invite_account", status_code=200)
    async def invite(self, request: Request[Any, Any, Any]) -> Template:
        runtime = runtime_of(request)
        viewer = WebRequest.of(request.scope).viewer
        assert viewer is not None  # the guard requires a session for this operation
        form = await read_form(request)
        values = {"email": text(form, "email", limit=254), "name": text(form, "name"),
                  "role": text(form, "role", limit=20)}
        try:
            role = Role(values["role"])
            issued = await invite(principal=viewer.principal, email=values["email"], name=values["name"], role=role,
                                  valid_hours=runtime.services.settings.invitation_hours)
        except ValueError:
            return page(request, "invite.html", status=422, errors={"role": INVITE_ERRORS["role"]}, values=values,
                        issued=None, roles=tenant_roles())
        except (ValidationFailed, Conflict) as exc:
            name, _reason = field_error(exc)
            key = name if name in INVITE_ERRORS else "form"
            return page(request, "invite.html", status=422 if isinstance(exc, ValidationFailed) else 409,
                        errors={key: INVITE_ERRORS[key]}, values=values, issued=None, roles=tenant_roles())
        # COLO_PUBLIC_URL when set (behind a proxy the request's own address may be an internal one)
        link = link_url(runtime.services.settings.public_url or str(request.base_url), issued.token)
        return page(request, "invite.html", errors={}, values={}, issued=issued, link=link, roles=tenant_roles())


