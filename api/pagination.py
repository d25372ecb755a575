"""Page sizes and cursors shared by every list endpoint.

Every list takes `limit` (1 to 200) and an opaque `cursor`. When a page is full the response
carries `X-Next-Cursor` (and a `Link: <…>; rel="next"`); sending it back as `cursor` returns
the next page. `offset` is still accepted for existing clients; a cursor wins over it.

The cursor is opaque so the encoding can change without breaking clients. Today it encodes a
position in the list's order (which is what `offset` gave before): a row added or removed between
two page requests can shift a newest-first list by one. The access log has its own index-based
(keyset) cursor in the body.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.params import QueryParameter

from colo.errors import ValidationFailed

MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000
NEXT_CURSOR_HEADER = "X-Next-Cursor"
_PREFIX = "o1:"  # version of the encoding

PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="page size (at most 200)")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="prefer `cursor`")]
Cursor = Annotated[str | None, QueryParameter(
    max_length=64, pattern=r"^[A-Za-z0-9_-]+=*$",
    description=f"opaque: the `{NEXT_CURSOR_HEADER}` header of the previous page")]


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode()


def _invalid_cursor() -> ValidationFailed:
    # Well-formed (the schema's pattern) but not one of ours: 422, like any semantic refusal.
    return ValidationFailed("cursor", "not a cursor this server issued")


def start_of(cursor: str | None, offset: int = 0) -> int:
    """Where the page starts: the cursor's position, else `offset`. A bad cursor is a 422."""
    if cursor is None:
        return offset
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _invalid_cursor() from None
    number = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not number.isdigit() or int(number) > MAX_OFFSET:
        raise _invalid_cursor()
    return int(number)


def next_page_headers(request: Request[Any, Any, Any], *, returned: int, limit: int, start: int) -> dict[str, str]:
    """`X-Next-Cursor` and `Link` when the page is full (there may be more), else nothing."""
    if returned < limit or start + limit > MAX_OFFSET:
        return {}
    cursor = encode_cursor(start + limit)
    query = {k: v for k, v in request.query_params.items() if k not in ("cursor", "offset")}
    link = f"<{request.url.path}?{urlencode({**query, 'cursor': cursor})}>; rel=\"next\""
    return {NEXT_CURSOR_HEADER: cursor, "Link": link}


def paged[T](request: Request[Any, Any, Any], body: T, *, items: Sequence[Any], limit: int, start: int) -> Response[T]:
    """The list's response with the next-page headers."""
    return Response(body, headers=next_page_headers(request, returned=len(items), limit=limit, start=start))
