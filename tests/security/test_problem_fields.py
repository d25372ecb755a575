"""Every 4xx names the input as the client spelled it — for every operation of the document.

Walks the served OpenAPI document. For each operation, as a caller its role allows (so the
guard lets the request through to validation), it sends:

- each parameter (query, header, path) with a value its schema forbids, and each required one
  left out: the problem's `field` is the parameter's name in the document (`state`,
  `Idempotency-Key`, `X-Tracking-Secret`, `format`, `object`), `source` its `in`;
- a body that is cut short, is not a JSON object, or is empty when required: `field: "body"`;
- each top-level body property with a value of a JSON type its schema forbids, and an unknown
  property where the schema forbids them: `field` is the property's name, `source: "body"`.

A malformed id in the path may also answer 404 (no object can have that id).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from colo.identity import Role
from tests.conftest import IssuedTestKey
from tests.security.openapi_walk import Operation, caller_headers, operations, request_body_schemas, resolve

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")

PATTERN_BREAKERS = ["!", "~ ~", "é", "0" * 3, "a", "\x1b"]  # ESC breaks the text rule (colo/text.py)
# JSON values by type, in the order a forbidden one is picked for a body property
JSON_VALUES: list[tuple[str, Any]] = [("object", {"unexpected": True}), ("array", [1]), ("string", "text"),
                                      ("number", 1.5), ("boolean", True)]


@dataclass(frozen=True)
class Case:
    operation: Operation
    location: str  # query, header, path, body
    name: str  # the name the document gives (what `field` must say)
    what: str
    params: dict[str, dict[str, str]]  # location → name → value sent
    body: bytes | None = None
    strict: bool = True  # False: another input (a required body we cannot make up) may be named first

    @property
    def label(self) -> str:
        return f"{self.operation.operation_id}: {self.location} {self.name} ({self.what})"


def flat(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with $ref resolved and the non-null option of a oneOf/anyOf merged in."""
    schema = resolve(document, schema)
    options = [resolve(document, o) for o in schema.get("oneOf", schema.get("anyOf", []))]
    options = [o for o in options if o.get("type") != "null"]
    shared = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
    return {**options[0], **shared} if len(options) == 1 else schema


