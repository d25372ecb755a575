"""Authentication: resolve `Authorization: Bearer colo_…` to a Principal.

The guard in api/guards.py calls `authenticate_connection` for every non-public route. On
success the request state's `principal` (api/request_state.py) holds the Principal (the access
log reads it there after the response); on failure its `auth_failure` holds a short reason and the
request ends with 401 — and when the key was identified (its secret matched) but is not allowed
(revoked, expired, wrong network, tenant not active), its `auth_key_id` holds its
id, so the access log says whose key it was. Handlers read the caller as
`request.principal` (api/request.py). The key's row may come from the app's short key cache
(tenants/key_cache.py: at most COLO_AUTH_CACHE_SECONDS old, emptied by NOTIFY on any change).

`Authorization` is the only credential header (the one the OpenAPI document describes): an
earlier `X-API-Key` alternative was undocumented and is gone. A request carrying two
`Authorization` headers is refused with 400 rather than silently using the first.

Only a presented key that fails counts toward the failed-authentication throttle
(api/auth_throttle.py); a request with no key at all is a plain 401 and counts for nothing, so
anonymous traffic from a shared address (an office NAT, a monitoring probe) cannot lock that
address's valid keys out.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import ValidationException
from litestar.types import Scope

from api.auth_throttle import AuthFailureThrottle, key_id_of
from api.request_state import RequestState
from colo.errors import AuthenticationFailed, RateLimited
from colo.identity import Principal
from tenants.key_cache import KeyCache
from tenants.keys import KeyRing, authenticate, network_of

MAX_CREDENTIAL_LENGTH = 200
MAX_ADDRESS_TEXT = 45  # the longest text form of an IP address (IPv4-mapped IPv6)
# Failure reasons tenants/keys.authenticate gives only after the key's secret matched.
IDENTIFIED_FAILURES = ("revoked", "expired", "network_not_allowed", "tenant_")


def presented_key(authorization: str | None) -> str | None:
    """The key from an `Authorization: Bearer …` value, or None when no Authorization header is sent."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return ""  # present but not a bearer credential: reported as malformed


def authorization_of(scope: Scope) -> str | None:
    """The one `Authorization` header's value (None when absent), read from the raw headers in one
    pass. 400 when it is sent more than once — as two headers, or folded into one (`Bearer a,
    Bearer b`, as some proxies join repeated headers): which one counts must not be a guess."""
    values = [value for name, value in scope["headers"] if name == b"authorization"]
    if not values:
        return None
    folded = sum(1 for part in values[0].split(b",") if part.strip().lower().startswith(b"bearer ")) > 1
    if len(values) > 1 or folded:
        message = "send exactly one Authorization header"
        raise ValidationException(detail=f"Authorization: {message}",
                                  extra=[{"key": "Authorization", "message": message, "source": "header"}])
    return values[0].decode("latin-1")


def client_address(scope: Scope, trusted_proxies: tuple[str, ...]) -> str | None:
    """The caller's IP: the socket peer, or — only when the peer is a trusted proxy — the
    right-most X-Forwarded-For entry that is not itself a trusted proxy."""
    peer = scope.get("client")
    address = peer[0] if peer else None
    if not address or not trusted_proxies or not is_trusted_proxy(address, trusted_proxies):
        return address
    forwarded = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"), "")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not is_trusted_proxy(hop, trusted_proxies):
            return hop
    return address


# Every request behind a proxy asks this of its peer (and of its X-Forwarded-For hops): parsing
# the networks and the address each time cost 8 % of a tenant rack read's server CPU (paired runs,
# BENCHMARKS.md). The answer is a pure function of the texts, so it is kept.
def is_trusted_proxy(text: str, trusted_proxies: tuple[str, ...]) -> bool:
    if len(text) > MAX_ADDRESS_TEXT:  # no address is this long (and the cache holds only short keys)
        return False
    return _is_trusted(text, trusted_proxies)


@functools.lru_cache(maxsize=4096)
def _is_trusted(text: str, trusted_proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(ip in network_of(net) for net in trusted_proxies)


async def authenticate_connection(
    connection: ASGIConnection[Any, Any, Any, Any], *, ring: KeyRing, trusted_proxies: tuple[str, ...],
    throttle: AuthFailureThrottle | None = None, cache: KeyCache | None = None,
) -> Principal:
    state = RequestState.of(connection.scope)
    address = client_address(connection.scope, trusted_proxies)
    state.client_address = address
    credential = presented_key(authorization_of(connection.scope))
    try:
        if throttle is not None:
            await throttle.refuse_blocked_address(address)
        if credential is None:  # not a guess: a 401 that counts toward no limit
            raise AuthenticationFailed("An API key is required: send `Authorization: Bearer colo_…`",
                                       reason="missing_key")
        if len(credential) > MAX_CREDENTIAL_LENGTH:
            raise AuthenticationFailed("The API key is missing, unknown or malformed", reason="malformed_key")
        principal = await authenticate(token=credential, ring=ring, address=address, cache=cache)
    except AuthenticationFailed as exc:
        reason = str(exc.extra.get("reason", "invalid_key"))
        state.auth_failure = reason
        key_id = key_id_of(credential)
        if key_id is not None and reason.startswith(IDENTIFIED_FAILURES):
            state.auth_key_id = str(key_id)
        if throttle is not None and credential is not None:
            try:
                await throttle.record_failure(address, key_id)
            except RateLimited:
                state.auth_failure = "rate_limited"
                raise
        raise
    except RateLimited:
        state.auth_failure = "rate_limited"
        raise
    state.principal = principal
    return principal
