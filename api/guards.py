"""The one guard every route passes: authenticate (unless public), check the policy table, then
refuse control characters in any query, path or header value (api/input_rules.py).

Policies come from each domain's `policy.py` (see tenants/policy.py for the format), merged
once at start-up. A route whose operation id is neither public nor in the table is refused
for everyone (deny by default) — and tests/security/test_policy_coverage.py fails on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

import accounts.policy
import audit.policy
import dcim.policy
import metering.policy
import notify.policy
import servicedesk.policy
import siteaccess.policy
import tenants.policy
from api.auth import authenticate_connection, client_address
from api.auth_metrics import report_key_cache
from api.auth_throttle import AuthFailureThrottle
from api.input_rules import refuse_bad_parameters
from api.request import ColoRequest
from api.request_state import RequestState
from api.services import AppServices
from colo.errors import PermissionDenied
from colo.identity import Role
from tenants.key_cache import KeyCache
from tenants.keys import KeyRing
from tenants.policy import is_allowed, merge_policies

# Every domain's policy table; a domain with routes adds its module here (its name appears in
# start-up errors and in the generated policy table of docs/SECURITY.md).
POLICY_TABLES: tuple[ModuleType, ...] = (tenants.policy, audit.policy, siteaccess.policy, dcim.policy,
                                         accounts.policy, servicedesk.policy, metering.policy, notify.policy)
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    roles: dict[str, frozenset[Role]]
    public: frozenset[str]

    def is_public(self, handler: BaseRouteHandler) -> bool:
        return (operation_id_of(handler) in self.public or bool(handler.opt.get("public"))
                or is_automatic_options(handler))


def load_access_policy() -> AccessPolicy:
    roles, public = merge_policies([(module.__name__, module.POLICY, frozenset(module.PUBLIC))
                                    for module in POLICY_TABLES])
    return AccessPolicy(roles=roles, public=public)


def operation_id_of(handler: BaseRouteHandler) -> str | None:
    operation_id = getattr(handler, "operation_id", None)
    return operation_id if isinstance(operation_id, str) else None


def is_automatic_options(handler: BaseRouteHandler) -> bool:
    """Litestar's generated OPTIONS handlers only answer with the Allow header."""
    return getattr(handler, "http_methods", None) == {"OPTIONS"} and operation_id_of(handler) is None


def make_guard(*, policy: AccessPolicy, ring: KeyRing, trusted_proxies: tuple[str, ...],
               throttle: AuthFailureThrottle | None = None, cache: KeyCache | None = None) -> Guard:
    async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if policy.is_public(handler):
            # No credential needed, but the access log still wants the caller's address.
            RequestState.of(connection.scope).client_address = client_address(connection.scope, trusted_proxies)
            refuse_bad_parameters(connection)
            return
        principal = await authenticate_connection(connection, ring=ring, trusted_proxies=trusted_proxies,
                                                  throttle=throttle, cache=cache)
        operation_id = operation_id_of(handler)
        if operation_id is None or not is_allowed(policy.roles, operation_id, principal.role):
            RequestState.of(connection.scope).authz_denied = operation_id or "unlisted"
            raise PermissionDenied(f"role {principal.role.value} may not call {operation_id or 'this route'}")
        # Text rules for every parameter (api/input_rules.py); bodies are checked as they are read.
        refuse_bad_parameters(connection)

    return authorize


def install_access_control(app_config: AppConfig, services: AppServices) -> None:
    """Wire authentication, the policy guard (with the app's failed-authentication throttle), the
    input rules and the app's request class (`request.principal`, `request.services`)."""
    ring = KeyRing.of(services.keys.api_key_peppers)
    guard = make_guard(policy=load_access_policy(), ring=ring, trusted_proxies=services.settings.trusted_proxies,
                       throttle=services.auth_throttle, cache=services.key_cache)
    app_config.guards.append(guard)
    report_key_cache(services.key_cache)  # hits, misses and the listener at /metrics
    # The other half of the input rules: every JSON body is read through ColoRequest.json.
    app_config.request_class = ColoRequest
