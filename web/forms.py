"""Reading portal forms: bounded text fields, and domain or schema refusals turned into the
input they name."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request

from colo.errors import Conflict, ValidationFailed


async def read_form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The posted form (already parsed by the guard's CSRF check) as a dict of str or list[str]."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        items = [v for v in form.getall(key) if isinstance(v, str)]
        values[key] = items if len(items) > 1 else (items[0] if items else "")
    return values


def text(form: dict[str, Any], name: str, *, limit: int = 200, strip: bool = True) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    value = str(value)[:limit]
    return value.strip() if strip else value


def many(form: dict[str, Any], name: str, *, limit: int = 20) -> list[str]:
    value = form.get(name, [])
    return ([value] if isinstance(value, str) and value else list(value) if isinstance(value, list) else [])[:limit]


def field_error(exc: ValidationFailed | Conflict) -> tuple[str, str]:
    """(field, reason) of a domain error; a conflict without a field is the form's."""
    if isinstance(exc, ValidationFailed):
        return exc.field, exc.reason
    return str(exc.extra.get("field") or "form"), exc.detail


_SCHEMA_PATH = re.compile(r"at `\$\.([A-Za-z0-9_.\[\]]+)`")


def schema_path(exc: msgspec.ValidationError) -> str | None:
    """The JSON path a msgspec refusal names, without `$.` (`… - at `$.spec.units`` →
    `spec.units`, `$.visitors[0].guest.name` → `visitors[0].guest.name`); None for the document."""
    found = _SCHEMA_PATH.search(str(exc))
    return found.group(1) if found else None


def schema_field(exc: msgspec.ValidationError) -> str:
    """The top-level field a msgspec refusal names (`$.phone` → phone), else `form`."""
    path = schema_path(exc)
    return re.split(r"[.\[]", path, maxsplit=1)[0] if path else "form"
