"""Every input the document describes is bounded, and every list pages with a cursor.

Walks the served OpenAPI document: each string in a request body or parameter has maxLength
(or is an enum, or a format whose parser bounds it), each array has maxItems, each free-form
object has maxProperties or none at all, each integer has a maximum; every list operation
takes `limit` (at most 200) and `cursor`. Plus the behaviour: limit 201 is refused, a cursor
from X-Next-Cursor returns the next page, a forged cursor is a 422 naming `cursor`.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from api.pagination import MAX_PAGE_SIZE, NEXT_CURSOR_HEADER
from tests.security.openapi_walk import operations, request_body_schemas, walk_schema

# Formats whose parser refuses anything longer than a few dozen characters.
BOUNDED_FORMATS = {"uuid", "date-time", "date", "time"}
# GET operations named list_* that are not lists of a growing collection (none: even an order's
# history pages, tests/api/test_list_envelope.py).
NOT_PAGED: dict[str, str] = {}


def bounded_pattern(pattern: str | None) -> bool:
    """An anchored pattern without unbounded repetition (`^B-[A-Z2-7]{10}$`, `^(a|b)$`)."""
    return bool(pattern) and pattern.startswith("^") and pattern.endswith("$") \
        and re.search(r"(?<!\\)[*+]|\{\d+,\}", pattern) is None


def unbounded(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if kind == "string" and "maxLength" not in schema and "enum" not in schema and "const" not in schema \
            and schema.get("format") not in BOUNDED_FORMATS and not bounded_pattern(schema.get("pattern")):
        return "string without maxLength"
    if kind == "array" and "maxItems" not in schema and "prefixItems" not in schema:
        return "array without maxItems"
    if kind == "integer" and "maximum" not in schema and "exclusiveMaximum" not in schema and "enum" not in schema:
        return "integer without maximum"
    if kind == "object" and schema.get("additionalProperties") not in (None, False) and "maxProperties" not in schema:
        return "free-form object without maxProperties"
    return None


def test_every_input_string_array_and_number_is_bounded(openapi: dict[str, Any]) -> None:
    problems, checked = [], 0
    for op in operations(openapi):
        for param in op.spec.get("parameters", []):
            for where, schema in walk_schema(openapi, param.get("schema", {}), param["name"]):
                checked += 1
                if reason := unbounded(schema):
                    problems.append((op.operation_id, param["in"], where, reason))
        for body in request_body_schemas(op):
            for where, schema in walk_schema(openapi, body, "body"):
                checked += 1
                if reason := unbounded(schema):
                    problems.append((op.operation_id, "body", where, reason))
    assert sorted(set(problems)) == []
    assert checked > 300  # the walk really went through the document


def test_every_list_takes_a_bounded_limit_and_a_cursor(openapi: dict[str, Any]) -> None:
    lists = [op for op in operations(openapi) if op.method == "GET" and op.operation_id.startswith(("list_", "search_"))
             and op.operation_id not in NOT_PAGED]
    assert len(lists) >= 10
    wrong = []
    for op in lists:
        params = {p["name"]: p.get("schema", {}) for p in op.parameters("query")}
        if "cursor" not in params or params.get("limit", {}).get("maximum", 10**9) > MAX_PAGE_SIZE:
            wrong.append(op.operation_id)
    assert wrong == []


async def test_limit_above_200_is_refused_and_cursors_page_through(
    client: AsyncTestClient, make_tenant: Any, make_key: Any, ops_key: Any,
) -> None:
    from colo.identity import Role

    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="paging admin")
    for n in range(4):
        await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name=f"paging member {n}")
    too_many = await client.get("/v1/keys", params={"limit": 201}, headers=admin.headers)
    assert too_many.status_code == 400 and too_many.json()["field"] == "limit"
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/v1/keys", params=params, headers=admin.headers)
        assert page.status_code == 200, page.text
        seen += [k["id"] for k in page.json()["items"]]
        pages += 1
        cursor = page.headers.get(NEXT_CURSOR_HEADER)
        if cursor is None:
            break
        assert 'rel="next"' in page.headers["link"] and "cursor=" in page.headers["link"]
    assert len(seen) == len(set(seen)) == 5 and pages == 3
    forged = await client.get("/v1/keys", params={"cursor": "bm90LW91cnM"}, headers=admin.headers)
    assert forged.status_code == 422 and forged.json()["field"] == "cursor"
    malformed = await client.get("/v1/keys", params={"cursor": "a b"}, headers=admin.headers)
    assert malformed.status_code == 400 and malformed.json()["field"] == "cursor"
