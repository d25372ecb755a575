"""OpenAPI documentation of error responses: every route lists the problems it can answer.

    @post(..., responses=problems(400, 401, 403, 404, 409))
"""

from __future__ import annotations

import msgspec
from litestar.openapi import ResponseSpec

DESCRIPTIONS = {
    400: "The request is malformed or has unknown fields; `field` names the first bad one",
    401: "No API key, or one that is unknown, expired, revoked, from a disallowed network or "
         "of a tenant that is not active",
    403: "The caller's role may not perform this operation",
    404: "Not found — also when the object belongs to another tenant",
    409: "Conflicts with the current state",
    422: "Well-formed but invalid; `field` names the offending field",
    429: "Rate limited; see Retry-After and RateLimit-* headers",
    503: "A dependency (NetBox, the database) is unavailable; retry after Retry-After",
}


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str = ""
    request_id: str = ""
    field: str = ""


def problems(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(Problem, description=DESCRIPTIONS[code], media_type="application/problem+json")
        for code in codes
    }
