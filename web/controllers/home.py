"""The start page and the person's own account page.

`/`: the sign-in form; for a screen account (the gate's tablet) the first of its screens, the
gate (web/nav.py KIOSK_SCREENS); for a tenant's person the tenant dashboard (web/dashboard.py
assembles it from the services the API calls: racks with their drawn elevations and power
budgets, open orders and what each waits for, LOAs waiting for the company's decision, upcoming
visits and the plant data's age; the company's measured power drawn as charts where meters
measure it, web/power_charts.py); for staff a short start page with their sections.
`/account`: who is signed in (profile), their language, and ending every session.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from dcim.readmodel.views import RACK_KEYS
from metering.readouts import tenant_readout
from tenants.lifecycle import get_tenant
from web.dashboard import RACKS_PER_PAGE, VISIT_STATUS_NAMES, tenant_dashboard
from web.elevation import KIND_NAMES, unit_ranges
from web.guard import runtime_of
from web.i18n import LANGUAGE_NAMES, LOCALES
from web.nav import KIOSK_SCREENS
from web.pages import page, see_other
from web.power_charts import PowerCharts, charts
from web.roles import ROLE_NAMES
from web.state import Viewer, WebRequest


async def _tenant_name(viewer: Viewer) -> str | None:
    if viewer.account.tenant_id is None:
        return None
    tenant = await get_tenant(principal=viewer.principal, tenant_id=viewer.account.tenant_id)
    return tenant.legal_name


async def _measured(request: Request[Any, Any, Any], viewer: Viewer) -> PowerCharts | None:
    """The company's measured power (its meters only), or None where nothing measures it."""
    if viewer.principal.tenant_id is None:
        return None
    found = await tenant_readout(viewer.principal, viewer.principal.tenant_id)
    config = runtime_of(request).services.metering.config
    return charts(found, temperature=config.temperature, humidity=config.humidity) if found is not None else None


class HomeController(Controller):
    path = "/"

    @get("/", operation_id="portal_index")
    async def index(self, request: Request[Any, Any, Any],
                    cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None,
                    ) -> Template | Redirect:
        web = WebRequest.of(request.scope)
        viewer = web.viewer
        if viewer is None:
            return page(request, "sign_in.html", email="", errors={}, ended=web.ended is not None)
        if (screens := KIOSK_SCREENS.get(viewer.account.role)) is not None:
            return see_other(screens[0])
        role_name = ROLE_NAMES[viewer.account.role]
        if viewer.principal.is_facility:
            return page(request, "home_staff.html", role_name=role_name)
        runtime = runtime_of(request)
        board, racks = await tenant_dashboard(
            principal=viewer.principal, policy=runtime.policy, cache=runtime.services.read_cache,
            master_key=runtime.services.keys.master_key,
            page=keyset_request(cursor, limit=RACKS_PER_PAGE, keyset=RACK_KEYS))
        board.next_cursor = encode_cursor(racks) if racks is not None else None
        return page(request, "home.html", tenant_name=await _tenant_name(viewer), role_name=role_name, board=board,
                    first_page=cursor is None, measured=await _measured(request, viewer) if cursor is None else None,
                    kind_names=KIND_NAMES, unit_ranges=unit_ranges,
                    visit_status_names=VISIT_STATUS_NAMES)

    @get("/account", operation_id="portal_account")
    async def account(self, request: Request[Any, Any, Any]) -> Template:
        viewer = WebRequest.of(request.scope).viewer
        assert viewer is not None  # the guard requires a session for this operation
        return page(request, "account.html", tenant_name=await _tenant_name(viewer),
                    role_name=ROLE_NAMES[viewer.account.role],
                    languages=[(code, LANGUAGE_NAMES[code]) for code in LOCALES])
