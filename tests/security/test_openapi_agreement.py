"""The served document and the server agree.

- Every documented handler is in the document under its path and method, and every bound a
  handler declares on a parameter (`ge=0`, `le=100`, `max_length=…`) is stated there with the
  same value — read from the handlers here, independently of api/openapi_tightening.py.
- Examples are written ones, never Litestar's random strings.
- Every operation that authenticates documents the 429 of the failed-authentication throttle,
  and answers it once the caller's address is blocked.
- An unknown `site_id` for reconciliation is a documented 422 naming `site_id`, in Colo's words.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.params import KwargDefinition, ParameterKwarg
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from api.auth_throttle import AuthFailureThrottle
from api.guards import load_access_policy
from colo.identity import Role
from tenants.keyformat import format_key, random_secret
from tests.conftest import IssuedTestKey
from tests.security.openapi_walk import operations

BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum",
          "min_length": "minLength", "max_length": "maxLength", "pattern": "pattern"}
# what Litestar's example factory makes: 20 random ASCII letters, mixed case
RANDOM_TEXT = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])[A-Za-z]{12,}$")


def documented_handlers(app: Litestar) -> Iterator[tuple[str, str, Any]]:
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.resolve_include_in_schema() and isinstance(handler.operation_id, str):
                    for method in handler.http_methods:
                        yield route.path_format, method.lower(), handler


def test_every_handler_and_every_declared_bound_is_in_the_document(app: Litestar, openapi: dict[str, Any]) -> None:
    problems, checked = [], 0
    for path, method, handler in documented_handlers(app):
        operation = openapi["paths"].get(path, {}).get(method)
        if operation is None or operation.get("operationId") != handler.operation_id:
            problems.append(f"{method.upper()} {path} ({handler.operation_id}) is not in the document")
            continue
        parameters = {(p["in"], p["name"]): p.get("schema", {}) for p in operation.get("parameters", [])}
        for name, definition in handler.parsed_fn_signature.parameters.items():
            kwarg = definition.kwarg_definition
            if not isinstance(kwarg, KwargDefinition):
                continue
            if "{" + name + "}" in path:
                key = ("path", name)
            elif isinstance(kwarg, ParameterKwarg):
                key = (kwarg.param_type.value, kwarg.name or name)
            else:
                continue
            for attribute, keyword in BOUNDS.items():
                declared = getattr(kwarg, attribute, None)
                if declared is None:
                    continue
                checked += 1
                stated = parameters.get(key, {}).get(keyword)
                if stated != declared:
                    problems.append(f"{handler.operation_id}: {key[0]} {key[1]} enforces {keyword} {declared!r}, "
                                    f"the document says {stated!r}")
    assert checked > 50, checked
    assert not problems, "\n".join(problems)


def examples_in(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("example", "examples"):
                yield where + "/" + key, value
            yield from examples_in(value, f"{where}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from examples_in(value, where)


def strings_in(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)


def test_examples_are_written_not_random(openapi: dict[str, Any]) -> None:
    found = list(examples_in(openapi))
    random = [(where, text) for where, value in found for text in strings_in(value) if RANDOM_TEXT.match(text)]
    assert len(found) > 50, len(found)
    assert not random, random
    for op in operations(openapi):  # every problem answer shows one
        for status, response in op.spec["responses"].items():
            content = response.get("content", {}).get("application/problem+json")
            if content is not None:
                assert content.get("examples"), f"{op.operation_id} {status} has no example"


@pytest.fixture
def blocked_address(fresh_counts: AuthFailureThrottle) -> Iterator[AuthFailureThrottle]:
    """Throwaway counts (security conftest), one failure per hour allowed per address."""
    saved = fresh_counts.per_address
    fresh_counts.per_address = (1, 3600)
    left = 3600 - time.time() % 3600
    if left < 60:  # counts are per clock hour: do not let the hour turn in the middle
        time.sleep(left + 0.5)
    yield fresh_counts
    fresh_counts.per_address = saved


def unknown_key() -> dict[str, str]:
    return {"Authorization": f"Bearer {format_key(uuid.uuid4(), random_secret())}"}


async def test_every_authenticated_operation_documents_and_answers_the_throttle(
    client: AsyncTestClient, openapi: dict[str, Any], blocked_address: AuthFailureThrottle,
) -> None:
    public = load_access_policy().public
    assert (await client.get("/v1/auth/whoami", headers=unknown_key())).status_code == 401  # the one failure
    problems, checked = [], 0
    for op in operations(openapi):
        if op.operation_id in public:
            continue
        path = op.path
        for parameter in op.parameters("path"):
            value = str(uuid.uuid4()) if parameter["schema"].get("format") == "uuid" else "1"
            path = path.replace("{" + parameter["name"] + "}", value)
        response = await client.request(op.method, path, headers=unknown_key())
        checked += 1
        if response.status_code != 429 or "429" not in op.spec["responses"]:
            problems.append(f"{op.operation_id}: {response.status_code}, documented {sorted(op.spec['responses'])}")
    assert checked > 50, checked
    assert not problems, "\n".join(problems)


async def test_reconciliation_of_an_unknown_site_is_a_documented_422(
    client: AsyncTestClient, openapi: dict[str, Any], keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    assert "422" in openapi["paths"]["/v1/reconciliation"]["post"]["responses"]
    response = await client.post("/v1/reconciliation", params={"site_id": 2**31 - 2},
                                 headers=keys_by_role[Role.OPS].headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["field"], problem["source"]) == ("site_id", "query")
    assert "NetBox refused" not in problem["detail"] and "valid choice" not in problem["detail"]
