"""ASGI middleware: one access-log entry for every API request, allowed or refused.

Wrapped around the whole app (api/plugin.py OUTER_MIDDLEWARE, right inside the request id), so
it also sees requests no route matches, 401/403 from the guard and errors raised anywhere.
The entry is built after the response: the guard has by then put the caller's Principal (or
the reason authentication failed, and the id of a key that was identified but refused) into
the request state (api/request_state.py), and the status is known. A 429 is `throttled` with detail `rate_limited`.
It is queued for the sequencer, never awaited, so logging adds no database round trip to a
request (audit/sequencer.py explains the crash trade-off). Liveness, readiness and metrics probes are
not API requests and are not logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from api.auth import client_address
from api.request_state import RequestState, matched_template
from audit.encoding import EntryDraft, clip
from colo.change_listener import begin_request_scope, end_request_scope
from colo.logging import get_logger

if TYPE_CHECKING:
    from api.services import AppServices

UNLOGGED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = get_logger(__name__)


def outcome_of(status: int) -> str:
    if status < 400:
        return "allowed"
    return {401: "unauthenticated", 403: "denied", 404: "not_found", 429: "throttled"}.get(
        status, "error" if status >= 500 else "invalid"
    )


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), None)


def build_entry(scope: Scope, status: int, trusted_proxies: tuple[str, ...]) -> EntryDraft:
    state = RequestState.of(scope)
    principal = state.principal
    template = matched_template(scope)
    objects = {str(k): str(v) for k, v in (scope.get("path_params") or {}).items()}
    if template is None:  # no route matched: keep (a bounded copy of) what was asked for
        objects = {"path": clip(scope.get("path", ""), 200) or ""}
    if state.signer_fingerprint:  # a signed submission (an LOA granted by certificate): who signed it
        objects["signer_certificate_sha256"] = state.signer_fingerprint
    detail = state.auth_failure or state.authz_denied or ("rate_limited" if status == 429 else None)
    return EntryDraft(
        kind="api",
        action=f"{scope.get('method', '?')} {template or '(no route)'}",
        outcome=outcome_of(status),
        status=status,
        request_id=state.request_id,
        # A key refused after its secret matched (revoked, wrong network …) is still named.
        actor_key_id=principal.key_id if principal else state.auth_key_id,
        actor_person_id=str(principal.person_id) if principal and principal.person_id else None,
        tenant_id=str(principal.tenant_id) if principal and principal.tenant_id else None,
        role=principal.role.value if principal else None,
        objects=objects,
        source=state.client_address or client_address(scope, trusted_proxies),
        user_agent=_header(scope, b"user-agent"),
        detail=str(detail) if detail else None,
    )


async def _unavailable(send: Send) -> None:
    body = (b'{"type":"https://colo.dev/problems/unavailable","title":"A dependency is unavailable",'
            b'"status":503,"detail":"The access log cannot record requests right now."}')
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/problem+json"), (b"retry-after", b"5"),
        (b"content-length", str(len(body)).encode())]}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})  # ASGI's default, spelled out


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"] in UNLOGGED_PATHS:
            await app(scope, receive, send)
            return
        # One change-listener barrier serves the whole request (colo/change_listener.py).
        barriers = begin_request_scope()
        try:
            if scope["method"] not in READ_ONLY_METHODS:
                send = _expiring_barriers(scope, send)
            await _logged(app, scope, receive, send)
        finally:
            end_request_scope(barriers)

    return middleware


def _expiring_barriers(scope: Scope, send: Send) -> Send:
    """A request that may have written: when its response starts (its transaction committed), the
    next request in this process takes a fresh change-listener barrier and so sees the write."""
    services: AppServices | None = getattr(scope["app"].state, "services", None)
    if services is None:
        return send
    listener = services.change_listener

    async def expiring(message: Message) -> None:
        if message["type"] == "http.response.start":
            listener.expire()
        await send(message)

    return expiring


async def _logged(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """The request, then its entry queued for the sequencer (when the access log records requests)."""
    services: AppServices | None = getattr(scope["app"].state, "services", None)
    if services is None or not services.started or not services.access_log.record_requests:
        await app(scope, receive, send)
        return
    access_log = services.access_log
    if access_log.sequencer.saturated:  # fail closed: no service we cannot account for
        log.error("access log saturated; refusing request", pending=access_log.sequencer.pending)
        await _unavailable(send)
        return
    status = 500

    async def capture(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    try:
        await app(scope, receive, capture)
    finally:
        try:
            access_log.record(build_entry(scope, status, services.settings.trusted_proxies))
        except Exception as exc:  # never turn a served request into an error afterwards
            log.error("could not queue access-log entry", error=type(exc).__name__)
