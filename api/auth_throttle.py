"""Throttling of failed authentication, per client address and per API key id.

Only a presented key that fails is counted (api/auth.py): a request with no key at all is not
a guess, and counting it let a burst of anonymous requests from a shared address (an office
NAT, a monitoring probe) lock every valid key from that address out.

- **Per address**: once an address has failed `per_address` times in a window, every request
  from it that needs a key is answered 429 *before* the key is looked at — no database query,
  no answer that could tell a guess apart — until the window ends.
- **Per key id**: once a key id (from a well-formed key: revoked, expired, wrong secret, wrong
  network, suspended tenant) has failed `per_key` times in a window, further *failing* attempts
  with it answer 429 instead of 401, so hammering a stolen key learns nothing more. The key's
  owner, presenting the right secret, is not locked out: key ids appear in logs, and a lock-out
  anyone can trigger would be a denial of service. (Guessing a secret is hopeless anyway:
  ~190 bits.)

Counts live in the app's RateLimiter: in Redis when COLO_REDIS_URL is set, so the limits hold
across every process of the deployment; in memory otherwise. With Redis, which addresses are
blocked is also kept in every process's memory (tenants/auth_blocks.py), so the per-address check
costs no Redis round trip per request. 429 answers carry Retry-After
and RateLimit-Limit/-Remaining/-Reset (api/errors.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

from colo.change_listener import ChangeListener
from colo.errors import RateLimited
from tenants.auth_blocks import SharedBlocks
from tenants.keyformat import parse_key
from tenants.ratelimit import RateLimiter, window_start

ADDRESS_BUCKET = "auth-fail-addr"
KEY_BUCKET = "auth-fail-key"


def key_id_of(credential: str | None) -> UUID | None:
    """The key id of a well-formed key (checksum valid), else None."""
    if not credential:
        return None
    try:
        return parse_key(credential).key_id
    except Exception:  # malformed: there is no key id to count against
        return None


def shared_blocks(limiter: RateLimiter, listener: ChangeListener) -> SharedBlocks | None:
    """Blocked addresses kept in memory, for a limiter in Redis (None in memory: no round trip to save)."""
    if limiter.redis is None:
        return None
    return SharedBlocks(limiter.redis, key=limiter.key(f"blocked:{ADDRESS_BUCKET}"), listener=listener)


@dataclass
class AuthFailureThrottle:
    limiter: RateLimiter
    per_address: tuple[int, int] = (60, 60)  # (failures, window seconds)
    per_key: tuple[int, int] = (10, 60)
    # With a Redis limiter: the blocked addresses in memory (api/plugin.py builds it; tests that
    # swap `limiter` for an in-memory one set it to None).
    blocks: SharedBlocks | None = None

    async def refuse_blocked_address(self, address: str | None) -> None:
        """429 when this address already used up its failures in the current window."""
        limit, window = self.per_address
        subject = address or "unknown"
        blocked = await self.blocks.current() if self.blocks is not None else None
        if blocked is None:  # no shared blocks (memory limiter), or they cannot be trusted now
            count, reset = await self.limiter.current(ADDRESS_BUCKET, subject, window=window)
        else:
            left = blocked.get(subject, 0.0) - time.time()
            count, reset = (limit, max(1, int(left))) if left > 0 else (0, 0)
        if count >= limit:
            raise RateLimited(f"too many failed authentications from this address; retry in {reset} s",
                              retry_after=reset, limit=limit)

    async def record_failure(self, address: str | None, key_id: UUID | None) -> None:
        """Count one failure; raises RateLimited when the address or the key id is over its limit.
        The failure that fills the address's bucket blocks it in every process (SharedBlocks)."""
        limit, window = self.per_address
        subject = address or "unknown"
        until = window_start(time.time(), window) + window  # the end of this failure's window
        try:
            remaining = await self.limiter.hit(ADDRESS_BUCKET, subject, limit=limit, window=window)
        except RateLimited:
            await self._block(subject, until)
            raise
        if remaining == 0:
            await self._block(subject, until)
        if key_id is not None:
            limit, window = self.per_key
            await self.limiter.hit(KEY_BUCKET, key_id.hex, limit=limit, window=window)

    async def _block(self, subject: str, until: float) -> None:
        if self.blocks is not None:
            await self.blocks.block(subject, until=until)
