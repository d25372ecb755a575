"""Throttling of failed portal sign-ins, per client address and per account (e-mail address).

Unlike an API key's ~190-bit secret, a password can be guessed: once an account has failed
`per_account` times in the window, every sign-in to it is refused — the right password too —
until the window ends. Per address, the same holds for everything tried from that address.
The account's bucket is keyed by a digest of the e-mail address, so an unknown address is
counted exactly like a known one (no enumeration) and no address is written into Redis in clear.

Counts live in the app's RateLimiter (tenants/ratelimit.py): Redis when configured, shared by
every process; memory otherwise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from colo.errors import RateLimited
from tenants.ratelimit import RateLimiter

ADDRESS_BUCKET = "signin-fail-addr"
ACCOUNT_BUCKET = "signin-fail-account"
WINDOW_SECONDS = 900


def account_subject(email: str) -> str:
    return hashlib.sha256(b"signin:" + email.strip().lower().encode()).hexdigest()[:32]


@dataclass
class SignInThrottle:
    limiter: RateLimiter
    per_address: int = 30
    per_account: int = 5
    window: int = WINDOW_SECONDS

    async def refuse_blocked(self, *, address: str | None, email: str) -> None:
        """RateLimited when the address or the account used up its failures in this window."""
        for bucket, subject, limit in ((ADDRESS_BUCKET, address or "unknown", self.per_address),
                                       (ACCOUNT_BUCKET, account_subject(email), self.per_account)):
            count, reset = await self.limiter.current(bucket, subject, window=self.window)
            if count >= limit:
                raise RateLimited(f"too many failed sign-ins; retry in {reset} s", retry_after=reset, limit=limit)

    async def record_failure(self, *, address: str | None, email: str) -> None:
        """Count one failure against both; the caller reports the failure itself either way."""
        for bucket, subject, limit in ((ADDRESS_BUCKET, address or "unknown", self.per_address),
                                       (ACCOUNT_BUCKET, account_subject(email), self.per_account)):
            try:
                await self.limiter.hit(bucket, subject, limit=limit, window=self.window)
            except RateLimited:
                pass  # counted; the next attempt is refused by refuse_blocked
