"""Every route of the app is either public or in the policy table, and the guard denies by default."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.guards import is_automatic_options, load_access_policy, operation_id_of
from colo.identity import Role
from tenants.policy import PolicyError, is_allowed, merge_policies


def app_operations(app: Litestar) -> list[tuple[str, str | None, bool]]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            public = bool(handler.opt.get("public")) or is_automatic_options(handler)
            found.append((route.path, operation_id_of(handler), public))
    return found


def test_every_route_has_a_policy_entry_or_is_public(app: Litestar) -> None:
    policy = load_access_policy()
    missing = [
        (path, op) for path, op, public in app_operations(app)
        if not public and (op is None or (op not in policy.roles and op not in policy.public))
    ]
    assert missing == [], f"routes without a policy entry (add them to <domain>/policy.py): {missing}"


def test_policy_has_no_entries_for_routes_that_do_not_exist(app: Litestar) -> None:
    # a portal page may be guarded by an entry of its own it names with acts_as (web/guard.py)
    acting = {handler.opt["acts_as"] for route in app.routes for handler in getattr(route, "route_handlers", [])
              if "acts_as" in handler.opt}
    operations = {op for _, op, _ in app_operations(app)} | acting
    policy = load_access_policy()
    stale = sorted(op for op in [*policy.roles, *policy.public] if op not in operations)
    assert stale == [], f"policy entries without a route: {stale}"



def test_every_route_handler_has_an_explicit_operation_id(app: Litestar) -> None:
    unnamed = [path for path, op, public in app_operations(app) if op is None and not public]
    assert unnamed == []


def test_deny_by_default_and_duplicates_refused() -> None:
    assert not is_allowed({}, "anything", Role.OPS)
    assert not is_allowed({"x": frozenset({Role.OPS})}, "x", Role.TENANT_ADMIN)
    with pytest.raises(PolicyError):
        merge_policies([("a", {"x": frozenset({Role.OPS})}, frozenset()),
                        ("b", {"x": frozenset({Role.OPS})}, frozenset())])
    with pytest.raises(PolicyError):
        merge_policies([("a", {"x": frozenset({Role.OPS})}, frozenset({"x"}))])


async def test_role_outside_the_policy_gets_403(client: AsyncTestClient, make_key) -> None:
    gate = await make_key(Role.GATE)
    response = await client.get("/v1/keys", headers=gate.headers)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
