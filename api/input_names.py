"""Name a bad input the way the client spelled it: JSON key, header name, query or path name.

Litestar reports a parameter's validation error under the handler's Python parameter name
(`in_state`, `idempotency_key`, `fmt`) with `source` as a `ParamType` enum, and a body that is
empty or not a JSON object under its internal name `data` (with a bare Python `KeyError` text
for the empty body). The client sent `state`, `Idempotency-Key`, `format`, a body. The route
handler's own signature (`parsed_fn_signature`, public) maps one to the other, so nothing here
repeats what a controller declares.

Convention (docs/ARCHITECTURE.md): a problem about the request body as a whole — empty, not
JSON, truncated, not an object — names the field `body` with source `body`; a problem inside it
names the JSON path (`address.city`, `visitors[0].name`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from litestar import Request
from litestar.params import ParameterKwarg

BODY = "body"
SOURCES = ("body", "header", "query", "path", "cookie")
EMPTY_BODY = "a JSON body is required"
_PATH_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True, slots=True)
class InputName:
    field: str
    source: str  # one of SOURCES


def source_name(source: Any) -> str:
    """`ParamType.HEADER` → "header" (str() of that enum gives its Python name)."""
    value = source.value if isinstance(source, Enum) else str(source or BODY)
    return value if value in SOURCES else BODY


def parameter_names(request: Request[Any, Any, Any]) -> dict[str, InputName]:
    """The handler's Python parameter names → the names the client uses for them."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return {}
    template = request.scope.get("path_template") or ""
    path_names = set(_PATH_PARAMETER.findall(template))
    names: dict[str, InputName] = {}
    for name, definition in handler.parsed_fn_signature.parameters.items():
        kwarg = definition.kwarg_definition
        if name in path_names:
            names[name] = InputName(name, "path")
        elif isinstance(kwarg, ParameterKwarg):
            names[name] = InputName(kwarg.name or name, source_name(kwarg.param_type))
    return names


def client_name(request: Request[Any, Any, Any], key: str, source: Any) -> InputName:
    """The client's name for a parameter Litestar reported as `key`."""
    named = parameter_names(request).get(key)
    return named if named is not None else InputName(key, source_name(source))


def named_by_alias(request: Request[Any, Any, Any], alias: str, source: str) -> InputName:
    """A parameter Litestar named by its (lower-cased) alias, as in "Missing required header …"."""
    for named in parameter_names(request).values():
        if named.source == source and named.field.lower() == alias.lower():
            return named
    return InputName(alias, source_name(source))


def source_of(request: Request[Any, Any, Any], field: str) -> str:
    """Where a field a domain error names came from: a parameter of the route, else the body."""
    return next((n.source for n in parameter_names(request).values() if n.field == field), BODY)
