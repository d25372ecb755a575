"""Make the served OpenAPI document say exactly what the server enforces.

Litestar's generator leaves out a few things the handlers do enforce, so clients (and the
fuzzing in tests/security/) would see a looser contract than the real one:

- input structs declared with `forbid_unknown_fields=True` answer 400 to unknown fields, but
  their schemas do not say `additionalProperties: false`;
- constraints on array items (`list[Annotated[str, Meta(max_length=…)]]`) are dropped;
- an optional body (`JSONBody[X | None] = None`) is documented as required;
- public operations inherit the global API-key requirement;
- every operation that can answer 401 can also answer 429: repeated authentication failures
  from one address or for one key are throttled (api/auth_throttle.py);
- the 400 Litestar adds for parameter validation is documented as plain JSON, but every error
  is an RFC 9457 problem document (api/errors.py);
- a list's `cursor` can be well-formed and still not one the server issued (422);
- a response with several media types (ResponseSpec takes one) lists them all (MEDIA_TYPES).

msgspec's own JSON Schema generator knows the first two, so its component schemas are used
as the reference. `tighten_openapi(app)` runs once, before the first request is served.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin

from api.controllers.problem_docs import DESCRIPTIONS
from api.guards import load_access_policy

# operation id → the media types its 200 answer comes in (chosen by a query parameter)
MEDIA_TYPES = {"export_access_log": ("application/jsonl", "text/csv")}
ITEM_CONSTRAINTS = ("minLength", "maxLength", "pattern", "minimum", "maximum", "format")
METHODS = ("get", "put", "post", "delete", "patch")


def _all_structs() -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = []
    pending = list(msgspec.Struct.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _reference_components(names: set[str]) -> dict[str, dict[str, Any]]:
    """msgspec's component schemas for the structs the document names, keyed like Litestar's."""
    structs = [cls for cls in _all_structs() if cls.__name__ in names and cls.__module__.split(".")[0] != "litestar"]
    components: dict[str, dict[str, Any]] = {}
    for cls in structs:
        try:
            _, generated = msgspec.json.schema_components([cls])
        except (TypeError, ValueError):  # a struct msgspec cannot describe: leave Litestar's schema alone
            continue
        if cls.__name__ in generated and cls.__name__ not in components:
            components[cls.__name__] = generated[cls.__name__]
        elif cls.__name__ in components:
            components.pop(cls.__name__)  # two structs share the name: do not guess which one it is
    return components


def _tighten_component(schema: dict[str, Any], reference: dict[str, Any]) -> None:
    properties = schema.get("properties") or {}
    if set(properties) != set(reference.get("properties") or {}):
        return  # not the same struct after all
    if reference.get("additionalProperties") is False:
        schema["additionalProperties"] = False
    for name, prop in properties.items():
        ref_prop = reference["properties"][name]
        for ours, theirs in _array_pairs(prop, ref_prop):
            items, ref_items = ours.get("items"), theirs.get("items")
            if isinstance(items, dict) and isinstance(ref_items, dict) and "$ref" not in items:
                for key in ITEM_CONSTRAINTS:
                    if key in ref_items and key not in items:
                        items[key] = ref_items[key]


def _array_pairs(ours: dict[str, Any], theirs: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Matching array schemas in ours and the reference (directly or inside oneOf/anyOf)."""
    if ours.get("type") == "array" and theirs.get("type") == "array":
        return [(ours, theirs)]
    ours_options = ours.get("oneOf") or ours.get("anyOf") or []
    theirs_options = theirs.get("anyOf") or theirs.get("oneOf") or []
    theirs_arrays = [t for t in theirs_options if isinstance(t, dict) and t.get("type") == "array"]
    ours_arrays = [o for o in ours_options if isinstance(o, dict) and o.get("type") == "array"]
    return list(zip(ours_arrays, theirs_arrays, strict=False)) if len(theirs_arrays) == len(ours_arrays) else []


def _is_optional_body(body: dict[str, Any]) -> bool:
    for media in (body.get("content") or {}).values():
        options = (media.get("schema") or {}).get("oneOf") or []
        if any(option == {"type": "null"} for option in options):
            return True
    return False


def tighten_document(document: dict[str, Any], *, public: frozenset[str]) -> dict[str, Any]:
    """Apply the corrections above to an OpenAPI document (a dict), in place."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, reference in _reference_components(set(components)).items():
        _tighten_component(components[name], reference)
    for item in document.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody")
            if body is not None and _is_optional_body(body):
                body["required"] = False
            if operation.get("operationId") in public:
                operation["security"] = [{}]
            _tighten_responses(operation, problem={"$ref": "#/components/schemas/Problem"})
    return document


def _tighten_responses(operation: dict[str, Any], *, problem: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    as_problem = {"application/problem+json": {"schema": problem}}

    def add(status: int) -> None:
        if str(status) not in responses:
            responses[str(status)] = {"description": DESCRIPTIONS[status], "content": as_problem}

    if "401" in responses:
        add(429)
    if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
        add(422)
    bad_request = responses.get("400")
    if bad_request is not None and "application/problem+json" not in bad_request.get("content", {}):
        responses["400"] = {"description": DESCRIPTIONS[400], "content": as_problem}
    media_types = MEDIA_TYPES.get(operation.get("operationId", ""))
    if media_types and "200" in responses:
        responses["200"]["content"] = {media: {"schema": {"type": "string"}} for media in media_types}


def tighten_openapi(app: Litestar) -> None:
    """Build the app's document now and correct it; Litestar serves this cached dict from then on."""
    plugin = app.plugins.get(OpenAPIPlugin)
    tighten_document(plugin.provide_openapi_schema(), public=load_access_policy().public)
