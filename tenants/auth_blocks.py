"""Addresses the failed-authentication throttle has blocked, known in every process without a
Redis round trip per request.

With Redis configured (every multi-process deployment: compose.yaml, deploy/kubernetes), the
throttle's per-address check (api/auth_throttle.py) read the address's failure count from Redis
on every authenticated request: 1.35x the server's CPU per tenant rack read and 0.75x its
throughput (paired runs, BENCHMARKS.md). Blocks are rare — an address must fail
COLO_AUTH_FAILURES_PER_ADDRESS times in one window — so each process keeps the blocked addresses
in memory instead, as strictly as the read was:

- The process whose failure fills an address's bucket adds the address to a Redis sorted set
  (score: when the block ends, the end of the window) and sends `NOTIFY colo_auth_block` through
  PostgreSQL, both before its own 429 goes out.
- Every process's change listener (colo/change_listener.py) counts that notification. A check
  passes the listener's barrier first — the round trip the key cache takes anyway (shared by the
  requests of one cache lag, colo/change_listener.py), so nothing is added — and reloads the set
  when a notification came since it was last read. A block is seen in the process that recorded
  it at once, and in every other process by requests arriving a cache lag (10 ms) after it.
- While the listener is not connected (start-up, a database restart, SQLite) or the set cannot
  be read, `current()` answers None and the throttle reads the count from Redis as before.
"""

from __future__ import annotations

import time
from typing import Any

from colo.change_listener import ChangeListener
from colo.logging import get_logger

CHANNEL = "colo_auth_block"
log = get_logger(__name__)


class SharedBlocks:
    """Blocked subjects of one throttle bucket, shared through Redis, refreshed by NOTIFY."""

    def __init__(self, redis: Any, *, key: str, listener: ChangeListener) -> None:
        self._redis = redis
        self.key = key
        self._listener = listener
        self._blocked: dict[str, float] = {}
        self._epoch: int | None = None  # the listener's epoch on CHANNEL when `_blocked` was read

    async def current(self) -> dict[str, float] | None:
        """Subject -> when its block ends (Unix time), holding every block recorded before this
        request; None when that cannot be promised (the caller asks Redis instead)."""
        listener = self._listener
        listener.ensure_started()
        if not await listener.barrier():
            return None
        epoch = listener.epoch(CHANNEL)
        if epoch == self._epoch:
            return self._blocked
        try:  # read after the barrier: it holds every block whose NOTIFY the barrier saw
            rows = await self._redis.zrangebyscore(self.key, time.time(), "+inf", withscores=True)
        except Exception as exc:  # Redis away: the throttle's own read falls back as it always did
            log.warning("blocked addresses could not be read", error=type(exc).__name__)
            return None
        blocked = {member.decode(): float(score) for member, score in rows}
        if listener.listening and listener.epoch(CHANNEL) == epoch:  # else a newer block raced this read
            self._blocked, self._epoch = blocked, epoch
        return blocked

    async def block(self, subject: str, *, until: float) -> None:
        """Record a block in Redis, then tell every process (NOTIFY). Never raises: the count in
        Redis, which the throttle also checks, still refuses the subject's next failure."""
        now = time.time()
        try:
            pipe = self._redis.pipeline()
            pipe.zremrangebyscore(self.key, "-inf", now)  # ended blocks
            pipe.zadd(self.key, {subject: until}, gt=True)
            pipe.expire(self.key, max(1, int(until - now) + 1))  # later blocks end later
            await pipe.execute()
        except Exception as exc:
            log.warning("block could not be shared", error=type(exc).__name__)
            return
        self._blocked = {**self._blocked, subject: until}  # this process knows it already
        if self._listener.database_url:
            try:
                await self._listener.notify(CHANNEL)
            except Exception as exc:
                log.warning("block could not be announced", error=type(exc).__name__)
