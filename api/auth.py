"""Authentication: resolve `Authorization: Bearer colo_…` (or `X-API-Key`) to a Principal.

The guard in api/guards.py calls `authenticate_connection` for every non-public route. On
success `scope["state"]["principal"]` holds the Principal (the access log reads it there after
the response); on failure `scope["state"]["auth_failure"]` holds a short reason and the request
ends with 401. Handlers receive the caller as `principal: CurrentPrincipal`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from litestar.types import Scope

from api.auth_throttle import AuthFailureThrottle, key_id_of
from colo.errors import AuthenticationFailed, RateLimited
from colo.identity import Principal
from tenants.keys import KeyRing, authenticate

MAX_CREDENTIAL_LENGTH = 200

# Handlers declare `principal: CurrentPrincipal`; injected by name from the guard's result.
CurrentPrincipal = NamedDependency[SkipValidation[Principal]]


def presented_key(headers: Any) -> str | None:
    """The key from `Authorization: Bearer …` or `X-API-Key`, or None when neither is sent."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return ""  # present but not a bearer credential: reported as malformed
    api_key = headers.get("x-api-key")
    return api_key.strip() if api_key is not None else None


def client_address(scope: Scope, trusted_proxies: tuple[str, ...]) -> str | None:
    """The caller's IP: the socket peer, or — only when the peer is a trusted proxy — the
    right-most X-Forwarded-For entry that is not itself a trusted proxy."""
    peer = scope.get("client")
    address = peer[0] if peer else None
    if not address or not trusted_proxies:
        return address
    networks = [ipaddress.ip_network(n) for n in trusted_proxies]

    def trusted(text: str) -> bool:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return False
        return any(ip in net for net in networks)

    if not trusted(address):
        return address
    forwarded = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"), "")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not trusted(hop):
            return hop
    return address


async def authenticate_connection(
    connection: ASGIConnection[Any, Any, Any, Any], *, ring: KeyRing, trusted_proxies: tuple[str, ...],
    throttle: AuthFailureThrottle | None = None,
) -> Principal:
    state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    address = client_address(connection.scope, trusted_proxies)
    state["client_address"] = address
    credential = presented_key(connection.headers)
    try:
        if throttle is not None:
            await throttle.refuse_blocked_address(address)
        if credential is None:
            raise AuthenticationFailed("An API key is required: send `Authorization: Bearer colo_…`",
                                       reason="missing_key")
        if len(credential) > MAX_CREDENTIAL_LENGTH:
            raise AuthenticationFailed("The API key is missing, unknown or malformed", reason="malformed_key")
        principal = await authenticate(token=credential, ring=ring, address=address)
    except AuthenticationFailed as exc:
        state["auth_failure"] = exc.extra.get("reason", "invalid_key")
        if throttle is not None:
            try:
                await throttle.record_failure(address, key_id_of(credential))
            except RateLimited:
                state["auth_failure"] = "rate_limited"
                raise
        raise
    except RateLimited:
        state["auth_failure"] = "rate_limited"
        raise
    state["principal"] = principal
    return principal


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The dependency behind CurrentPrincipal: the Principal the guard put in the scope."""
    principal = request.scope.get("state", {}).get("principal")
    if principal is None:  # only reachable if a public route asks for a principal
        raise AuthenticationFailed("An API key is required", reason="missing_key")
    return principal
