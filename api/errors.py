"""The one place that maps errors to HTTP: RFC 9457 problem details for every failure."""

from __future__ import annotations

import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from api.input_names import BODY, EMPTY_BODY, InputName, client_name, named_by_alias, source_name, source_of
from api.request_state import RequestState
from colo.db import DATABASE_UNREACHABLE
from colo.errors import (
    AuthenticationFailed,
    ColoError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    UpstreamRejected,
    ValidationFailed,
)
from colo.logging import get_logger

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://colo.dev/problems/"
log = get_logger(__name__)

# domain error → (status, type slug, title)
DOMAIN_PROBLEMS: dict[type[ColoError], tuple[int, str, str]] = {
    ValidationFailed: (422, "validation", "The request is invalid"),
    NotFound: (404, "not-found", "Not found"),
    Conflict: (409, "conflict", "The request conflicts with the current state"),
    AuthenticationFailed: (401, "unauthenticated", "Authentication required"),
    PermissionDenied: (403, "forbidden", "Not allowed"),
    RateLimited: (429, "rate-limited", "Too many requests"),
    Unavailable: (503, "unavailable", "A dependency is unavailable"),
    UpstreamRejected: (409, "netbox-rejected", "NetBox refused the change"),
}

HTTP_TITLES = {
    400: ("bad-request", "The request is malformed"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
    503: ("unavailable", "A dependency is unavailable"),
}

_FIELD_IN_MESSAGE = re.compile(r"at `\$\.?([^`]*)`")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def problem(
    request: Request[Any, Any, Any], *, status: int, slug: str, title: str, detail: str,
    headers: dict[str, str] | None = None, **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail,
        "instance": request.url.path,
    }
    if request_id := RequestState.of(request.scope).request_id:
        body["request_id"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    RequestState.of(request.scope).problem_type = slug
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(request: Request[Any, Any, Any], exc: ValidationException) -> list[dict[str, str]]:
    """Each error named as the client sent it (api/input_names.py): JSON path, header, query, path."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid"))
        key = str(item.get("key") or "")
        if key in ("", "data") or source_name(item.get("source")) == "body":
            # Litestar names the whole body "data"; the field inside it is in msgspec's message.
            field = "" if key in ("", "data") else key
            if m := (_UNKNOWN_FIELD.search(message) or _MISSING_FIELD.search(message)):
                field = f"{field}.{m.group(1)}" if field else m.group(1)
            elif not field and (m := _FIELD_IN_MESSAGE.search(message)):
                field = m.group(1)
            if not field and message == "'data'":  # Litestar's KeyError text for an empty body
                message = EMPTY_BODY
            named = InputName(field or BODY, "body")
        else:
            named = client_name(request, key, item.get("source"))
        errors.append({"field": named.field, "message": message, "source": named.source})
    return errors


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    errors = _field_errors(request, exc)
    if not errors and (m := _MISSING_PARAMETER.search(str(exc.detail))):
        named = named_by_alias(request, m.group(2), m.group(1))
        errors = [{"field": named.field, "message": "required", "source": named.source}]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or str(exc.detail)
    return problem(request, status=400, slug="invalid-request", title="The request is invalid",
                   detail=detail, errors=errors, field=errors[0]["field"] if errors else None)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    slug, title = HTTP_TITLES.get(status, ("http-error", "Request failed"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if isinstance(exc.__cause__, SerializationException):  # the body is not JSON (or is cut short)
        error = {"field": BODY, "message": f"not valid JSON: {detail}", "source": "body"}
        return problem(request, status=400, slug="invalid-request", title="The request is invalid",
                       detail=f"{BODY}: {error['message']}", errors=[error], field=BODY)
    body_named = {"field": BODY, "source": "body"} if status == 413 else {}  # the body as a whole
    return problem(request, status=status, slug=slug, title=title, detail=detail,
                   headers=dict(exc.headers or {}) or None, **body_named)


def handle_domain(request: Request[Any, Any, Any], exc: ColoError) -> Response[dict[str, Any]]:
    status, slug, title = next(
        (v for cls, v in DOMAIN_PROBLEMS.items() if isinstance(exc, cls)),
        (400, "bad-request", "The request cannot be processed"),
    )
    headers: dict[str, str] = {}
    extra = dict(exc.extra)
    if isinstance(exc, Unavailable | RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, RateLimited) and exc.limit:
        headers["RateLimit-Limit"] = str(exc.limit)
        headers["RateLimit-Remaining"] = "0"
        headers["RateLimit-Reset"] = str(exc.retry_after)
    if isinstance(exc, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="colo"'
    if isinstance(exc, NotFound):
        # The same body for "missing" and "someone else's": at most the input that named it.
        extra = {"field": exc.field, "source": source_of(request, exc.field)} if exc.field else {}
    if isinstance(exc, ValidationFailed) and "source" not in extra:
        extra["source"] = source_of(request, exc.field)
    return problem(request, status=status, slug=slug, title=title, detail=exc.detail,
                   headers=headers or None, **extra)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, DATABASE_UNREACHABLE):  # a restart or failover under the request: retryable
        log.warning("database unavailable", path=request.url.path, error_type=type(exc).__name__)
        return handle_domain(request, Unavailable("database", "The database is unavailable; retry shortly",
                                                  retry_after=5))
    log.exception("unhandled error", path=request.url.path, error_type=type(exc).__name__)
    return problem(request, status=HTTP_500_INTERNAL_SERVER_ERROR, slug="internal",
                   title="Internal error", detail="An unexpected error occurred; it has been logged.")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    ValidationException: handle_validation,
    HTTPException: handle_http,
    ColoError: handle_domain,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
