"""The access log as C2SP tlog-tiles under /v1/access-log/tlog: what transparency-log clients,
monitors and mirrors fetch to verify the log without Colo-specific code.

`<prefix>/checkpoint` is the published checkpoint (the log's signature and the witnesses'
cosignatures, audit.witnessing), `<prefix>/tile/<L>/<N>[.p/<W>]` a hash tile and
`<prefix>/tile/entries/<N>[.p/<W>]` an entry bundle (audit.tiles): one route, one path parameter,
so any path under tile/ is authenticated and authorised before it is read (a malformed one is 404).
Tiles stay behind the same roles as the rest of the log (entries carry encrypted personal
data), and every fetch is recorded by the access-log middleware like any other read. Full
tiles never change: they are served with a year's `Cache-Control … immutable` (private: the
caller had to authenticate); partial tiles and the checkpoint change as the log grows and are
cached briefly or not at all.
"""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, MediaType, Response, get
from litestar.params import Parameter

from api.controllers.problem_docs import problems
from api.request import ColoRequest
from api.services import AppServices
from audit.tiles import parse_tile_path
from audit.witnessing import published_checkpoint
from colo.errors import NotFound, ValidationFailed

PREFIX = "/v1/access-log/tlog"
IMMUTABLE = "private, max-age=31536000, immutable"
SHORT = "private, max-age=5"
TAIL_PATTERN = r"^[/0-9a-z.]+$"
TAIL_MAX = 200
# Litestar hands a path parameter over with its leading "/", so its own max_length/pattern would
# judge one character more than the client sent: the handler checks (tail_checked), the document says.
Tail = Annotated[str, Parameter(
    schema_extra={"maxLength": TAIL_MAX, "pattern": TAIL_PATTERN},
    description="`<L>/<N>` or `entries/<N>`, N as x-prefixed 3-digit groups, `.p/<width>` for a partial tile")]


def tail_checked(tail: str) -> str:
    """The tail as the client sent it (no leading slash), held to what the document says."""
    sent = tail.removeprefix("/")
    if len(sent) > TAIL_MAX:
        raise ValidationFailed("tail", f"at most {TAIL_MAX} characters")
    if not re.match(TAIL_PATTERN, sent):
        raise ValidationFailed("tail", f"must match {TAIL_PATTERN}")
    return sent


class TlogController(Controller):
    path = PREFIX
    tags = ["access log"]

    @get("/checkpoint", operation_id="get_tlog_checkpoint", media_type=MediaType.TEXT,
         summary="The published checkpoint (C2SP tlog-checkpoint) with its witnesses' cosignatures",
         responses=problems(401, 403, 404))
    async def checkpoint(self, request: ColoRequest) -> Response[str]:
        access_log = request.services.access_log
        published = await published_checkpoint(access_log.store, required=access_log.witnesses_required)
        if published is None:
            raise NotFound("checkpoint")
        return Response(published, media_type="text/plain; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    @get("/tile/{tail:path}", operation_id="get_tlog_tile", media_type="application/octet-stream",
         summary="A hash tile `tile/<L>/<N>[.p/<W>]` (256 hashes of tree level 8·L) or an entry bundle "
                 "`tile/entries/<N>[.p/<W>]` (entries behind big-endian uint16 lengths), C2SP tlog-tiles",
         responses=problems(400, 401, 403, 404, 422))
    async def tile(self, request: ColoRequest, tail: Tail) -> Response[bytes]:
        kind, _, rest = tail_checked(tail).strip("/").partition("/")
        return await _tile(request.services, kind, rest)


async def _tile(services: AppServices, kind: str, tail: str) -> Response[bytes]:
    ref = parse_tile_path(kind, tail)
    access_log = services.access_log
    latest = await access_log.store.latest_checkpoint()
    if latest is None:
        raise NotFound("tile")
    data = await access_log.tiles.read(ref, tree_size=latest.tree_size)
    return Response(data, media_type="application/octet-stream",
                    headers={"Cache-Control": IMMUTABLE if ref.full else SHORT})
