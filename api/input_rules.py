"""Rules every request's input passes before a handler sees it, applied in one place each.

- **JSON bodies** (`CheckedRequest.json`, under the app's request class, so every handler's `data` goes
  through it): nesting deeper than MAX_JSON_DEPTH is refused by a byte scan *before* decoding
  (msgspec recurses per level: ~2,000 levels raised RecursionError, a 500, also on the public
  application endpoint); then every string in the decoded body — values and keys, at any depth —
  must pass colo.text's rule.
- **Parameters** (`refuse_bad_parameters`, called by the guard in api/guards.py for every
  route, public or not, after authentication and authorization): every query value (declared
  or not), every string path parameter, and every header value.

A refusal is a 400 problem document naming the input as the client sent it (JSON path, query or
path name, header name); api/errors.py renders it. `document_text_rule` states the same rule in
the served OpenAPI document (a `pattern` on every free string input), so clients and the fuzzer
see the contract the server enforces.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import ValidationException

from colo.text import HEADER_PATTERN, TEXT_PATTERN, header_refusal, refusal

MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_INNERMOST = re.compile(rb"\[\]")
_OTHER_BYTES = bytes(b for b in range(256) if b not in b"[]{}")
_CURLY_AS_SQUARE = bytes.maketrans(b"{}", b"[]")


def invalid(field: str, message: str, source: str) -> ValidationException:
    return ValidationException(detail=f"{field}: {message}", extra=[{"key": field, "message": message,
                                                                      "source": source}])


def nesting_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects in `body` nest deeper than `limit`, without decoding it.

    Strings are cut out (brackets inside them do not nest), the rest is reduced to brackets,
    then innermost pairs are removed one level per round: what is left after `limit` rounds
    is deeper than `limit`. A body with at most `limit` opening brackets cannot be, so nearly
    every request stops at the first line. Malformed bracketing is left to the decoder."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", body).translate(_CURLY_AS_SQUARE, _OTHER_BYTES)
    for level in range(limit):
        if b"[" * (limit + 1 - level) in brackets:  # a run of openings deeper than what is left
            return True
        reduced = _INNERMOST.sub(b"", brackets)
        if reduced == brackets:
            return False
        brackets = reduced
    return _INNERMOST.search(brackets) is not None


def first_bad_string(value: Any, path: str = "") -> tuple[str, str] | None:
    """(JSON path as in problem details, reason) of the first string colo.text refuses."""
    if isinstance(value, str):
        reason = refusal(value)
        return (path or "body", reason) if reason else None
    if isinstance(value, dict):
        for key, item in value.items():
            if reason := refusal(str(key)):
                return (path or "body", f"a key {reason}")
            if found := first_bad_string(item, f"{path}.{key}" if path else str(key)):
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if found := first_bad_string(item, f"{path}[{index}]"):
                return found
    return None


class CheckedRequest(Request[Any, Any, Any]):
    """JSON bodies bounded in depth and checked for text (the app's ColoRequest, api/request.py)."""

    async def json(self) -> Any:
        if nesting_exceeds(await self.body()):
            raise invalid("body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "body")
        value = await super().json()
        if found := first_bad_string(value):
            raise invalid(found[0], found[1], "body")
        return value


def _header_name(raw: bytes) -> str:
    """The conventional spelling of a header (ASGI lower-cases names): `X-Tracking-Secret`."""
    return "-".join(part.capitalize() for part in raw.decode("latin-1").split("-"))


def refuse_bad_parameters(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Raise a 400 for the first query value, string path parameter or header colo.text refuses."""
    for name, value in connection.query_params.multi_items():
        if reason := refusal(name):  # no name to give it by: the query string as a whole
            raise invalid("query", f"a parameter name {reason}", "query")
        if reason := refusal(value):
            raise invalid(name, reason, "query")
    for name, value in connection.path_params.items():
        if isinstance(value, str) and (reason := refusal(value)):
            raise invalid(name, reason, "path")
    for raw_name, raw_value in connection.scope["headers"]:
        if reason := header_refusal(raw_value.decode("latin-1")):
            raise invalid(_header_name(raw_name), reason, "header")


_CONSTRAINED = ("pattern", "enum", "const", "format")


def _state_rule(schema: dict[str, Any], pattern: str, components: dict[str, Any], seen: set[str],
                constrained: bool = False) -> None:
    """`constrained`: a pattern, enum or format beside a oneOf/anyOf already applies to its options."""
    if ref := schema.get("$ref"):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in components:
            seen.add(name)
            _state_rule(components[name], pattern, components, seen)
        return
    constrained = constrained or any(key in schema for key in _CONSTRAINED)
    kind = schema.get("type")
    if (kind == "string" or (isinstance(kind, list) and "string" in kind)) and not constrained:
        schema["pattern"] = pattern
    for option in [*schema.get("oneOf", []), *schema.get("anyOf", []), *schema.get("allOf", [])]:
        _state_rule(option, pattern, components, seen, constrained)
    children = list((schema.get("properties") or {}).values())
    children += [schema[key] for key in ("items", "additionalProperties") if isinstance(schema.get(key), dict)]
    for child in children:
        _state_rule(child, pattern, components, seen)


def document_text_rule(document: dict[str, Any]) -> None:
    """Put the text rule, as a `pattern`, on every string a request may carry (parameters and the
    schemas request bodies reach) that has no pattern, enum or format of its own, in place."""
    components = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                pattern = HEADER_PATTERN if parameter.get("in") == "header" else TEXT_PATTERN
                _state_rule(parameter.setdefault("schema", {}), pattern, components, set())
            for media in ((operation.get("requestBody") or {}).get("content") or {}).values():
                _state_rule(media.get("schema") or {}, TEXT_PATTERN, components, seen)
