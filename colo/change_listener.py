"""One PostgreSQL LISTEN connection per app, so hot-path caches can skip a query per request
without ever serving something older than the request.

Triggers send `NOTIFY <channel>` inside the transactions that change what a cache holds (API key
rows: `colo_auth`; the read model's generation: `colo_generation`). This listener counts them per
channel (`epoch`) and calls the caches back. `barrier()` is the part that makes caching strict:
a round trip on the listening connection that is sent after the caller asked. PostgreSQL
delivers every notification committed before a query ahead of that query's answer, and asyncpg
runs listener callbacks before the waiting query resumes, so once the barrier returns, every
change committed before the request — in any process — has reached the caches. Callers that
ask while a barrier is still waiting to be sent share it, and it is sent one loop turn after the
first one asks, so one round trip serves several requests; it replaces a query on the pool per
request for each cache using it.

A barrier also serves requests that arrive within `shared_seconds` (COLO_CACHE_LAG_SECONDS,
10 ms by default) after it was sent
(requests only: background loops, and the rest of a request that wrote, take a fresh one): a
change committed in another process is then seen by every request arriving at least 10 ms after
the commit (the bound a revoked key is held to is 1 s, tenants/key_cache.py), and the round trip,
a tenth of a rack read's server CPU, is paid about once per 10 ms instead of once per loop turn.
A change committed in this process is seen from the next request on: `expire()`, called when a
request that may have written starts its response (api/access_log.py), makes the next caller
take a barrier sent after it.

While the connection is down (start-up, a database restart, SQLite), `listening` is False and
the caches must not serve anything; every loss and every (re)connection also counts as a change
on every channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

import asyncpg

from colo.logging import get_logger

log = get_logger(__name__)
KEEPALIVE_SECONDS = 2.0
RECONNECT_SECONDS = 1.0
BARRIER_TIMEOUT_SECONDS = 0.5  # a stuck connection: callers fall back to their query (the loop reconnects)


class _RequestScope:
    """What one request has passed: (listener, connection) marks, and whether it wrote."""

    __slots__ = ("passed", "wrote")

    def __init__(self) -> None:
        self.passed: set[tuple[int, int]] = set()
        self.wrote = False


# Within one request, a barrier passed once counts for the rest of it: what it promises ("every
# change committed before this request has been handled") stays true. Only set around requests
# (api/access_log.py). Only requests share a recent barrier (the cache lag); a background loop has
# no scope and takes a fresh barrier each time, so it always reads what it wrote just before.
_request_scope: ContextVar[_RequestScope | None] = ContextVar("change_barriers", default=None)


def begin_request_scope() -> Token[_RequestScope | None]:
    return _request_scope.set(_RequestScope())


def end_request_scope(token: Token[_RequestScope | None]) -> None:
    _request_scope.reset(token)


def forget_request_barriers() -> None:
    """A write in this request: its later reads take a fresh barrier (never a shared recent one),
    so they see the write."""
    scope = _request_scope.get()
    if scope is not None:
        scope.passed.clear()
        scope.wrote = True


class ChangeListener:
    def __init__(self, database_url: str, channels: tuple[str, ...], *, shared_seconds: float = 0.0) -> None:
        """`shared_seconds`: how long after it was sent a barrier still counts for a newly arrived
        request (the app passes COLO_CACHE_LAG_SECONDS; 0 = strict)."""
        # Only PostgreSQL can tell us about changes; elsewhere nothing is ever listening.
        self._database_url = database_url if database_url.startswith(("postgresql:", "postgres:")) else ""
        self.channels = channels
        self.shared_seconds = shared_seconds
        self.listening = False
        self.round_trips = 0  # barriers sent (the rest were served by a recent one)
        self._epochs = dict.fromkeys(channels, 0)
        self._callbacks: dict[str, list[Callable[[], None]]] = {channel: [] for channel in channels}
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._next_barrier: asyncio.Future[bool] | None = None
        self._barriers: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._connects = 0  # listening connections made so far
        # When the last barrier that came back on the current connection was sent (forgotten on
        # every loss or reconnection, and by expire()).
        self._recent_sent_at = -math.inf
        self._not_before = -math.inf  # expire(): only a barrier sent after this may become the recent one

    @property
    def database_url(self) -> str:
        return self._database_url

    def epoch(self, channel: str) -> int:
        """Changes with every notification on `channel` and every loss or start of listening."""
        return self._epochs[channel]

    def on_change(self, channel: str, callback: Callable[[], None]) -> None:
        self._callbacks[channel].append(callback)

    def ensure_started(self) -> None:
        """Start listening on first use (needs a running event loop; a no-op without PostgreSQL)."""
        if self._task is None and not self._stopping and self._database_url:
            self._task = asyncio.create_task(self._listen(), name="change-listener")

    async def barrier(self) -> bool:
        """True once a round trip on the listening connection came back while listening — sent
        after this call, or (in a request that has not written) at most `shared_seconds` before
        it; False means: do not trust a cache now."""
        if not self.listening:
            return False
        scope = _request_scope.get()
        passed = scope.passed if scope is not None else None
        mark = (id(self), self._connects)  # a reconnection since may have missed notifications
        if passed is not None and mark in passed:
            return True
        if (scope is not None and not scope.wrote
                and time.monotonic() - self._recent_sent_at <= self.shared_seconds):
            scope.passed.add(mark)
            return True
        waiting = self._next_barrier
        if waiting is None:
            waiting = asyncio.get_running_loop().create_future()
            self._next_barrier = waiting
            task = asyncio.create_task(self._run_barrier(waiting))
            self._barriers.add(task)
            task.add_done_callback(self._barriers.discard)
        ok = await asyncio.shield(waiting)
        if ok and passed is not None and mark[1] == self._connects:
            passed.add(mark)
        return ok

    def expire(self) -> None:
        """This process has just committed a change: callers from now on need a barrier sent after
        this moment, so they see it (its notification may still be on its way)."""
        self._not_before = time.monotonic()
        self._recent_sent_at = -math.inf

    async def notify(self, channel: str) -> None:
        """Send `NOTIFY channel` (one of this listener's channels, so a trusted name): on the listening
        connection, or on a connection of its own while that one is down."""
        if channel not in self._epochs:
            raise ValueError(f"not a channel of this listener: {channel}")
        statement = f"NOTIFY {channel}"
        connection = self._connection
        if connection is not None and self.listening:
            async with self._lock:
                await connection.execute(statement, timeout=BARRIER_TIMEOUT_SECONDS)
            return
        once = await asyncpg.connect(self._database_url, timeout=5)
        try:
            await once.execute(statement)
        finally:
            await once.close()

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._changed_all()

    async def _run_barrier(self, result: asyncio.Future[bool]) -> None:
        ok = False
        # Send it one loop turn later: the requests read in that turn join this round trip instead
        # of each starting the next one. Every send wakes PostgreSQL, and that wake-up is most of
        # the barrier's cost: 9 % less server CPU per tenant rack read (paired runs, BENCHMARKS.md).
        # Still sent after every caller that waits on it asked, so it promises the same.
        try:
            await asyncio.sleep(0)
            async with self._lock:  # one query at a time on the listening connection
                if self._next_barrier is result:  # sent from here on: later callers need the next one
                    self._next_barrier = None
                connection, connects = self._connection, self._connects
                if connection is not None and self.listening:
                    sent_at = time.monotonic()
                    self.round_trips += 1
                    # The simple-query protocol: about a fifth less client CPU than fetchval's
                    # prepared statement, and the barrier needs no result, only the round trip.
                    await connection.execute("SELECT 1", timeout=BARRIER_TIMEOUT_SECONDS)
                    ok = self.listening
                    if ok and connects == self._connects and sent_at > max(self._not_before, self._recent_sent_at):
                        self._recent_sent_at = sent_at
        except Exception as exc:  # the listening loop notices a dead connection; no cache meanwhile
            log.warning("change listener barrier failed", error=type(exc).__name__)
        finally:
            if self._next_barrier is result:
                self._next_barrier = None
            if not result.done():
                result.set_result(ok)

    def _changed(self, channel: str) -> None:
        self._epochs[channel] += 1
        for callback in self._callbacks[channel]:
            callback()

    def _changed_all(self) -> None:
        self.listening = False
        self._recent_sent_at = -math.inf
        for channel in self.channels:
            self._changed(channel)

    def _notified(self, _connection: Any, _pid: int, channel: str, _payload: str) -> None:
        if channel in self._epochs:
            self._changed(channel)

    def _lost(self, *_args: Any) -> None:
        self._changed_all()

    async def _listen(self) -> None:
        while not self._stopping:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(self._database_url, timeout=5)
                connection.add_termination_listener(self._lost)
                for channel in self.channels:
                    await connection.add_listener(channel, self._notified)
                self._changed_all()  # whatever was cached before LISTEN took effect is not trusted
                self._connection = connection
                self._connects += 1
                self.listening = True
                log.info("listening for changes", channels=",".join(self.channels))
                while not connection.is_closed():  # a dead socket shows up here within the keepalive
                    await asyncio.sleep(KEEPALIVE_SECONDS)
                    async with self._lock:
                        await connection.fetchval("SELECT 1", timeout=KEEPALIVE_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: no caching, try again shortly
                if self.listening:
                    log.warning("change listener lost; caches off", error=type(exc).__name__)
            finally:
                self._changed_all()
                self._connection = None
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(connection.close(timeout=2))
            await asyncio.sleep(RECONNECT_SECONDS)
