"""Make the served OpenAPI document say exactly what the server enforces.

Litestar's generator leaves out a few things the handlers do enforce, so clients (and the
fuzzing in tests/security/) would see a looser contract than the real one:

- input structs declared with `forbid_unknown_fields=True` answer 400 to unknown fields, but
  their schemas do not say `additionalProperties: false`;
- constraints on array items (`list[Annotated[str, Meta(max_length=…)]]`) are dropped;
- a parameter bound that is zero (`ge=0`) is dropped (`min_free_units`, `index`);
- an optional body (`JSONBody[X | None] = None`) is documented as required;
- public operations inherit the global API-key requirement;
- every operation that needs a key can answer 429: repeated authentication failures from one
  address or for one key are throttled (api/auth_throttle.py); public operations list 429 only
  where they have a limit of their own;
- every operation can answer 400: any header or query value is checked (api/input_rules.py),
  and a repeated `Authorization` header is refused; every operation with a body can answer 413;
- the 400 Litestar adds for parameter validation is documented as plain JSON, but every error
  is an RFC 9457 problem document (api/errors.py);
- a list's `cursor` can be well-formed and still not one the server issued (422);
- every free string input (parameters, and body strings without a pattern, enum or format of
  their own) carries the text rule as a `pattern` (api/input_rules.py `document_text_rule`), so
  a control character or bidi override is invalid data by the document, as the server treats it;
- a response with several media types (ResponseSpec takes one) lists them all (MEDIA_TYPES).

msgspec's own JSON Schema generator knows the struct corrections, so its component schemas are
the reference; the parameter bounds come from the handlers' own declarations. The corrected
document is served by `TightenedJsonPlugin` (and embedded by `TightenedSwaggerPlugin`): OpenAPI
render plugins are Litestar's public hook for what `/schema/openapi.json` answers, and they get
Litestar's document as an argument, so a corrected copy is served and Litestar's is left alone.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.enums import OpenAPIMediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.params import KwargDefinition, ParameterKwarg
from litestar.routes import HTTPRoute

from api.controllers.problem_docs import DESCRIPTIONS, EXAMPLES
from api.guards import load_access_policy
from api.input_rules import document_text_rule

# operation id → the media types its 200 answer comes in (chosen by a query parameter)
MEDIA_TYPES = {"export_access_log": ("application/jsonl", "text/csv"),
               "get_service_report": ("application/json", "text/csv"),
               "get_power_bill": ("application/json", "text/csv"),
               "download_service_attachment": ("image/jpeg", "image/png", "image/webp", "application/pdf")}
ITEM_CONSTRAINTS = ("minLength", "maxLength", "pattern", "minimum", "maximum", "format")
METHODS = ("get", "put", "post", "delete", "patch")
HTTP_NOTE = ("Every GET operation also answers HEAD (same status and headers, no body). Errors are RFC 9457 "
             "problem documents: `field` names the input as sent (JSON path, header, query or path name; "
             "`body` for a body that is empty, not JSON or not an object) and `source` says where it was.")
# a parameter declaration's bound → its JSON Schema keyword
BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum",
          "min_length": "minLength", "max_length": "maxLength", "pattern": "pattern",
          "multiple_of": "multipleOf", "min_items": "minItems", "max_items": "maxItems"}
Bounds = dict[str, dict[tuple[str, str], dict[str, Any]]]  # operation id → (in, name) → keyword → value


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


def route_handlers(app: Litestar) -> Iterator[HTTPRouteHandler]:
    """Every HTTP handler the app serves that has an operation id of its own."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            yield from (h for h in route.route_handlers if isinstance(h.operation_id, str))


def declared_bounds(app: Litestar) -> Bounds:
    """What each handler's parameter declarations enforce, keyed like the document names them."""
    found: Bounds = {}
    for handler in route_handlers(app):
        paths = "".join(handler.paths)
        for name, definition in handler.parsed_fn_signature.parameters.items():
            kwarg = definition.kwarg_definition
            if not isinstance(kwarg, KwargDefinition):
                continue
            location = "path" if "{" + name in paths else "query"
            if isinstance(kwarg, ParameterKwarg) and location != "path":
                location, name = kwarg.param_type.value, kwarg.name or name
            bounds = {key: getattr(kwarg, attr) for attr, key in BOUNDS.items()
                      if getattr(kwarg, attr, None) is not None}
            if bounds:
                found.setdefault(str(handler.operation_id), {})[(location, name)] = bounds
    return found


def tighten_document(document: dict[str, Any], *, public: frozenset[str],
                     bounds: Bounds | None = None) -> dict[str, Any]:
    """Apply the corrections above to an OpenAPI document (a dict), in place."""
    info = document.setdefault("info", {})
    info["description"] = (info.get("description", "") + " " + HTTP_NOTE).strip()
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
            for parameter in operation.get("parameters", []):
                declared = (bounds or {}).get(operation.get("operationId", ""), {})
                for key, value in declared.get((parameter["in"], parameter["name"]), {}).items():
                    parameter.setdefault("schema", {}).setdefault(key, value)
            _tighten_responses(operation, problem={"$ref": "#/components/schemas/Problem"},
                               authenticated=operation.get("operationId") not in public)
    document_text_rule(document)
    return document


def _tighten_responses(operation: dict[str, Any], *, problem: dict[str, Any], authenticated: bool) -> None:
    responses = operation.setdefault("responses", {})

    def as_problem(status: int) -> dict[str, Any]:
        example = {"summary": DESCRIPTIONS[status].split(";")[0], "value": EXAMPLES[status]}
        return {"description": DESCRIPTIONS[status], "content": {
            "application/problem+json": {"schema": problem, "examples": {f"problem-{status}": example}}}}

    bad_request = responses.get("400")
    if bad_request is not None and "application/problem+json" not in bad_request.get("content", {}):
        del responses["400"]  # Litestar's own, as plain JSON: every error is a problem document
    wanted = [400]  # any request: a header or query value with control characters, a repeated Authorization
    if operation.get("requestBody") is not None:
        wanted.append(413)  # the body limit (api/plugin.py MAX_BODY_BYTES)
    if authenticated:  # the failed-authentication throttle; public operations list their own limits
        wanted.append(429)
    if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
        wanted.append(422)
    for status in wanted:
        responses.setdefault(str(status), as_problem(status))
    media_types = MEDIA_TYPES.get(operation.get("operationId", ""))
    if media_types and "200" in responses:
        generated = responses["200"].get("content") or {}  # a JSON one keeps its schema
        responses["200"]["content"] = {media: generated.get(media, {"schema": {"type": "string"}})
                                       for media in media_types}


def served_document(app: Litestar, generated: dict[str, Any]) -> dict[str, Any]:
    """A corrected copy of Litestar's generated document (made once per app and document)."""
    cache: dict[int, dict[str, Any]] = app.state.setdefault("openapi_served", {})
    if id(generated) not in cache:
        cache.clear()
        cache[id(generated)] = tighten_document(copy.deepcopy(generated), public=load_access_policy().public,
                                                bounds=declared_bounds(app))
    return cache[id(generated)]


class TightenedJsonPlugin(OpenAPIRenderPlugin):
    """Serves `/schema/openapi.json`: the corrected document."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json", media_type=OpenAPIMediaType.OPENAPI_JSON)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, served_document(request.app, openapi_schema))


class TightenedSwaggerPlugin(SwaggerRenderPlugin):
    """Swagger UI embeds the document in its page: the corrected one."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, served_document(request.app, openapi_schema))
