"""The start page: the sign-in form, or for a signed-in person their home (the tenant dashboard
comes here)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from tenants.lifecycle import get_tenant
from web.pages import page
from web.roles import ROLE_NAMES
from web.state import Viewer, WebRequest


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
