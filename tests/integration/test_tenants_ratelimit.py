"""Rate limits in the real Redis (shared by processes) and in memory."""

from __future__ import annotations

import uuid

import pytest

from colo.errors import RateLimited
from tenants.ratelimit import RateLimiter

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("backend", ["redis", "memory"])
async def test_limit_is_enforced_with_retry_after(backend: str) -> None:
    limiter = RateLimiter(redis_url=REDIS_URL if backend == "redis" else "", prefix=f"colo:test:{uuid.uuid4().hex}")
    assert limiter.backend == backend
    try:
        remaining = [await limiter.hit("apply", "203.0.113.7", limit=3, window=60) for _ in range(3)]
        assert remaining == [2, 1, 0]
        with pytest.raises(RateLimited) as caught:
            await limiter.hit("apply", "203.0.113.7", limit=3, window=60)
        assert 1 <= caught.value.retry_after <= 60 and caught.value.limit == 3
        # another subject has its own bucket
        assert await limiter.hit("apply", "203.0.113.8", limit=3, window=60) == 2
    finally:
        await limiter.stop()


async def test_two_limiters_on_one_redis_share_the_count() -> None:
    prefix = f"colo:test:{uuid.uuid4().hex}"
    first, second = RateLimiter(redis_url=REDIS_URL, prefix=prefix), RateLimiter(redis_url=REDIS_URL, prefix=prefix)
    try:
        await first.hit("track", "x", limit=2, window=60)
        await second.hit("track", "x", limit=2, window=60)
        with pytest.raises(RateLimited):
            await first.hit("track", "x", limit=2, window=60)
    finally:
        await first.stop()
        await second.stop()


async def test_unreachable_redis_degrades_to_memory_instead_of_failing() -> None:
    limiter = RateLimiter(redis_url="redis://127.0.0.1:1/0", prefix="colo:test:down")
    try:
        assert await limiter.hit("apply", "x", limit=1, window=60) == 0
        with pytest.raises(RateLimited):
            await limiter.hit("apply", "x", limit=1, window=60)
    finally:
        await limiter.stop()
