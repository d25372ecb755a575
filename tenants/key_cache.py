"""A short in-process cache of API key rows, invalidated through PostgreSQL LISTEN/NOTIFY.

Looking a key up costs a database round trip on every request — a fifth of a tenant rack read's
time (measured, bench/bench_http.py). This cache keeps the key's row (never a verdict): every
request still checks the presented secret against the stored digest, the expiry, the allowed
networks and the tenant's status (tenants/keys.py `check_key`), so only how fresh the row is changes.

How fresh: a revoked key, a key whose person was removed, or a suspended or offboarded tenant must
fail within one second on every process (here: from the next request on). Four things hold that:

- Triggers on `tenants_api_key` (any change to what authentication reads) and `tenants_tenant`
  (status changes, deletes, truncation) send `NOTIFY colo_auth` in the changing transaction
  (migration tenants 2026-11-30T19:20); each process LISTENs on a dedicated connection and
  empties its cache when one arrives.
- A cached row is used only after a round trip on that connection which started after the
  request arrived (shared by concurrent requests, see `lookup`): every notification committed
  before the request has been handled by then, so a change is seen from the next request on, in
  every process — as strict as looking the key up each time.
- While that connection is not up (start-up, database restart, SQLite), nothing is cached.
- Every entry also expires after COLO_AUTH_CACHE_SECONDS (at most 1 s, default 0.5 s), so even
  a listener that silently stops hearing cannot keep a revoked key alive longer than that.

A row loaded while a notification arrived is not kept (the epoch check in `remember`), so a load
that raced a revocation cannot put the old row back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from colo.logging import get_logger

log = get_logger(__name__)
CHANNEL = "colo_auth"
MAX_ENTRIES = 10_000
KEEPALIVE_SECONDS = 2.0
RECONNECT_SECONDS = 1.0
BARRIER_TIMEOUT_SECONDS = 0.5  # a stuck listening connection: look keys up instead (the loop reconnects)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What authentication reads of a key (its row joined with its tenant's status)."""

    key_id: UUID
    name: str
    role: str
    tenant: UUID | None
    person_id: UUID | None
    digest: str
    pepper_id: int
    allowed_networks: tuple[str, ...]
    expires_at: datetime | None
    revoked_at: datetime | None
    tenant_status: str | None


@dataclass(slots=True)
class _Entry:
    record: KeyRecord
    stored_at: float
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeyCacheStats:
    hits: int
    misses: int
    entries: int
    listening: bool


class KeyCache:
    """Key rows by key id for `seconds`, only while the invalidation listener is connected."""

    def __init__(self, *, seconds: float, database_url: str = "", max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        # Only PostgreSQL can tell us about changes; elsewhere (SQLite) nothing is ever cached.
        self._database_url = database_url if database_url.startswith(("postgresql:", "postgres:")) else ""
        self.max_entries = max_entries
        self.listening = False
        self.hits = 0
        self.misses = 0
        self._epoch = 0
        self._entries: dict[UUID, _Entry] = {}
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._next_barrier: asyncio.Future[bool] | None = None
        self._barriers: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def epoch(self) -> int:
        """Changes whenever the cache is emptied; a load remembers it before it queries."""
        return self._epoch

    def stats(self) -> KeyCacheStats:
        return KeyCacheStats(self.hits, self.misses, len(self._entries), self.listening)

    async def lookup(self, key_id: UUID) -> tuple[KeyRecord, datetime | None] | None:
        """(row, when it was last marked used), or None: not cached, too old, or not listening.

        A cached row is used only after a barrier: a round trip on the listening connection that
        started after this request did. PostgreSQL delivers every notification committed before
        a query ahead of that query's answer (and asyncpg runs the listener first), so a change
        committed before the request — in any process — has emptied the cache by then: "revoked"
        means refused from the next request on, as without the cache. Concurrent requests share
        one barrier, which is what makes this cheaper than looking the key up."""
        if not self.listening:
            if self._task is None and not self._stopping:
                self._start()
            return None
        if key_id not in self._entries or not await self._barrier():
            self.misses += 1
            return None
        entry = self._entries.get(key_id)
        if entry is None or time.monotonic() - entry.stored_at > self.seconds:
            self.misses += 1
            return None
        self.hits += 1
        return entry.record, entry.last_used_at

    async def _barrier(self) -> bool:
        """True once a round trip on the listening connection, sent after this call, came back."""
        waiting = self._next_barrier
        if waiting is None:
            waiting = asyncio.get_running_loop().create_future()
            self._next_barrier = waiting
            task = asyncio.create_task(self._run_barrier(waiting))
            self._barriers.add(task)
            task.add_done_callback(self._barriers.discard)
        return await asyncio.shield(waiting)

    async def _run_barrier(self, result: asyncio.Future[bool]) -> None:
        ok = False
        try:
            async with self._lock:  # one query at a time on the listening connection
                if self._next_barrier is result:  # sent from here on: later callers need the next one
                    self._next_barrier = None
                connection = self._connection
                if connection is not None and self.listening:
                    await connection.fetchval("SELECT 1", timeout=BARRIER_TIMEOUT_SECONDS)
                    ok = self.listening
        except Exception as exc:  # the listener's own loop notices a dead connection; do not cache meanwhile
            log.warning("api key cache barrier failed", error=type(exc).__name__)
        finally:
            if self._next_barrier is result:
                self._next_barrier = None
            if not result.done():
                result.set_result(ok)

    def remember(self, record: KeyRecord, *, last_used_at: datetime | None, epoch: int) -> None:
        """Keep a row loaded at `epoch`, unless the cache was emptied since (a change raced it)."""
        if not self.listening or epoch != self._epoch or self.seconds <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[record.key_id] = _Entry(record, time.monotonic(), last_used_at)

    def mark_used(self, key_id: UUID, when: datetime) -> None:
        entry = self._entries.get(key_id)
        if entry is not None:
            entry.last_used_at = when

    def invalidate(self) -> None:
        self._epoch += 1
        self._entries.clear()

    def _start(self) -> None:
        """Start listening on first use, from the request path (a running event loop): the app's
        lifespan belongs to its components and need not know about this cache."""
        if self.seconds <= 0 or not self._database_url:
            self._stopping = True  # never anything to do
            return
        self._task = asyncio.create_task(self._listen(self._database_url), name="key-cache-listener")

    async def stop(self) -> None:
        self._stopping = True
        self._stop_listening()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _stop_listening(self) -> None:
        self.listening = False
        self.invalidate()

    def _notified(self, *_args: Any) -> None:
        self.invalidate()

    def _lost(self, *_args: Any) -> None:
        self._stop_listening()

    async def _listen(self, database_url: str) -> None:
        while not self._stopping:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(database_url, timeout=5)
                connection.add_termination_listener(self._lost)
                await connection.add_listener(CHANNEL, self._notified)
                self.invalidate()  # whatever was loaded before LISTEN took effect is not trusted
                self._connection = connection
                self.listening = True
                log.info("api key cache listening", channel=CHANNEL)
                while not connection.is_closed():  # a dead socket shows up here within the keepalive
                    await asyncio.sleep(KEEPALIVE_SECONDS)
                    async with self._lock:
                        await connection.fetchval("SELECT 1", timeout=KEEPALIVE_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: stop caching, try again shortly
                if self.listening:
                    log.warning("api key cache listener lost; not caching", error=type(exc).__name__)
            finally:
                self._stop_listening()
                self._connection = None
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(connection.close(timeout=2))
            await asyncio.sleep(RECONNECT_SECONDS)
