"""The portal's guard: who is signed in, in which language, may they open this page, and does a
form post carry its CSRF token.

Runs for every portal route (the web router's guard), after the API's guard has let it through
as a route needing no API key. It puts the person's Principal into the request state, so the
access log (api/access_log.py) records the person as the actor exactly as it records a key.
Which signed-in pages a role may open is the one policy table (accounts/policy.py merged with
every other domain's by api/guards.py): a page that performs an API operation names it
(`opt={"acts_as": ...}`) and is open to exactly the roles that may call it; a portal-only page
has its own entry in accounts/policy.py. Either way it needs a session.

A tenant's person refused a page no tenant role may open (the security and ops consoles) gets the
answer of a missing page (404), so the consoles' existence tells them nothing; a page some tenant
role may open (an administrator's page, opened by a member) is a 403.

A session ends on the next click when its account was disabled or its tenant is no longer
active — the tenant status hook ends them at once anyway (web/plugin.py); this is the second
line, for a hook that failed.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from accounts.policy import PORTAL_PUBLIC
from accounts.service import get_account, principal_of, tenant_is_active
from api.guards import is_automatic_options, operation_id_of
from api.request_state import RequestState
from colo.errors import AuthenticationFailed, NotFound, PermissionDenied
from colo.identity import TENANT_ROLES
from tenants.policy import is_allowed
from web import csrf
from web.i18n import negotiate, supported
from web.runtime import WebRuntime
from web.state import Viewer, WebRequest

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(AuthenticationFailed):
    """A page for signed-in people, opened without a (live) session: go to the sign-in page."""


class CsrfRefused(PermissionDenied):
    """A form post without the right CSRF token."""


def runtime_of(connection: ASGIConnection[Any, Any, Any, Any]) -> WebRuntime:
    runtime: WebRuntime = connection.app.state.web
    return runtime


async def resolve_viewer(runtime: WebRuntime, session_id: str) -> tuple[Viewer | None, str | None]:
    """The person behind a session cookie, or (None, why not)."""
    live = await runtime.sessions.touch(session_id)
    if live is None:
        return None, "session_ended"
    try:
        account = await get_account(account_id=live.account_id)
    except NotFound:
        await runtime.sessions.end(session_id)
        return None, "account_gone"
    if account.status != "active":
        await runtime.sessions.end_account(account.id)
        return None, "account_disabled"
    if account.tenant_id is not None and not await tenant_is_active(account.tenant_id):
        await runtime.sessions.end_tenant(account.tenant_id)
        return None, "tenant_inactive"
    return Viewer(account=account, principal=principal_of(account), session_id=session_id), None


async def portal_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    runtime = runtime_of(connection)
    state = RequestState.of(connection.scope)
    viewer, why_not = None, None
    session_id = connection.cookies.get(runtime.session_cookie)
    if session_id and len(session_id) <= 100:
        viewer, why_not = await resolve_viewer(runtime, session_id)
    cookies: dict[str, str] = {}
    if session_id and viewer is None:
        cookies[runtime.session_cookie] = ""  # clear a dead session's cookie
    if viewer is not None:
        state.principal = viewer.principal
        binding = viewer.session_id
        code = supported(viewer.account.locale)
    else:
        binding = connection.cookies.get(runtime.csrf_cookie) or ""
        if not 20 <= len(binding) <= 100:
            binding = csrf.new_binding()
            cookies[runtime.csrf_cookie] = binding
        code = None
    code = code or supported(connection.cookies.get(runtime.language_cookie)) or negotiate(
        connection.headers.get("accept-language"))
    web = WebRequest(language=runtime.languages.get(code), csrf_binding=binding, viewer=viewer, cookies=cookies,
                     ended=why_not)
    web.store(connection.scope)

    operation = policy_operation(handler)
    if operation is not None and operation in runtime.policy.roles:
        if viewer is None:
            state.auth_failure = why_not or "no_session"
            raise SignInRequired("sign in first", reason=state.auth_failure)
        if not is_allowed(runtime.policy.roles, operation, viewer.principal.role):
            state.authz_denied = operation
            if viewer.principal.is_tenant and not runtime.policy.roles[operation] & TENANT_ROLES:
                # the staff consoles do not exist for a tenant's people: the answer of a missing page
                raise NotFound("page")
            raise PermissionDenied(f"role {viewer.principal.role.value} may not open {operation}")
    elif operation not in PORTAL_PUBLIC and not is_automatic_options(handler):  # deny by default, like the API
        state.authz_denied = operation or "unlisted"
        raise PermissionDenied(f"{operation or 'this page'} is in no policy table")
    if connection.scope.get("method", "") in UNSAFE_METHODS:
        await refuse_without_csrf(connection, runtime, binding)


def policy_operation(handler: BaseRouteHandler) -> str | None:
    """The operation whose policy entry decides who may open a portal route: the API operation
    the page performs (`opt={"acts_as": "list_orders"}`: the same roles as the API, one rule),
    else the route's own operation id (a portal-only page in accounts/policy.py)."""
    acts_as = handler.opt.get("acts_as")
    return acts_as if isinstance(acts_as, str) else operation_id_of(handler)


async def refuse_without_csrf(connection: ASGIConnection[Any, Any, Any, Any], runtime: WebRuntime,
                              binding: str) -> None:
    presented = connection.headers.get(csrf.HEADER)
    if presented is None:
        # The parsed form is cached in the scope: the handler reads it again for free.
        form = await Request[Any, Any, Any](connection.scope, connection.receive).form()
        value = form.get(csrf.FIELD)
        presented = value if isinstance(value, str) else None
    if not runtime.csrf.valid(binding, presented):
        RequestState.of(connection.scope).auth_failure = "csrf"
        raise CsrfRefused("the form is out of date or was not sent by this site; reload the page and try again")
