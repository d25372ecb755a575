"""Ops' tenants: list, detail, suspend / reinstate / offboard with the consequences spelled out.

Each page performs the API operation it names (`acts_as`) by calling what the API calls
(tenants.lifecycle with the app's tenant hooks), so the guard's roles, the allowed status moves
and what follows a change (sessions ended, keys refused, orders frozen, visits cancelled,
personal data erased) are the domain's. A change is never one click: the GET shows what will
happen and asks for the reason the API requires; the POST does it.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.pagination import Cursor, encode_cursor, keyset_request
from api.request_state import RequestState
from colo.errors import Conflict, NotFound
from colo.paging import PageRequest
from dcim.orders import store
from dcim.orders.states import TERMINAL
from dcim.readmodel import views
from tenants import lifecycle
from tenants.schemas import StatusChange, TenantRead
from tenants.tables import ApiKey, Person
from web import orders_view as show
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.state import Viewer, WebRequest

PAGE_SIZE = 50
DETAIL_ROWS = 200  # racks and orders shown on a tenant's page
StatusFilter = Annotated[str | None, QueryParameter(name="status", required=False,
                                                    pattern="^(pending|active|suspended|offboarded)?$")]
# What each change does, as tenants.lifecycle and its hooks do it (web/plugin.py, dcim/orders/worker.py,
# siteaccess/hooks.py, tenants/keys.py).
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "suspend": (_("Suspend"), (
        _("Every signed-in session of the company's people ends at once."),
        _("Every API key of the company is refused from the next request on (the keys are kept)."),
        _("Its open orders that are not built yet are frozen: ops cannot move them until it is reinstated."),
        _("Its open and approved visits are cancelled."),
        _("Its racks, reservations and equipment in NetBox are not changed."),
    )),
    "reinstate": (_("Reinstate"), (
        _("The company's people can sign in again and its API keys work again."),
        _("Its frozen orders are thawed and continue where they stopped."),
        _("Cancelled visits do not come back: the company requests new ones."),
    )),
    "offboard": (_("Offboard"), (
        _("This cannot be undone."),
        _("Every signed-in session ends and every API key of the company is revoked."),
        _("Orders not built yet are cancelled; built ones are asked to be decommissioned."),
        _("Its open and approved visits are cancelled."),
        _("The personal data of its people is erased and its data key destroyed."),
        _("Its registration number is freed, so the company may apply again."),
    )),
}
STATUS_NAMES = {"pending": _("Pending"), "active": _("Active"), "suspended": _("Suspended"),
                "offboarded": _("Offboarded")}
STATUS_MOVED = _("The tenant's status does not allow this change (it may have changed meanwhile).")
ALLOWED_FROM = {"suspend": ("active",), "reinstate": ("suspended",),
                "offboard": ("active", "suspended", "pending")}


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    """The signed-in member of staff. list_tenants and get_tenant are open to a tenant's people
    too (they see their own company); this console is the facility's, so a tenant's person gets
    the answer of a missing page here, as on every other console page (web/guard.py)."""
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for these operations
    if not viewer.principal.is_facility:
        RequestState.of(request.scope).authz_denied = "ops_console"
        raise NotFound("page")
    return viewer


async def _counts(tenant_id: UUID) -> tuple[int, int]:
    """(people, API keys not revoked) of the tenant."""
    people = await Person.count().where(Person.tenant == tenant_id)
    keys = await ApiKey.count().where((ApiKey.tenant == tenant_id) & ApiKey.revoked_at.is_null())
    return people, keys


class TenantsController(Controller):
    path = "/"

    @get("/ops/tenants", operation_id="portal_ops_tenants")
    async def tenants(self, request: Request[Any, Any, Any], status: StatusFilter = None,
                      cursor: Cursor = None) -> Template:
        viewer = _viewer(request)
        result = await lifecycle.list_tenants(
            principal=viewer.principal, status=status or None,
            page=keyset_request(cursor, limit=PAGE_SIZE, keyset=lifecycle.TENANT_KEYS))
        next_cursor = encode_cursor(result)
        return page(request, "ops_tenants.html", tenants=result.items, status_filter=status or "",
                    next_cursor=next_cursor, status_names=STATUS_NAMES)

    @get("/ops/tenants/{tenant_id:uuid}", operation_id="portal_ops_tenant", opt={"acts_as": "portal_ops_tenants"})
    async def tenant(self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Template:
        viewer = _viewer(request)
        tenant = await lifecycle.get_tenant(principal=viewer.principal, tenant_id=tenant_id)
        cache = runtime_of(request).services.read_cache
        racks = await views.list_racks(principal=viewer.principal, tenant_id=tenant_id,
                                       page=PageRequest(limit=DETAIL_ROWS), cache=cache)
        orders = await store.list_for(principal=viewer.principal, state=None, kind=None, tenant_id=tenant_id,
                                      page=PageRequest(limit=DETAIL_ROWS))
        people, keys = await _counts(tenant_id)
        open_orders = [order for order in orders.items if order.state not in TERMINAL]
        return page(request, "ops_tenant.html", tenant=tenant, racks=racks.items, rack_count=racks.count,
                    open_orders=open_orders, people=people, keys=keys, actions=_actions(tenant),
                    state_name=show.state_name, state_class=show.state_class, kind_names=show.KIND_NAMES,
                    status_names=STATUS_NAMES)

    @get("/ops/tenants/{tenant_id:uuid}/suspend", operation_id="portal_ops_tenant_suspend_form",
         opt={"acts_as": "suspend_tenant"})
    async def suspend_form(self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Template:
        return await self._confirm(request, tenant_id, "suspend")

    @get("/ops/tenants/{tenant_id:uuid}/reinstate", operation_id="portal_ops_tenant_reinstate_form",
         opt={"acts_as": "reinstate_tenant"})
    async def reinstate_form(self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Template:
        return await self._confirm(request, tenant_id, "reinstate")

    @get("/ops/tenants/{tenant_id:uuid}/offboard", operation_id="portal_ops_tenant_offboard_form",
         opt={"acts_as": "offboard_tenant"})
    async def offboard_form(self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Template:
        return await self._confirm(request, tenant_id, "offboard")

    @post("/ops/tenants/{tenant_id:uuid}/suspend", operation_id="portal_ops_tenant_suspend",
          opt={"acts_as": "suspend_tenant"})
    async def suspend(self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Template | Redirect:
        return await self._change(request, tenant_id, "suspend")

    @post("/ops/tenants/{tenant_id:uuid}/reinstate", operation_id="portal_ops_tenant_reinstate",
          opt={"acts_as": "reinstate_tenant"})
    async def reinstate(self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Template | Redirect:
        return await self._change(request, tenant_id, "reinstate")

    @post("/ops/tenants/{tenant_id:uuid}/offboard", operation_id="portal_ops_tenant_offboard",
          opt={"acts_as": "offboard_tenant"})
    async def offboard(self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Template | Redirect:
        return await self._change(request, tenant_id, "offboard")

    async def _confirm(self, request: Request[Any, Any, Any], tenant_id: UUID, action: str, *,
                       reason: str = "", errors: dict[str, str] | None = None, status: int = 200) -> Template:
        tenant = await lifecycle.get_tenant(principal=_viewer(request).principal, tenant_id=tenant_id)
        label, consequences = ACTIONS[action]
        return page(request, "ops_tenant_confirm.html", status=status, tenant=tenant, action=action, label=label,
                    consequences=consequences, allowed=tenant.status.value in ALLOWED_FROM[action],
                    reason=reason, errors=errors or {})

    async def _change(self, request: Request[Any, Any, Any], tenant_id: UUID, action: str) -> Template | Redirect:
        viewer = _viewer(request)
        form = await read_form(request)
        reason = text(form, "reason", limit=1000)
        try:
            change = msgspec.convert({"reason": reason}, StatusChange)
        except msgspec.ValidationError:
            return await self._confirm(request, tenant_id, action, reason=reason, status=422,
                                       errors={"reason": _("Say why, in a few words.")})
        hooks = runtime_of(request).services.tenant_hooks
        move = {"suspend": lifecycle.suspend_tenant, "reinstate": lifecycle.reinstate_tenant,
                "offboard": lifecycle.offboard_tenant}[action]
        try:
            await move(principal=viewer.principal, tenant_id=tenant_id, reason=change.reason, hooks=hooks)
        except Conflict:
            return await self._confirm(request, tenant_id, action, reason=reason, status=409,
                                       errors={"form": STATUS_MOVED})
        return see_other(f"/ops/tenants/{tenant_id}")


def _actions(tenant: TenantRead) -> list[tuple[str, str]]:
    """(action, label) the tenant's status allows."""
    return [(action, ACTIONS[action][0]) for action, sources in ALLOWED_FROM.items()
            if tenant.status.value in sources]
