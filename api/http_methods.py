"""HEAD on every GET route, and one `Allow` answer for a path: on OPTIONS and on every 405.

Litestar refuses HEAD on a GET route (its HEAD handlers may not return a body), and its
automatic OPTIONS answer lists only the methods of one handler of a path, while its 405 lists
them all — so `OPTIONS /v1/orders` said `OPTIONS, POST` and `PUT /v1/orders` said
`GET, OPTIONS, POST`. This ASGI wrapper (api/plugin.py OUTER_MIDDLEWARE, inside the access log,
so a HEAD request is logged as HEAD) fixes both at the edge:

- HEAD runs the GET handler (guards, policy and all) and drops the body; the status and the
  headers, Content-Length included, are the GET's (RFC 9110 §9.3.2);
- `Allow` is the union of the methods of every route of the path, plus HEAD wherever GET is,
  the same on an OPTIONS answer as on a 405 (sorted, comma-separated).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.request_state import matched_template


def allow_header(methods: set[str]) -> str:
    """RFC 9110 Allow value: sorted, HEAD wherever GET, OPTIONS always (Litestar answers it)."""
    methods = {m.upper() for m in methods if m} | {"OPTIONS"}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def methods_by_template(app: Litestar) -> dict[str, set[str]]:
    """Path template (`/v1/orders/{order_id}`) → every method its routes answer."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found.setdefault(route.path_format or "/", set()).update(route.methods)
    return found


def http_methods_middleware(app: ASGIApp) -> ASGIApp:
    cache: dict[int, dict[str, set[str]]] = {}

    def allowed(scope: Scope, current: str | None) -> str | None:
        template = matched_template(scope)
        litestar_app = scope.get("app")
        if template is not None and litestar_app is not None:
            table = cache.setdefault(id(litestar_app), methods_by_template(litestar_app))
            if template in table:
                return allow_header(table[template])
        if current is None:
            return None
        return allow_header({m.strip() for m in current.split(",")})

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        is_head = scope["method"] == "HEAD"
        is_options = scope["method"] == "OPTIONS"

        async def edited(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == 405 or (is_options and status < 300):
                    headers = MutableScopeHeaders.from_message(message)
                    value = allowed(scope, headers.get("allow"))
                    if value is not None:
                        headers["Allow"] = value
            elif message["type"] == "http.response.body" and is_head:
                message = {**message, "body": b""}
            await send(message)

        if not is_head:
            await app(scope, receive, edited)
            return
        scope["method"] = "GET"  # the GET handler answers; its body is dropped in `edited`
        try:
            await app(scope, receive, edited)
        finally:
            scope["method"] = "HEAD"  # what the access log (outside this wrapper) records

    return middleware