def json_types(document: dict[str, Any], schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema allows; None when it allows anything."""
    schema = resolve(document, schema)
    if "oneOf" in schema or "anyOf" in schema:
        found: set[str] = set()
        for option in schema.get("oneOf", schema.get("anyOf", [])):
            types = json_types(document, option)
            if types is None:
                return None
            found |= types
        return found
    if "properties" in schema:
        return {"object"}
    kind = schema.get("type")
    if kind is None and "enum" in schema:
        return {{str: "string", int: "integer", bool: "boolean"}.get(type(v), "null") for v in schema["enum"]}
    if kind is None:
        return None
    return set(kind) if isinstance(kind, list) else {kind}


def bad_parameter_values(document: dict[str, Any], parameter: dict[str, Any]) -> list[tuple[str, str]]:
    """(value, why) pairs the parameter's schema refuses."""
    schema = flat(document, parameter.get("schema", {}))
    kind, values = schema.get("type"), []
    if kind in ("integer", "number"):
        values.append(("not-a-number", "not a number"))
        if "minimum" in schema:
            values.append((str(int(schema["minimum"]) - 1), "below minimum"))
        if "maximum" in schema:
            values.append((str(int(schema["maximum"]) + 1), "above maximum"))
    elif kind == "boolean":
        values.append(("maybe", "not a boolean"))
    elif kind == "string":
        if "enum" in schema:
            values.append(("not-one-of-them", "not in enum"))
        if schema.get("format") == "uuid":
            values.append(("not-a-uuid", "not a uuid"))
        if "maxLength" in schema:
            values.append(("a" * (int(schema["maxLength"]) + 1), "too long"))
        if int(schema.get("minLength", 0)) > 1:
            values.append(("a" * (int(schema["minLength"]) - 1), "too short"))
        if pattern := schema.get("pattern"):
            breaker = next((b for b in PATTERN_BREAKERS if not re.search(pattern, b)), None)
            assert breaker is not None, f"no value breaks {parameter['name']}'s pattern {pattern}"
            values.append((breaker, "breaks the pattern"))
    return values


def good_value(document: dict[str, Any], parameter: dict[str, Any]) -> str:
    schema = flat(document, parameter.get("schema", {}))
    if examples := schema.get("examples"):
        return str(examples[0])
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("type") in ("integer", "number"):
        return str(max(int(schema.get("minimum", 1)), 1))
    if "enum" in schema:
        return str(schema["enum"][0])
    return "a" * max(int(schema.get("minLength", 1)), 1)


def required_values(document: dict[str, Any], operation: Operation) -> dict[str, dict[str, str]]:
    params: dict[str, dict[str, str]] = {"path": {}, "query": {}, "header": {}}
    for parameter in operation.spec.get("parameters", []):
        if parameter.get("required") or parameter["in"] == "path":
            params[parameter["in"]][parameter["name"]] = good_value(document, parameter)
    return params


def with_value(params: dict[str, dict[str, str]], location: str, name: str, value: str | None) -> dict[str, Any]:
    changed = {k: dict(v) for k, v in params.items()}
    if value is None:
        changed[location].pop(name, None)
    else:
        changed[location][name] = value
    return changed


def example_body(document: dict[str, Any], operation: Operation) -> tuple[bytes | None, bool]:
    """A valid body for the operation (its documented example), and whether one was needed and found."""
    body = operation.spec.get("requestBody") or {}
    schemas = request_body_schemas(operation)
    if not schemas or not body.get("required"):
        return None, True
    examples = flat(document, schemas[0]).get("examples") or []
    return (json.dumps(examples[0]).encode(), True) if examples else (None, False)


def parameter_cases(document: dict[str, Any], operation: Operation) -> list[Case]:
    base, cases = required_values(document, operation), []
    body, strict = example_body(document, operation)
    for parameter in operation.spec.get("parameters", []):
        location, name = parameter["in"], parameter["name"]
        for value, why in bad_parameter_values(document, parameter):
            cases.append(Case(operation, location, name, why, with_value(base, location, name, value), body, strict))
        if parameter.get("required") and location != "path":
            cases.append(Case(operation, location, name, "left out", with_value(base, location, name, None),
                              body, strict))
    return cases


def body_cases(document: dict[str, Any], operation: Operation) -> list[Case]:
    schemas = request_body_schemas(operation)
    if not schemas:
        return []
    base, cases = required_values(document, operation), []
    required = bool((operation.spec.get("requestBody") or {}).get("required"))
    for raw, why in [(b'{"', "cut short"), (b"[]", "not an object"), (b'"text"', "a string")]:
        cases.append(Case(operation, "body", "body", why, base, raw))
    if required:
        cases.append(Case(operation, "body", "body", "empty", base, b""))
    for name, body in bad_properties(document, flat(document, schemas[0])):
        cases.append(Case(operation, "body", name, "a forbidden JSON type or an unknown property", base,
                          json.dumps(body).encode()))
    return cases


def plain_object(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema when it is one plain object (not a union of several)."""
    schema = flat(document, schema)
    return schema if "properties" in schema and "oneOf" not in schema and "anyOf" not in schema else None


def bad_properties(document: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> list[tuple[str, Any]]:
    """(JSON path as problems name it, a body that is bad exactly there) for each property of an
    object schema, descending into nested objects and the first item of arrays of objects."""
    found: list[tuple[str, Any]] = []
    for name, prop in (schema.get("properties") or {}).items():
        allowed = json_types(document, prop)
        bad = next((v for t, v in JSON_VALUES if allowed is not None and t not in allowed), None)
        if bad is not None:
            found.append((name, {name: bad}))
        if depth >= 2:
            continue
        inner = flat(document, prop)
        if (nested := plain_object(document, inner)) is not None:
            found += [(f"{name}.{path}", {name: body}) for path, body in bad_properties(document, nested, depth + 1)]
        elif inner.get("type") == "array" and (item := plain_object(document, inner.get("items") or {})):
            found += [(f"{name}[0].{path}", {name: [body]}) for path, body in bad_properties(document, item, depth + 1)]
    if schema.get("additionalProperties") is False:
        found.append(("unexpected_field", {"unexpected_field": 1}))
    return found


async def send(client: AsyncTestClient, case: Case, auth: dict[str, str]) -> Any:
    path = case.operation.path
    for name, value in case.params["path"].items():
        path = path.replace("{" + name + "}", value)
    headers = {**auth, **case.params["header"]}
    if case.body is not None:
        headers["Content-Type"] = "application/json"
    return await client.request(case.operation.method, path, params=case.params["query"], headers=headers,
                                content=case.body)


async def test_every_bad_input_is_named_as_the_document_names_it(
    client: AsyncTestClient, openapi: dict[str, Any], keys_by_role: dict[Role, IssuedTestKey],
) -> None:
    failures, checked = [], 0
    for operation in operations(openapi):
        auth = caller_headers(operation.operation_id, keys_by_role)
        for case in parameter_cases(openapi, operation) + body_cases(openapi, operation):
            response = await send(client, case, auth)
            checked += 1
            if case.location == "path" and response.status_code == 404:
                continue  # no object has a malformed id
            problem = response.json() if response.headers.get("content-type", "").startswith(
                "application/problem+json") else {}
            errors = problem.get("errors") or [{"field": problem.get("field"), "source": problem.get("source")}]
            named = next((e for e in errors if e.get("field") == case.name), {})
            source = named.get("source")
            first_named = problem.get("field") == case.name or not case.strict
            if not (400 <= response.status_code < 500 and first_named and source == case.location):
                failures.append(f"{case.label} → {response.status_code} field={problem.get('field')!r} "
                                f"errors={errors!r}")
    assert checked > 300, checked
    assert not failures, "\n".join(failures)
