"""Ops' application queue: detail, approve, reject, ask for more information.

Companies apply without an account (web/controllers/applications.py, POST /v1/applications);
ops decide here. Each page performs the API operation it names (`acts_as`: the same roles) by
calling what /v1/applications calls (tenants.applications, with the API's NetBox linker and
directory), so approving in the portal makes the same tenant, in Colo and in NetBox, as approving
through the API — including the choice the API offers when NetBox already has a tenant of that
name: link it, or create a separate one on purpose.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.controllers.applications import netbox_linker
from api.pagination import Cursor, encode_cursor, keyset_request
from colo.errors import Conflict, NotFound, Unavailable, ValidationFailed
from dcim.netbox.tenancy import NetBoxTenantDirectory
from tenants import applications
from tenants.lifecycle import get_tenant
from tenants.schemas import ApprovalOptions, ReviewReason, TenantRead
from web.controllers.applications import SERVICE_NAMES
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.problems import CONFLICT, NOT_VALID, field_errors
from web.state import Viewer, WebRequest

PAGE_SIZE = 25
# The queue's tabs: status filter value → label ("" is every application).
TABS: dict[str, str] = {
    "submitted": _("Waiting for review"),
    "action_required": _("Waiting for the applicant"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "all": _("All"),
}
STATUS_NAMES: dict[str, str] = {
    "submitted": _("Submitted: waiting for review"),
    "action_required": _("Waiting for the applicant's answer"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
}
TENANT_STATUS_NAMES: dict[str, str] = {
    "pending": _("Pending: the NetBox link is not made yet (approve again)"),
    "active": _("Active"),
    "suspended": _("Suspended"),
    "offboarded": _("Offboarded"),
}
DONE: dict[str, str] = {
    "approved": _("The application is approved and the tenant exists in Colo and in NetBox."),
    "rejected": _("The application is rejected; the applicant sees the reason."),
    "asked": _("The applicant is asked for more information and sees the question."),
}
REASON_MISSING = _("Give a reason: the applicant sees it.")
NETBOX_ID_INVALID = _("Give the id of a NetBox tenant (a whole number).")
NETBOX_NO_TENANT = _("NetBox has no tenant with this id.")
NETBOX_TAKEN = _("Another Colo tenant is linked to this NetBox tenant already.")
NETBOX_CLASH = _("NetBox already has a tenant of this name that no Colo tenant is linked to: link it, or "
                 "create a separate NetBox tenant if it is a different company.")
NETBOX_DOWN = _("NetBox cannot be reached now. Nothing was lost: approve again in a moment.")
APPROVE_REASONS = {
    "NetBox has no tenant": NETBOX_NO_TENANT,
    "NetBox already has tenant": NETBOX_CLASH,
    "give either": NETBOX_ID_INVALID,
}
StatusTab = Annotated[str | None, QueryParameter(name="status", required=False,
                                                 pattern=f"^({'|'.join(TABS)})?$")]
Done = Annotated[str | None, QueryParameter(name="done", required=False, pattern=f"^({'|'.join(DONE)})?$")]


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for these operations
    return viewer


class OpsApplicationsController(Controller):
    path = "/"

    @get("/ops/applications", operation_id="portal_ops_applications", opt={"acts_as": "list_applications"})
    async def queue(self, request: Request[Any, Any, Any], status: StatusTab = None,
                    cursor: Cursor = None) -> Template:
        tab = status or "submitted"
        result = await applications.list_applications(
            status=None if tab == "all" else tab,
            page=keyset_request(cursor, limit=PAGE_SIZE, keyset=applications.APPLICATION_KEYS))
        return page(request, "ops_applications.html", items=result.items, next_cursor=encode_cursor(result),
                    tab=tab, tabs=TABS, statuses=STATUS_NAMES, services=SERVICE_NAMES, first_page=cursor is None)

    @get("/ops/applications/{application_id:uuid}", operation_id="portal_ops_application",
         opt={"acts_as": "get_application"})
    async def detail(self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
                     done: Done = None) -> Template:
        return await self._detail(request, application_id, done=done or "")

    async def _detail(self, request: Request[Any, Any, Any], application_id: UUID, *, done: str = "",
                      errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                      clashes: list[dict[str, Any]] | None = None, status: int = 200) -> Template:
        viewer, services = _viewer(request), runtime_of(request).services
        found = await applications.get_application(application_id=application_id,
                                                   master_key=services.keys.master_key)
        tenant: TenantRead | None = None
        if found.tenant_id is not None:
            try:
                tenant = await get_tenant(principal=viewer.principal, tenant_id=found.tenant_id)
            except NotFound:
                tenant = None
        return page(request, "ops_application.html", status=status, app=found, tenant=tenant,
                    statuses=STATUS_NAMES, services=SERVICE_NAMES, done=DONE.get(done, ""),
                    tenant_statuses=TENANT_STATUS_NAMES,
                    errors=errors or {}, values=values or {}, clashes=clashes or [])

    @post("/ops/applications/{application_id:uuid}/approve", operation_id="portal_ops_approve_application",
          opt={"acts_as": "approve_application"}, status_code=303)
    async def approve(self, request: Request[Any, Any, Any], application_id: FromPath[UUID]) -> Template | Redirect:
        viewer, services = _viewer(request), runtime_of(request).services
        form = await read_form(request)
        choice = text(form, "netbox", limit=10)
        values = {"netbox": choice if choice in ("own", "link", "new") else "own",
                  "netbox_tenant_id": text(form, "netbox_tenant_id", limit=20)}
        linked: int | None = None
        if values["netbox"] == "link":
            try:
                linked = int(values["netbox_tenant_id"])
                options = msgspec.convert({"netbox_tenant_id": linked}, ApprovalOptions)
            except (ValueError, msgspec.ValidationError):
                return await self._detail(request, application_id, values=values, status=422,
                                          errors={"netbox_tenant_id": NETBOX_ID_INVALID})
        else:
            options = ApprovalOptions(create_netbox_tenant=values["netbox"] == "new")
        try:
            await applications.approve_application(
                principal=viewer.principal, application_id=application_id, master_key=services.keys.master_key,
                link_netbox=netbox_linker(services), netbox=NetBoxTenantDirectory(services.netbox),
                netbox_tenant_id=options.netbox_tenant_id, create_netbox_tenant=options.create_netbox_tenant)
        except (ValidationFailed, Conflict) as exc:
            clashes = exc.extra.get("netbox_tenants") if isinstance(exc, Conflict) else None
            errors = field_errors(exc, reasons=APPROVE_REASONS, default_field="approve")
            if "netbox_tenant_id" in errors and isinstance(exc, Conflict) and not clashes:
                errors = {"netbox_tenant_id": NETBOX_TAKEN}
            if "approve" in errors:
                errors = {"approve": CONFLICT}
            if clashes:  # offer the tenant NetBox has: linking it is the likely answer
                values["netbox"] = "link"
            return await self._detail(request, application_id, values=values, errors=errors,
                                      clashes=clashes if isinstance(clashes, list) else [],
                                      status=409 if isinstance(exc, Conflict) else 422)
        except Unavailable:
            return await self._detail(request, application_id, values=values, status=503,
                                      errors={"approve": NETBOX_DOWN})
        return see_other(f"/ops/applications/{application_id}?done=approved")

    async def _review(self, request: Request[Any, Any, Any], application_id: UUID, *,
                      action: str) -> Template | Redirect:
        viewer, services = _viewer(request), runtime_of(request).services
        form = await read_form(request)
        reason = text(form, "reason", limit=1001, strip=False).strip()
        values = {f"{action}_reason": reason}
        try:
            checked = msgspec.convert({"reason": reason}, ReviewReason)
            if action == "reject":
                await applications.reject_application(principal=viewer.principal, application_id=application_id,
                                                      reason=checked.reason, master_key=services.keys.master_key)
            else:
                await applications.request_more_info(principal=viewer.principal, application_id=application_id,
                                                     question=checked.reason, master_key=services.keys.master_key)
        except msgspec.ValidationError:
            return await self._detail(request, application_id, values=values, status=422,
                                      errors={action: REASON_MISSING})
        except (ValidationFailed, Conflict) as exc:
            conflict = isinstance(exc, Conflict)
            return await self._detail(request, application_id, values=values, status=409 if conflict else 422,
                                      errors={action: CONFLICT if conflict else NOT_VALID})
        return see_other(f"/ops/applications/{application_id}?done={'rejected' if action == 'reject' else 'asked'}")

    @post("/ops/applications/{application_id:uuid}/reject", operation_id="portal_ops_reject_application",
          opt={"acts_as": "reject_application"}, status_code=303)
    async def reject(self, request: Request[Any, Any, Any], application_id: FromPath[UUID]) -> Template | Redirect:
        return await self._review(request, application_id, action="reject")

    @post("/ops/applications/{application_id:uuid}/request-info", operation_id="portal_ops_request_application_info",
          opt={"acts_as": "request_application_info"}, status_code=303)
    async def request_info(self, request: Request[Any, Any, Any],
                           application_id: FromPath[UUID]) -> Template | Redirect:
        return await self._review(request, application_id, action="info")
