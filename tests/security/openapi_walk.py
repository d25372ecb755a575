"""Reading the app's OpenAPI document: operations, their parameters and the ids they carry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")
STRUCTURAL = {"oneOf", "anyOf", "allOf", "properties", "items", "required", "title", "type", "$ref"}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # OpenAPI template, e.g. /v1/people/{person_id}
    spec: dict[str, Any]

    def parameters(self, location: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == location]


def operations(document: dict[str, Any]) -> list[Operation]:
    return [Operation(op["operationId"], method.upper(), path, op)
            for path, item in document["paths"].items() for method, op in item.items()
            if method in METHODS and "operationId" in op]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def walk_schema(document: dict[str, Any], schema: dict[str, Any], path: str = "",
                seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (dotted path, schema) inside a schema, following $refs (once per branch)."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return
        seen = seen | {ref}
    schema = resolve(document, schema)
    yield path, schema
    # Keywords beside oneOf/anyOf (Litestar puts maxLength there for `str | None`) apply to
    # every option, so each option is checked with them.
    shared = {k: v for k, v in schema.items() if k not in STRUCTURAL}
    for option in [*schema.get("oneOf", []), *schema.get("anyOf", []), *schema.get("allOf", [])]:
        if "$ref" in option and option["$ref"] in seen:
            continue
        inner_seen = seen | ({option["$ref"]} if "$ref" in option else set())
        yield from walk_schema(document, {**shared, **resolve(document, option)}, path, inner_seen)
    for name, prop in (schema.get("properties") or {}).items():
        yield from walk_schema(document, prop, f"{path}.{name}" if path else name, seen)
    if isinstance(schema.get("items"), dict):
        yield from walk_schema(document, schema["items"], f"{path}[]", seen)


def request_body_schemas(operation: Operation) -> list[dict[str, Any]]:
    body = operation.spec.get("requestBody") or {}
    return [media["schema"] for media in (body.get("content") or {}).values() if "schema" in media]


def is_id_name(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1].removesuffix("[]")
    return leaf == "id" or leaf.endswith("_id") or leaf.endswith("_ids")


def id_inputs(document: dict[str, Any], operation: Operation) -> set[tuple[str, str]]:
    """(location, name) of every input of the operation that names an object: path parameters,
    query parameters called *_id, and body fields called id / *_id / *_ids (dotted path)."""
    found = {("path", p["name"]) for p in operation.parameters("path")}
    found |= {("query", p["name"]) for p in operation.parameters("query") if is_id_name(p["name"])}
    for schema in request_body_schemas(operation):
        found |= {("body", path) for path, _ in walk_schema(document, schema) if path and is_id_name(path)}
    return found


# Staff first: a caller whose role may call the operation gets past the guard to validation.
ROLE_PREFERENCE = ("ops", "security", "auditor", "gate", "tenant_admin", "tenant_member")


def caller_headers(operation_id: str, keys: dict[Any, Any]) -> dict[str, str]:
    """Headers of a caller the access policy lets call the operation (none for public ones);
    `keys` maps each Role to an IssuedTestKey (tests/security/conftest.py keys_by_role)."""
    from api.guards import load_access_policy

    policy = load_access_policy()
    if operation_id in policy.public:
        return {}
    allowed = {role.value for role in policy.roles.get(operation_id, frozenset())}
    role = next(name for name in ROLE_PREFERENCE if name in allowed)
    return next(key for r, key in keys.items() if r.value == role).headers
