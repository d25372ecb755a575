"""The access review: who can get in and who can act, dormant credentials, one-click revoke.

Security officers and auditors read it (portal_access_review); only security officers revoke a
key or disable a tenant person's account from it (portal_access_review_revoke), through the same
domain functions the API and the tenant's own pages call — tenants.keys.revoke_key takes any
key from a facility principal, accounts.service.remove_account ends the account's sessions at
once. Each post is a portal request, so it lands in the access log like every other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from accounts.service import remove_account
from colo.errors import Conflict
from colo.identity import Role
from tenants.keys import revoke_key
from tenants.policy import is_allowed
from web.access_review_view import MAX_DORMANT_DAYS, MIN_DORMANT_DAYS, bounded_days, gather
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.roles import ROLE_NAMES
from web.state import Viewer, WebRequest

REVOKE_REASON = "revoked in the access review"
NOTICES = {
    "key_revoked": _("The key is revoked: the API refuses it from now on."),
    "account_disabled": _("The account is disabled and its sessions have ended."),
    "account_deleted": _("The invitation is withdrawn: the account was never set up, and its link no longer works."),
    "last_admin": _("This is the company's last administrator account; it was not disabled. "
                    "Revoke its keys, or ask ops to suspend the company."),
}


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for every page here
    return viewer


def _back(request: Request[Any, Any, Any], notice: str) -> Redirect:
    days = request.query_params.get("days")
    tenant = request.query_params.get("tenant")
    query = f"notice={notice}"
    if isinstance(days, str) and days.isdigit():
        query += f"&days={days}"
    if isinstance(tenant, str) and len(tenant) <= 40:
        try:
            query += f"&tenant={UUID(tenant)}"
        except ValueError:
            pass
    return see_other(f"/access-review?{query}")


class AccessReviewController(Controller):
    path = "/"

    @get("/access-review", operation_id="portal_access_review")
    async def review(
        self, request: Request[Any, Any, Any],
        days: Annotated[int | None, QueryParameter(ge=MIN_DORMANT_DAYS, le=MAX_DORMANT_DAYS)] = None,
        tenant: Annotated[UUID | None, QueryParameter()] = None,
        notice: Annotated[str | None, QueryParameter(max_length=40)] = None,
    ) -> Template:
        viewer = _viewer(request)
        runtime = runtime_of(request)
        shown_days = bounded_days(days)
        review = await gather(principal=viewer.principal, master_key=runtime.services.keys.master_key,
                              now=datetime.now(UTC), days=shown_days)
        if tenant is not None:
            review.tenants = [t for t in review.tenants if t.tenant is not None and t.tenant.id == tenant]
        may_revoke = is_allowed(runtime.policy.roles, "portal_access_review_revoke", viewer.principal.role)
        # visitors' names are personal data: shown to those the API shows visits to (security), not auditors
        names = is_allowed(runtime.policy.roles, "list_visits", viewer.principal.role)
        return page(request, "access_review.html", review=review, may_revoke=may_revoke, role_names=ROLE_NAMES,
                    show_names=names,
                    notice=NOTICES.get(notice or ""), days=shown_days, tenant=tenant,
                    back=f"days={shown_days}" + (f"&tenant={tenant}" if tenant else ""),
                    min_days=MIN_DORMANT_DAYS, max_days=MAX_DORMANT_DAYS, tenant_role=Role.TENANT_ADMIN)

    @post("/access-review/keys/{key_id:uuid}/revoke", operation_id="portal_access_review_revoke_key",
          opt={"acts_as": "portal_access_review_revoke"}, status_code=303)
    async def revoke(self, request: Request[Any, Any, Any], key_id: FromPath[UUID]) -> Redirect:
        viewer = _viewer(request)
        await revoke_key(principal=viewer.principal, key_id=key_id, reason=REVOKE_REASON)
        return _back(request, "key_revoked")

    @post("/access-review/accounts/{account_id:uuid}/disable", operation_id="portal_access_review_disable_account",
          opt={"acts_as": "portal_access_review_revoke"}, status_code=303)
    async def disable(self, request: Request[Any, Any, Any], account_id: FromPath[UUID]) -> Redirect:
        viewer = _viewer(request)
        try:
            outcome = await remove_account(principal=viewer.principal, account_id=account_id,
                                           sessions=runtime_of(request).sessions)
        except Conflict:
            return _back(request, "last_admin")
        return _back(request, "account_deleted" if outcome == "deleted" else "account_disabled")
