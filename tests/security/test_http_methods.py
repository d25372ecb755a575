"""HEAD and Allow agree with the document on every path (api/http_methods.py).

- `OPTIONS` and a 405 for an undeclared method give the same `Allow`: the document's methods of
  the path, plus HEAD wherever GET is, plus OPTIONS;
- HEAD on every GET operation answers what GET answers (status, content type), without a
  body — through the same guard: without a key it is a 401 like the GET;
- a HEAD is recorded in the access log as HEAD.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from tests.conftest import IssuedTestKey
from tests.security.openapi_walk import caller_headers, operations

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def concrete(document: dict[str, Any], path: str) -> str:
    """The path with each parameter filled with a well-formed value."""
    item = document["paths"][path]
    for operation in (item[m] for m in item if m.upper() in METHODS):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                schema = parameter.get("schema", {})
                value = str(uuid.uuid4()) if schema.get("format") == "uuid" else "1"
                path = path.replace("{" + parameter["name"] + "}", value)
    return path


def expected_allow(document: dict[str, Any], path: str) -> set[str]:
    methods = {m.upper() for m in document["paths"][path] if m.upper() in METHODS} | {"OPTIONS"}
    return methods | ({"HEAD"} if "GET" in methods else set())


def allow_of(response: Any) -> set[str]:
    return {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}


async def test_options_and_405_list_the_documented_methods(client: AsyncTestClient, openapi: dict[str, Any]) -> None:
    failures = []
    for path in openapi["paths"]:
        url, expected = concrete(openapi, path), expected_allow(openapi, path)
        options = await client.options(url)
        undeclared = next(m for m in METHODS if m not in expected)
        refused = await client.request(undeclared, url)
        if options.status_code != 204 or allow_of(options) != expected:
            failures.append(f"OPTIONS {path}: {options.status_code} Allow {sorted(allow_of(options))}, "
                            f"document {sorted(expected)}")
        if refused.status_code != 405 or allow_of(refused) != expected:
            failures.append(f"{undeclared} {path}: {refused.status_code} Allow {sorted(allow_of(refused))}, "
                            f"document {sorted(expected)}")
        if "HEAD" not in expected:  # no GET here: HEAD is refused like any other method
            head = await client.head(url)
            if head.status_code != 405 or allow_of(head) != expected:
                failures.append(f"HEAD {path}: {head.status_code} Allow {sorted(allow_of(head))}")
    assert not failures, "\n".join(failures)


async def test_head_answers_like_get_without_a_body(
    client: AsyncTestClient, openapi: dict[str, Any], keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    failures, checked = [], 0
    for operation in operations(openapi):
        if operation.method != "GET" or any(p.get("required") for p in operation.spec.get("parameters", [])
                                            if p["in"] != "path"):
            continue
        url, headers = concrete(openapi, operation.path), caller_headers(operation.operation_id, keys_by_role)
        got, head = await client.get(url, headers=headers), await client.head(url, headers=headers)
        checked += 1
        same_type = got.headers.get("content-type") == head.headers.get("content-type")
        if head.status_code != got.status_code or head.content or not same_type:
            failures.append(f"HEAD {operation.path}: {head.status_code} ({len(head.content)} bytes, "
                            f"{head.headers.get('content-type')}); GET: {got.status_code} "
                            f"({got.headers.get('content-type')})")
        if headers and (await client.head(url)).status_code != 401:
            failures.append(f"HEAD {operation.path} without a key is not refused")
    assert checked > 20, checked
    assert not failures, "\n".join(failures)


async def test_head_is_logged_as_head(
    client: AsyncTestClient, app: Litestar, run_in_app: Any, keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    marker = uuid.uuid4().hex
    ops = keys_by_role[Role.OPS]
    response = await client.head("/v1/racks", headers={**ops.headers, "X-Request-ID": marker})
    assert response.status_code == 200 and response.content == b""
    await run_in_app(app.state.services.access_log.sequencer.checkpoint_now)
    found = await client.get("/v1/access-log/entries", params={"action": "HEAD /v1/racks", "limit": 200},
                             headers=keys_by_role[Role.AUDITOR].headers)
    assert found.status_code == 200, found.text
    assert [e["action"] for e in found.json()["items"] if e["request_id"] == marker] == ["HEAD /v1/racks"]
