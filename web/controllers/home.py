"""The signed-in home page (who you are, your company, your role, your language) and, for tenant
admins, inviting a colleague — through accounts.service, the same rules the API would apply."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template

from accounts.cli import link_url
from accounts.service import invite
from colo.errors import Conflict, ValidationFailed
from colo.identity import TENANT_ROLES, Role
from tenants.lifecycle import get_tenant
from web.forms import field_error, read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page
from web.state import Viewer, WebRequest

ROLE_NAMES = {
    Role.OPS: _("Datacenter operations"),
    Role.SECURITY: _("Security officer"),
    Role.AUDITOR: _("Auditor"),
    Role.TENANT_ADMIN: _("Company administrator"),
    Role.TENANT_MEMBER: _("Company member"),
    Role.GATE: _("Gate terminal"),
}
INVITE_ERRORS = {
    "email": _("Enter a valid e-mail address that has no account yet."),
    "name": _("Enter the person's name (plain text)."),
    "role": _("Choose a role."),
    "form": _("Your company's account is not active."),
}


async def _tenant_name(viewer: Viewer) -> str | None:
    if viewer.account.tenant_id is None:
        return None
    tenant = await get_tenant(principal=viewer.principal, tenant_id=viewer.account.tenant_id)
    return tenant.legal_name


class HomeController(Controller):
    path = "/"

    @get("/", operation_id="portal_index")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        web = WebRequest.of(request.scope)
        viewer = web.viewer
        if viewer is None:
            return page(request, "sign_in.html", email="", errors={}, ended=web.ended is not None)
        return page(request, "home.html", tenant_name=await _tenant_name(viewer),
                    role_name=ROLE_NAMES[viewer.account.role])

    @get("/people/invite", operation_id="invite_account_form")
    async def invite_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "invite.html", errors={}, values={}, issued=None, roles=_tenant_roles())

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
                        issued=None, roles=_tenant_roles())
        except (ValidationFailed, Conflict) as exc:
            name, _reason = field_error(exc)
            key = name if name in INVITE_ERRORS else "form"
            return page(request, "invite.html", status=422 if isinstance(exc, ValidationFailed) else 409,
                        errors={key: INVITE_ERRORS[key]}, values=values, issued=None, roles=_tenant_roles())
        # COLO_PUBLIC_URL when set (behind a proxy the request's own address may be an internal one)
        link = link_url(runtime.services.settings.public_url or str(request.base_url), issued.token)
        return page(request, "invite.html", errors={}, values={}, issued=issued, link=link, roles=_tenant_roles())


def _tenant_roles() -> list[tuple[str, str]]:
    return [(role.value, ROLE_NAMES[role]) for role in sorted(TENANT_ROLES)]
