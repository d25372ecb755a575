"""Control characters in any text input, and JSON nested too deep, are a 4xx naming the input —
never a 500, never stored.

The walk is generated from the served OpenAPI document: for every operation, every string in
its request body (at any depth, each variant of a oneOf), every query parameter, every string
path parameter and every header parameter gets a NUL, sent with a key whose role may call the
operation. The answer must be 400/422 naming exactly that input as the client spells it (JSON
path `visitors[0].guest.name`, query `object`, header `X-Tracking-Secret`). One rule
(colo/text.py) applied in one place (api/input_rules.py), so the walk proves it for the
operations that exist today and for every one added later. Targeted checks follow: a guest name
with NUL is not stored (it was, before), bidi overrides and invisible characters in names,
and a 2,000-level body (a RecursionError 500 before), also on the public application endpoint.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from api.input_rules import MAX_JSON_DEPTH
from colo.identity import Role
from tests.conftest import IssuedTestKey
from tests.security.openapi_walk import (
    Operation,
    caller_headers,
    operations,
    request_body_schemas,
    resolve,
    walk_schema,
)
from tests.security.test_policy_bfla import fill_path

NUL = "nul\x00here"


def is_string(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = resolve(document, schema)
    options = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    return any(resolve(document, o).get("type") == "string" for o in options)


def body_with(path: str, value: Any) -> tuple[Any, str]:
    """The smallest body that puts `value` at `spec.note` / `visitors[].guest.name`, and the
    name a problem document gives that place (`visitors[0].guest.name`)."""
    parts = path.split(".")
    body, named = value, []
    for part in reversed(parts):
        key, arrays = part.removesuffix("[]" * part.count("[]")), part.count("[]")
        for _ in range(arrays):
            body = [body]
        body = {key: body}
    for part in parts:
        arrays = part.count("[]")
        named.append(part.removesuffix("[]" * arrays) + "[0]" * arrays)
    return body, ".".join(named)


def formatted_path_parameter(document: dict[str, Any], operation: Operation, name: str) -> bool:
    """A path id (uuid) whose route only matches well-formed values."""
    schema = next(resolve(document, p["schema"]) for p in operation.parameters("path") if p["name"] == name)
    return "format" in schema


def string_inputs(document: dict[str, Any], operation: Operation) -> list[tuple[str, str]]:
    """(location, name) of every string input: body JSON paths, query, path and header names."""
    found: set[tuple[str, str]] = set()
    for param in operation.spec.get("parameters", []):
        if param["in"] in ("query", "header") or is_string(document, param["schema"]):
            found.add((param["in"], param["name"]))
    for schema in request_body_schemas(operation):
        for path, node in walk_schema(document, schema):
            if path and node.get("type") == "string":
                found.add(("body", path))
    return sorted(found)


async def test_nul_in_every_string_input_of_every_operation_is_a_4xx_naming_it(
    client: AsyncTestClient, openapi: dict[str, Any], keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    wrong, checked = [], set()
    for op in operations(openapi):
        auth = dict(caller_headers(op.operation_id, keys_by_role))
        for location, name in string_inputs(openapi, op):
            path, params, headers, body, expected = fill_path(op.path), {}, dict(auth), None, name
            if location == "query":
                params[name] = NUL
            elif location == "header":
                headers[name] = NUL
            elif location == "path":
                path = fill_path(op.path.replace("{" + name + "}", "nul%00here"))
                if formatted_path_parameter(openapi, op, name):
                    expected = None  # an id with a NUL matches no route: 404, like any unknown path
            else:
                body, expected = body_with(name, NUL)
            if op.spec.get("requestBody") and body is None:
                body = {}
            response = await client.request(op.method, path, params=params, headers=headers, json=body)
            problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
            checked.add((op.operation_id, location))
            refused = (400, 422) if expected else (404,)
            if response.status_code not in refused or problem.get("field") != expected:
                wrong.append((op.operation_id, location, name, response.status_code, problem.get("field")))
    assert wrong == [], "\n".join(map(str, wrong))
    assert {location for _, location in checked} >= {"body", "query", "header"}
    assert len({operation for operation, _ in checked}) > 40  # the walk really went through the document


async def test_other_refused_characters_and_unlisted_headers(
    client: AsyncTestClient, keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    ops = keys_by_role[Role.OPS].headers
    for char in ("\x1b", "\x7f", "\x85", "\u202e", "\u2066"):
        response = await client.get("/v1/racks", params={"hall": f"Hall{char}A"}, headers=ops)
        assert (response.status_code, response.json()["field"]) == (400, "hall"), repr(char)
        assert f"U+{ord(char):04X}" in response.json()["detail"]
    response = await client.get("/v1/racks", headers={**ops, "User-Agent": "probe\x00"})
    assert (response.status_code, response.json()["field"]) == (400, "User-Agent")
    response = await client.get("/v1/racks", params={"undeclared": "x\x00"}, headers=ops)
    assert (response.status_code, response.json()["field"]) == (400, "undeclared")


NEGATED_CLASS = re.compile(r"\[\^((?:\\.|[^\]])*)\]")
REFUSED_SAMPLES = "\x00\x1b\x7f\x85\x9f\u202e\u2066"


def test_every_documented_pattern_refuses_what_the_server_refuses(openapi: dict[str, Any]) -> None:
    """A pattern that admits "anything but …" must except at least what colo/text.py refuses;
    otherwise the document calls valid what the server answers with 400 (the fuzzer's ST202)."""
    loose, checked = [], 0
    for op in operations(openapi):
        # Header values are Latin-1 bytes: there only C0 and DEL are refused (colo/text.py).
        schemas = [(p["name"], p.get("schema", {}), REFUSED_SAMPLES[:3] if p["in"] == "header" else REFUSED_SAMPLES)
                   for p in op.spec.get("parameters", [])]
        schemas += [(path, node, REFUSED_SAMPLES) for body in request_body_schemas(op)
                    for path, node in walk_schema(openapi, body)]
        for name, schema, samples in schemas:
            for negated in NEGATED_CLASS.findall(schema.get("pattern", "")):
                checked += 1
                admitted = [f"U+{ord(c):04X}" for c in samples if re.fullmatch(f"[^{negated}]", c)]
                if admitted:
                    loose.append((op.operation_id, name, admitted))
    assert loose == []
    assert checked > 20


def visit_body(guest_name: str, purpose: str = "cabling") -> dict[str, Any]:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    return {"starts_at": tomorrow.isoformat(), "ends_at": (tomorrow + timedelta(hours=2)).isoformat(),
            "areas": ["meet-me-room"], "purpose": purpose,
            "visitors": [{"guest": {"name": guest_name, "company": "Acme Carrier", "id_document_type": "passport",
                                    "id_number": "P1234567"}}]}


async def test_a_guest_name_with_nul_or_a_bidi_override_is_refused_and_not_stored(
    client: AsyncTestClient, make_tenant: Any, make_key: Any,
) -> None:
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="text rule visits")

    async def visits() -> int:
        response = await client.get("/v1/visits", headers=admin.headers, params={"limit": 200})
        assert response.status_code == 200, response.text
        assert response.json()["next_cursor"] is None
        return len(response.json()["items"])

    before = await visits()
    refused = {
        "Eve\x00Mallory": (400, "visitors[0].guest.name"),  # was accepted and stored
        "Eve\u202eyrollaM": (400, "visitors[0].guest.name"),  # displays as another name
        "Eve\u200bMallory": (422, "visitors[0].guest.name"),  # invisible: refused in names only
        "Eve\nMallory": (422, "visitors[0].guest.name"),
    }
    for name, (status, field) in refused.items():
        response = await client.post("/v1/visits", headers=admin.headers, json=visit_body(name))
        assert (response.status_code, response.json().get("field")) == (status, field), (repr(name), response.text)
    response = await client.post("/v1/visits", headers=admin.headers, json=visit_body("Eve", "cage\x00 work"))
    assert (response.status_code, response.json()["field"]) == (400, "purpose")
    assert await visits() == before
    # Positive control: the same body with clean text is stored; free text keeps line breaks
    # and the right-to-left mark.
    response = await client.post("/v1/visits", headers=admin.headers,
                                 json=visit_body(f"Eve {uuid.uuid4().hex[:6]}", "line one\nline two \u200f"))
    assert response.status_code == 201, response.text
    assert await visits() == before + 1


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


async def test_json_nested_too_deep_is_a_400_before_decoding(
    client: AsyncTestClient, keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    json_headers = {"Content-Type": "application/json"}
    for body in (b"[" * 2000 + b"]" * 2000, nested(2000), nested(MAX_JSON_DEPTH + 1)):
        # Public (no key needed), and an authenticated operation.
        for path, headers in (("/v1/applications", json_headers),
                              ("/v1/orders", {**json_headers, **keys_by_role[Role.TENANT_ADMIN].headers})):
            response = await client.post(path, content=body, headers=headers)
            assert response.status_code == 400, (path, len(body), response.text)
            problem = response.json()
            assert problem["field"] == "body" and f"deeper than {MAX_JSON_DEPTH}" in problem["detail"]
    # At the limit the body is decoded as usual (and refused for what it is: not an application).
    response = await client.post("/v1/applications", content=nested(MAX_JSON_DEPTH), headers=json_headers)
    assert response.status_code == 400 and "deeper" not in response.json()["detail"]
