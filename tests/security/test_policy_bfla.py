"""BFLA: every role against every guarded operation of the app, in both directions.

- A role outside an operation's policy entry gets 403 from the guard (deny by default).
- A role inside gets past the guard: not 401, not the guard's 403, not 500. The probe cannot
  change anything: path ids do not exist and a body carries an unknown field, which the
  handler refuses (400) after the guard has let the caller through.

Operations come from the served OpenAPI document, so a new operation is covered the moment it
is served; the table of probes needs no entry per operation.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.guards import is_automatic_options, load_access_policy, operation_id_of
from colo.identity import Role
from tests.conftest import IssuedTestKey
from tests.security.openapi_walk import Operation, operations

ROLES = list(Role)
# Probes that would otherwise run real work: a query parameter out of range is refused after
# the guard. trigger_sync has no input at all, so ops really run one sync.
PROBE_QUERY = {"run_reconciliation": {"site_id": "0"}}
PROBE_BODY = {"__probe__": 1}


def fill_path(path: str) -> str:
    """Concrete values for path parameters: ids that do not exist (Litestar or OpenAPI templates)."""
    def value(match: re.Match[str]) -> str:
        if match.group(1) == "month":  # a calendar month (YYYY-MM), not an object
            return "2026-11"
        kind = match.group(2) or ("int" if match.group(1) in ("rack_id", "panel_id", "index", "feed_id") else "uuid")
        return {"uuid": str(uuid.uuid4()), "int": "987654321"}.get(kind, "does-not-exist")
    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, path)


def guard_refused(response: Any, role: Role) -> bool:
    """The guard's own 403 (its detail names the role), as opposed to a domain rule's 403."""
    return response.status_code == 403 and response.json().get("detail", "").startswith(f"role {role.value} ")


def guarded(openapi: dict[str, Any]) -> list[Operation]:
    public = load_access_policy().public
    return [op for op in operations(openapi) if op.operation_id not in public]


async def probe(client: AsyncTestClient, op: Operation, key: IssuedTestKey) -> Any:
    body = PROBE_BODY if op.spec.get("requestBody") else None
    return await client.request(op.method, fill_path(op.path), json=body, params=PROBE_QUERY.get(op.operation_id),
                                headers=key.headers)


def test_every_served_operation_has_a_policy_entry(openapi: dict[str, Any], app: Litestar) -> None:
    policy = load_access_policy()
    served = {op.operation_id for op in operations(openapi)}
    assert served - set(policy.roles) - set(policy.public) == set()
    # The document and the router agree: no route is hidden from the document (and so from here).
    routed = {operation_id_of(h) for r in app.routes for h in getattr(r, "route_handlers", [])
              if not is_automatic_options(h) and not h.opt.get("public")}
    assert routed - {None} <= served


async def test_roles_outside_the_policy_are_refused_by_the_guard(
    client: AsyncTestClient, openapi: dict[str, Any], keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    policy = load_access_policy()
    mismatches, checked = [], 0
    for op in guarded(openapi):
        for role in ROLES:
            if role in policy.roles[op.operation_id]:
                continue
            response = await probe(client, op, keys_by_role[role])
            checked += 1
            if not guard_refused(response, role):
                mismatches.append((role.value, op.operation_id, response.status_code, response.text[:120]))
    assert mismatches == []
    assert checked > 150


async def test_roles_inside_the_policy_get_past_the_guard(
    client: AsyncTestClient, openapi: dict[str, Any], keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    policy = load_access_policy()
    mismatches, checked = [], set()
    for op in guarded(openapi):
        for role in sorted(policy.roles[op.operation_id]):
            response = await probe(client, op, keys_by_role[role])
            checked.add((op.operation_id, role))
            if response.status_code in (401, 500) or guard_refused(response, role):
                mismatches.append((role.value, op.operation_id, response.status_code, response.text[:160]))
    assert mismatches == []
    expected = {(op.operation_id, role) for op in guarded(openapi) for role in policy.roles[op.operation_id]}
    assert checked == expected and len(checked) > 100


async def test_public_operations_need_no_key(client: AsyncTestClient) -> None:
    response = await client.get(f"/v1/applications/{uuid.uuid4()}/status",
                                headers={"X-Tracking-Secret": "cat_" + "a" * 32})
    assert response.status_code == 404  # reached the handler: no 401
