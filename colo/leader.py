"""Which process runs a cluster-wide singleton loop: a PostgreSQL advisory-lock leader.

Several processes may run the background work (`colo worker` replicas, or `colo serve` with
COLO_RUN_WORKERS=true). Loops whose work must happen once per interval cluster-wide (the read
model's full sync and webhook queue, the site monitor, the SLA sweep, metering polls and roll-ups)
ask `Leadership.leads(name)` before each pass. Loops that are safe everywhere (order fulfilment:
row leases; notification dispatch: SKIP LOCKED) do not ask.

Each singleton is a session-level `pg_try_advisory_lock(COLO_LOCKS, key)` taken on one dedicated
connection and held as long as that connection lives: PostgreSQL releases it when the connection
drops (process killed, network gone), and a follower, retrying every `retry_seconds`, takes over.
Different processes may lead different singletons. On SQLite (embedded, one process) every
singleton is simply led here.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from colo.logging import get_logger

log = get_logger(__name__)
COLO_LOCKS = 0x436F6C6F  # "Colo": the first key of every advisory lock Colo takes
RETRY_SECONDS = 3.0
CONNECT_TIMEOUT_SECONDS = 5.0
# The singletons (names are also the metric's label and part of the lock key).
READ_MODEL = "read-model"  # webhook queue drain, full sync/reconcile, webhook-health check
SITE_MONITOR = "site-monitor"  # overstays, failed-authentication bursts, held deliveries → alerts
SLA_SWEEP = "sla-sweep"  # service-desk SLA alerts
METERING = "metering"  # PDU polls, roll-ups, retention, power alerts
SINGLETONS = (READ_MODEL, SITE_MONITOR, SLA_SWEEP, METERING)
MIGRATIONS = "migrations"  # `colo db migrate` (colo/migrate.py), not a loop

_live: weakref.WeakSet[Leadership] = weakref.WeakSet()
# What a singleton loop asks before each pass: "may I run here now?"
Gate = Callable[[], bool]


def always() -> bool:
    """The gate of a loop that runs wherever it is started (or of a process that leads everything)."""
    return True


def never() -> bool:
    """The gate of a process that runs no background loops (COLO_RUN_WORKERS=false)."""
    return False


def lock_key(name: str) -> int:
    """The advisory lock's second key: a stable 31-bit number for the singleton's name."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


class Leadership:
    """Leadership of `names` for this process. `start()` begins contending; `leads(name)` is
    cheap (no query) and turns False within `retry_seconds` of the lock connection dying."""

    def __init__(self, database_url: str, names: Iterable[str] = SINGLETONS, *,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self.database_url = database_url
        self.names = tuple(names)
        self.retry_seconds = retry_seconds
        self.local = not database_url.startswith(("postgresql:", "postgres:"))
        self._held: set[str] = set()
        self._conn: Any = None  # asyncpg.Connection (imported lazily: SQLite installs need no PostgreSQL)
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    def leads(self, name: str) -> bool:
        return name in self._held

    def gate(self, name: str) -> Gate:
        return lambda: name in self._held

    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    async def wait_for(self, name: str, seconds: float) -> bool:
        """Wait up to `seconds` until this process leads `name` (tests, start-up)."""
        async def wait() -> None:
            while name not in self._held:
                self._changed.clear()
                await self._changed.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wait(), seconds)
        return name in self._held

    async def start(self) -> None:
        _live.add(self)
        if self.local:
            self._set(set(self.names))
            return
        if self._task is None:
            self._task = asyncio.create_task(self._contend(), name="leader-election")

    async def stop(self) -> None:
        """Give leadership up at once (closing the connection releases every lock)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()
        self._set(set())

    def _set(self, held: set[str]) -> None:
        for name in held - self._held:
            log.info("leading singleton", singleton=name)
        for name in self._held - held:
            log.warning("no longer leading singleton", singleton=name)
        self._held = held
        self._changed.set()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)

    async def _contend(self) -> None:
        import asyncpg

        while True:
            try:
                if self._conn is not None and self._conn.is_closed():
                    raise ConnectionError("the lock connection was closed")  # below: give way, then reconnect
                if self._conn is None:
                    self._conn = await asyncpg.connect(self.database_url, timeout=CONNECT_TIMEOUT_SECONDS)
                held = set(self._held)
                for name in self.names:
                    if name not in held and await self._conn.fetchval(
                            "SELECT pg_try_advisory_lock($1, $2)", COLO_LOCKS, lock_key(name), timeout=10):
                        held.add(name)
                if held == self._held:  # nothing new: is the connection (and so every lock) still there?
                    await self._conn.fetchval("SELECT 1", timeout=10)
                self._set(held)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost or refused: every lock is gone with it
                lost = bool(self._held) or self._conn is not None
                if lost:
                    log.warning("leader election lost its database connection", error=type(exc).__name__)
                self._set(set())
                await self._close()
                if lost:  # let the followers (retrying every retry_seconds) take over first
                    await asyncio.sleep(self.retry_seconds)
            await asyncio.sleep(self.retry_seconds if len(self._held) < len(self.names) else
                                min(1.0, self.retry_seconds))


def live() -> Iterator[Leadership]:
    """Every started Leadership of this process (the metrics collector reads them)."""
    return iter(list(_live))


@contextlib.asynccontextmanager
async def advisory_lock(database_url: str, name: str, *, wait_seconds: float = 600.0) -> AsyncIterator[None]:
    """Hold `name`'s advisory lock for the block (waits for another holder). PostgreSQL only;
    elsewhere a no-op. Used by `colo db migrate` so concurrent migrators take turns."""
    if not database_url.startswith(("postgresql:", "postgres:")):
        yield
        return
    import asyncpg

    conn = await asyncpg.connect(database_url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await conn.execute(f"SET lock_timeout = '{int(wait_seconds * 1000)}ms'")
        await conn.execute("SELECT pg_advisory_lock($1, $2)", COLO_LOCKS, lock_key(name))
        yield
    finally:
        await conn.close()
