"""One envelope and one keyset cursor for every list endpoint.

Every list answers `Page[T]`: `{"items": [...], "next_cursor": "…" | null}` (the plant lists add
their cheap `count` and `freshness`), with `X-Next-Cursor` and `Link: <…?cursor=…>; rel="next"`
when there is a next page — both declared in the OpenAPI document (`PAGED`), so a generated client
can page. A page takes `limit` (1 to 200, default 100) and `cursor`.

The cursor is the key of the last row of the page (colo/paging.py: a keyset, so a row inserted
or removed between two requests is neither skipped nor repeated), wrapped opaque and versioned:
base64url of `["k1", <list name>, [key values]]`. The list name makes one list's cursor a 422 on
another; the key's types are checked when decoded (a 422 on `cursor`). `offset` is gone — it
cannot be honoured with keysets — and a request still sending it gets one 400 from
`refuse_offset` (installed app-wide) saying to follow `next_cursor`. The access log keeps its own
index cursor (audit/search.py) in the same envelope and headers (`respond_cursor`).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import QueryParameter

from colo.errors import ValidationFailed
from colo.paging import CURSOR_FIELD, DEFAULT_LIMIT, MAX_LIMIT, Keyset, Page, PageRequest, PageResult, plain
from dcim.readmodel.schemas import PlantPage, PlantResult

MAX_PAGE_SIZE = MAX_LIMIT
MAX_CURSOR_LENGTH = 512
NEXT_CURSOR_HEADER = "X-Next-Cursor"
VERSION = "k1"

PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="page size (at most 200)")]
Cursor = Annotated[str | None, QueryParameter(
    max_length=MAX_CURSOR_LENGTH, pattern=r"^[A-Za-z0-9_-]+=*$",
    description="opaque: `next_cursor` (or the `X-Next-Cursor` header) of the previous page")]

NEXT_PAGE_HEADERS = {
    NEXT_CURSOR_HEADER: "the next page's cursor (the same as `next_cursor`); absent on the last page",
    "Link": '`<path?…&cursor=…>; rel="next"` (RFC 8288): the next page; absent on the last page',
}


@dataclass
class PagedOperation(Operation):
    """A list operation in the document: its 200 answer declares the next-page headers. (Through
    Litestar's public `operation_class`, because a `ResponseSpec` with examples, which most lists
    have, replaces the success response that `response_headers` would annotate.)"""

    def __post_init__(self) -> None:
        success = (self.responses or {}).get("200")
        if isinstance(success, OpenAPIResponse):
            success.headers = {**(success.headers or {}), **{
                name: OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description=text)
                for name, text in NEXT_PAGE_HEADERS.items()}}


# Spread on every list operation (`@get(..., **PAGED)`): the next-page headers in the document,
# and the mark `refuse_offset` looks for.
PAGED: dict[str, Any] = {"operation_class": PagedOperation, "opt": {"paged": True}}

__all__ = ["DEFAULT_LIMIT", "MAX_PAGE_SIZE", "NEXT_CURSOR_HEADER", "PAGED", "Cursor", "Page", "PageSize",
           "keyset_request", "refuse_offset", "respond", "respond_cursor", "respond_plant"]


def encode_cursor(result: PageResult[Any]) -> str | None:
    if result.next_key is None:
        return None
    text = json.dumps([VERSION, result.keyset.name, [plain(v) for v in result.next_key]], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def keyset_request(cursor: str | None, *, limit: int, keyset: Keyset) -> PageRequest:
    """The page a request asks for: `limit` rows after the key its cursor carries (typed by the
    list's keyset). A cursor this server did not issue for this list is a 422 on `cursor`."""
    if cursor is None:
        return PageRequest(limit=limit)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(CURSOR_FIELD, "not a cursor this server issued") from None
    if not isinstance(decoded, list) or len(decoded) != 3 or decoded[0] != VERSION:
        raise ValidationFailed(CURSOR_FIELD, "not a cursor this server issued")
    return PageRequest(limit=limit, after=keyset.decode(decoded[1], decoded[2]))


def next_page_headers(request: Request[Any, Any, Any], cursor: str | None) -> dict[str, str]:
    """`X-Next-Cursor` and `Link` when there is a next page, else nothing."""
    if cursor is None:
        return {}
    query = {k: v for k, v in request.query_params.items() if k != CURSOR_FIELD}
    link = f"<{request.url.path}?{urlencode({**query, CURSOR_FIELD: cursor})}>; rel=\"next\""
    return {NEXT_CURSOR_HEADER: cursor, "Link": link}


def respond[T](request: Request[Any, Any, Any], result: PageResult[T]) -> Response[Page[T]]:
    """The envelope of one keyset page, with the next-page headers."""
    cursor = encode_cursor(result)
    return Response(Page(items=result.items, next_cursor=cursor), headers=next_page_headers(request, cursor))


def respond_plant[T](request: Request[Any, Any, Any], result: PlantResult[T]) -> Response[PlantPage[T]]:
    """A plant read-model page: the envelope plus its cheap `count` and `freshness`."""
    cursor = encode_cursor(result)
    body = PlantPage(items=result.items, next_cursor=cursor, count=result.count, freshness=result.freshness)
    return Response(body, headers=next_page_headers(request, cursor))


def respond_cursor[T](request: Request[Any, Any, Any], items: list[T], cursor: str | None) -> Response[Page[T]]:
    """A list with its own cursor encoding (the access log's index): the same envelope and headers."""
    return Response(Page(items=items, next_cursor=cursor), headers=next_page_headers(request, cursor))


async def refuse_offset(request: Request[Any, Any, Any]) -> None:
    """App-wide `before_request`: a list asked with `offset` is a 400 on `offset` (pages continue
    after a key now; a position cannot be honoured). A coroutine on purpose: Litestar runs a plain
    function hook in a worker thread, a thread hop on every request."""
    if "offset" in request.query_params and request.route_handler.opt.get("paged"):
        raise ValidationException(
            "offset: not supported; follow next_cursor", extra=[{
                "key": "offset", "source": "query",
                "message": "not supported: lists page by cursor; follow next_cursor (or X-Next-Cursor)"}])

