"""BFLA: every role against every guarded operation of the app, compared with the policy table.

A role outside an operation's entry must get 403 (deny by default) whatever it sends; a role
inside must get past the guard (anything but 401/403) — shown on the tenants operations with
requests the handlers can answer.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.guards import is_automatic_options, load_access_policy, operation_id_of
from colo.identity import Role

ROLES = list(Role)


@pytest.fixture(scope="module")
async def keys_by_role(make_tenant, make_key) -> dict[Role, Any]:
    tenant = await make_tenant()
    keys = {}
    for role in ROLES:
        tenant_id = tenant["id"] if role in (Role.TENANT_ADMIN, Role.TENANT_MEMBER) else None
        keys[role] = await make_key(role, tenant_id=tenant_id, name=f"bfla {role.value}")
    return keys


def fill_path(path: str) -> str:
    """Concrete values for path parameters: ids that do not exist."""
    def value(match: re.Match[str]) -> str:
        kind = match.group(2) or "str"
        return {"uuid": str(uuid.uuid4()), "int": "987654321"}.get(kind, "does-not-exist")
    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, path)


def guarded_operations(app: Litestar) -> list[tuple[str, str, str]]:
    policy = load_access_policy()
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            op = operation_id_of(handler)
            if policy.is_public(handler) or is_automatic_options(handler) or op is None:
                continue
            for method in sorted(handler.http_methods):
                found.append((op, method, route.path))
    return found


async def test_roles_outside_the_policy_are_refused_on_every_route(
    client: AsyncTestClient, app: Litestar, keys_by_role,
) -> None:
    policy = load_access_policy()
    operations = guarded_operations(app)
    assert len(operations) >= 20
    checked = 0
    for op, method, path in operations:
        for role in ROLES:
            if role in policy.roles.get(op, frozenset()):
                continue
            response = await client.request(method, fill_path(path), json={}, headers=keys_by_role[role].headers)
            assert response.status_code == 403, (role.value, op, method, path, response.status_code)
            checked += 1
    assert checked > 50


# Requests the tenants handlers can answer without side effects on shared state.
TENANTS_REQUESTS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "whoami": ("GET", "/v1/auth/whoami", None),
    "list_applications": ("GET", "/v1/applications", None),
    "get_application": ("GET", "/v1/applications/{id}", None),
    "approve_application": ("POST", "/v1/applications/{id}/approve", None),
    "reject_application": ("POST", "/v1/applications/{id}/reject", {"reason": "x"}),
    "request_application_info": ("POST", "/v1/applications/{id}/request-info", {"reason": "x"}),
    "list_tenants": ("GET", "/v1/tenants", None),
    "get_tenant": ("GET", "/v1/tenants/{id}", None),
    "suspend_tenant": ("POST", "/v1/tenants/{id}/suspend", {"reason": "x"}),
    "reinstate_tenant": ("POST", "/v1/tenants/{id}/reinstate", {"reason": "x"}),
    "offboard_tenant": ("POST", "/v1/tenants/{id}/offboard", {"reason": "x"}),
    "list_people": ("GET", "/v1/people", None),
    "get_person": ("GET", "/v1/people/{id}", None),
    "create_person": ("POST", "/v1/people", {"name": "M", "email": "not-an-email"}),
    "update_person": ("PATCH", "/v1/people/{id}", {"name": "x"}),
    "delete_person": ("DELETE", "/v1/people/{id}", None),
    "list_keys": ("GET", "/v1/keys", None),
    "get_key": ("GET", "/v1/keys/{id}", None),
    "create_key": ("POST", "/v1/keys", {"name": "bfla", "role": "no-such-role"}),
    "revoke_key": ("POST", "/v1/keys/{id}/revoke", {}),
    "rotate_key": ("POST", "/v1/keys/{id}/rotate", {}),
}


@pytest.mark.parametrize("operation", sorted(TENANTS_REQUESTS))
async def test_each_role_on_each_tenants_operation_matches_the_policy(
    client: AsyncTestClient, keys_by_role, operation: str,
) -> None:
    policy = load_access_policy()
    allowed = policy.roles[operation]
    method, path, body = TENANTS_REQUESTS[operation]
    for role in ROLES:
        response = await client.request(method, path.replace("{id}", str(uuid.uuid4())), json=body,
                                        headers=keys_by_role[role].headers)
        if role in allowed:
            assert response.status_code not in (401, 403, 500), (role.value, operation, response.text)
        else:
            assert response.status_code == 403, (role.value, operation, response.status_code)


def test_the_tenants_request_table_covers_every_tenants_operation() -> None:
    from tenants.policy import POLICY

    assert set(TENANTS_REQUESTS) == set(POLICY)


async def test_public_operations_need_no_key(client: AsyncTestClient) -> None:
    response = await client.get(f"/v1/applications/{uuid.uuid4()}/status",
                                headers={"X-Tracking-Secret": "cat_" + "a" * 32})
    assert response.status_code == 404  # reached the handler: no 401
