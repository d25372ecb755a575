"""Fixed-window rate limits: in Redis when configured (shared by every process), else in-process.

`await limiter.hit("applications", client_ip, limit=5, window=3600)` raises RateLimited (429
with RateLimit-* and Retry-After headers) once the bucket is full.
"""

from __future__ import annotations

import time
from typing import Any

from colo.errors import RateLimited
from colo.logging import get_logger

log = get_logger(__name__)
MAX_LOCAL_BUCKETS = 100_000


def window_start(now: float, window: int) -> int:
    """Windows are fixed and aligned to the clock: the start of the one `now` falls in."""
    return int(now // window) * window


class RateLimiter:
    """Counts hits per (name, subject) in fixed windows of `window` seconds."""

    def __init__(self, *, redis_url: str = "", prefix: str = "colo:rl") -> None:
        self._prefix = prefix
        self._redis: Any = None
        if redis_url:
            import redis.asyncio as redis_asyncio  # imported only when Redis is configured

            self._redis = redis_asyncio.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._local: dict[str, tuple[float, int]] = {}

    @property
    def redis(self) -> Any:
        """The Redis client (None in memory), for what shares its connections (tenants/auth_blocks.py)."""
        return self._redis

    def key(self, name: str) -> str:
        """A key of this limiter's own in Redis, beside its buckets."""
        return f"{self._prefix}:{name}"

    @property
    def backend(self) -> str:
        return "redis" if self._redis is not None else "memory"

    async def hit(self, name: str, subject: str, *, limit: int, window: int) -> int:
        """Count one hit; return how many remain, or raise RateLimited."""
        now = time.time()
        start = window_start(now, window)
        reset = max(1, int(start + window - now))
        key = f"{self._prefix}:{name}:{subject}:{start}"
        count = await self._count(key, window)
        if count > limit:
            raise RateLimited(f"at most {limit} requests per {window} s for {name}; retry later",
                              retry_after=reset, limit=limit)
        return limit - count

    async def current(self, name: str, subject: str, *, window: int) -> tuple[int, int]:
        """(hits so far in this window, seconds until it resets), without counting a hit."""
        now = time.time()
        start = window_start(now, window)
        reset = max(1, int(start + window - now))
        key = f"{self._prefix}:{name}:{subject}:{start}"
        if self._redis is not None:
            try:
                value = await self._redis.get(key)
                return int(value or 0), reset
            except Exception as exc:  # Redis down: the memory fallback is what _count uses then
                log.warning("rate limiter falling back to memory", error=type(exc).__name__)
        expires, count = self._local.get(key, (0.0, 0))
        return (count if expires > time.monotonic() else 0), reset

    async def _count(self, key: str, window: int) -> int:
        if self._redis is not None:
            try:
                pipe = self._redis.pipeline()
                pipe.incr(key)
                pipe.expire(key, window + 1, nx=True)
                count, _ = await pipe.execute()
                return int(count)
            except Exception as exc:  # Redis down: degrade to per-process limits, do not fail requests
                log.warning("rate limiter falling back to memory", error=type(exc).__name__)
        return self._count_local(key, window)

    def _count_local(self, key: str, window: int) -> int:
        now = time.monotonic()
        if len(self._local) > MAX_LOCAL_BUCKETS:
            self._local = {k: v for k, v in self._local.items() if v[0] > now}
        expires, count = self._local.get(key, (now + window, 0))
        self._local[key] = (expires, count + 1)
        return count + 1

    async def stop(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
