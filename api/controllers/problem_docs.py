"""OpenAPI documentation of responses: every route lists the problems it can answer, and its
success answer with one written example.

    @post(..., responses={**example(OrderRead, ORDER, status=201), **problems(400, 401, 403, 404, 409)})

Each answer carries a written example, never one Litestar makes up (its generated examples are
random strings). `field` names the input as the client sent it — a JSON path in the body, a
header, a query or path parameter — and `source` says which; a body that is empty, not JSON or
not a JSON object is `field: "body"` (api/input_names.py).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example

DESCRIPTIONS = {
    400: "The request is malformed or has unknown fields; `field` names the first bad one",
    401: "No API key, or one that is unknown, expired, revoked, from a disallowed network or "
         "of a tenant that is not active",
    403: "The caller's role may not perform this operation",
    404: "Not found — also when the object belongs to another tenant",
    409: "Conflicts with the current state",
    413: "The body is larger than 1 MiB; `field` is `body`",
    422: "Well-formed but invalid; `field` names the offending field",
    429: "Rate limited; see Retry-After and RateLimit-* headers",
    503: "A dependency (NetBox, the database) is unavailable; retry after Retry-After",
}

_BASE = "https://colo.dev/problems/"
_INSTANCE = "/v1/orders"
_REQUEST_ID = "6f1c0a7e9b2d4c58a3e1f0d9c8b7a615"
EXAMPLES: dict[int, dict[str, Any]] = {
    400: {"type": _BASE + "invalid-request", "title": "The request is invalid", "status": 400,
          "detail": "Idempotency-Key: Expected `str` of length <= 128", "instance": _INSTANCE,
          "request_id": _REQUEST_ID, "field": "Idempotency-Key",
          "errors": [{"field": "Idempotency-Key", "message": "Expected `str` of length <= 128",
                      "source": "header"}]},
    401: {"type": _BASE + "unauthenticated", "title": "Authentication required", "status": 401,
          "detail": "An API key is required", "instance": _INSTANCE, "request_id": _REQUEST_ID},
    403: {"type": _BASE + "forbidden", "title": "Not allowed", "status": 403,
          "detail": "role tenant_member may not call create_order", "instance": _INSTANCE,
          "request_id": _REQUEST_ID},
    404: {"type": _BASE + "not-found", "title": "Not found", "status": 404, "detail": "rack not found",
          "instance": _INSTANCE, "request_id": _REQUEST_ID},
    409: {"type": _BASE + "conflict", "title": "The request conflicts with the current state", "status": 409,
          "detail": "units 10-13 of rack DH1-A07 are no longer free", "instance": _INSTANCE,
          "request_id": _REQUEST_ID},
    413: {"type": _BASE + "too-large", "title": "The request body is too large", "status": 413,
          "detail": "Request Entity Too Large", "instance": _INSTANCE, "request_id": _REQUEST_ID,
          "field": "body", "source": "body"},
    422: {"type": _BASE + "validation", "title": "The request is invalid", "status": 422,
          "detail": "site_id: no NetBox site has this id", "instance": "/v1/reconciliation",
          "request_id": _REQUEST_ID, "field": "site_id", "source": "query"},
    429: {"type": _BASE + "rate-limited", "title": "Too many requests", "status": 429,
          "detail": "too many failed authentications from this address; retry in 42 s", "instance": _INSTANCE,
          "request_id": _REQUEST_ID},
    503: {"type": _BASE + "unavailable", "title": "A dependency is unavailable", "status": 503,
          "detail": "NetBox did not answer (ConnectTimeout) during read plant snapshot", "instance": _INSTANCE,
          "request_id": _REQUEST_ID},
}


class FieldError(msgspec.Struct):
    """One bad input: its name as the client sent it, what is wrong, and where it was."""

    field: str
    message: str
    source: str  # body, header, query, path


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str = ""
    request_id: str = ""
    field: str = ""
    source: str = ""
    errors: list[FieldError] = []


def example(container: Any, value: Any, *, status: int = 200,
            description: str = "Success") -> dict[int, ResponseSpec]:
    """The success answer `container` documented with one written example `value`."""
    return {status: ResponseSpec(container, description=description, generate_examples=False,
                                 examples=[Example(summary="example", value=value)])}


def problems(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(Problem, description=DESCRIPTIONS[code], media_type="application/problem+json",
                           generate_examples=False, examples=[Example(summary=DESCRIPTIONS[code].split(";")[0],
                                                                      value=EXAMPLES[code])])
        for code in codes
    }
