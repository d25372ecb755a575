"""Reading portal forms: bounded text fields, and domain errors turned into field messages."""

from __future__ import annotations

from typing import Any

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
