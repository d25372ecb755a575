"""Caching read-model query results for the hot read path (tenant rack views).

A cached result is valid while the read model's generation (dcim_generation, bumped inside
every write transaction) is unchanged, so a reader never sees data older than the last
committed write, in any process sharing the database: one tiny query instead of several.
Entries are keyed by the engine too, so apps bound to different databases never share them.
Each app owns one (`AppServices.read_cache`) and passes it to the views; there is no process-wide
instance, so two apps in one process never share or evict each other's entries.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from piccolo.engine.postgres import PostgresEngine

from colo.change_listener import ChangeListener, forget_request_barriers
from dcim.tables import PlantGeneration, PlantRack

T = TypeVar("T")
MAX_ENTRIES = 4096
TENANT_LINK_SECONDS = 60.0
GENERATION_CHANNEL = "colo_generation"  # NOTIFYed by a trigger on dcim_generation (migration dcim 2026-11-30T19:40)
GENERATION_QUERY = "SELECT value FROM dcim_generation LIMIT 1"  # PlantGeneration's table


class ReadModelCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, *, listener: ChangeListener | None = None) -> None:
        self.max_entries = max_entries
        self._listener = listener
        self._known: dict[int, tuple[int, int]] = {}  # per pool: (listener epoch, generation) while listening
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._links: dict[Hashable, tuple[float, int]] = {}
        self._next_read: dict[int, asyncio.Future[int]] = {}  # per pool: the generation query not sent yet
        self._reads: set[asyncio.Task[None]] = set()

    async def generation(self) -> int:
        """The read model's current generation, never older than a cache lag before the caller's
        request (colo/change_listener.py; nor than this process's last write request). On
        PostgreSQL with the app's change listener: the value this process knows, unless a
        notification says it changed (`_known_generation`); else read straight from the asyncpg
        pool (about half of Piccolo's query builder, measured), shared by concurrent readers.
        Inside a transaction, or on SQLite, through Piccolo as before."""
        engine = PlantGeneration._meta.db
        pool = getattr(engine, "pool", None)
        if isinstance(engine, PostgresEngine) and pool is not None and engine.current_transaction.get() is None:
            listener = self._listener
            if listener is not None and engine.config.get("dsn") == listener.database_url:
                return await self._known_generation(listener, pool)
            return await self._shared_read(pool)
        row = await PlantGeneration.select(PlantGeneration.value).first()
        return int(row["value"]) if row else 0

    async def _known_generation(self, listener: ChangeListener, pool: Any) -> int:
        """The generation this process already knows, if no `colo_generation` notification came
        since it was read — checked after the listener's barrier (colo/change_listener.py), so a
        bump committed a cache lag before this request, in any process, is never missed. Else read it."""
        listener.ensure_started()
        known = self._known.get(id(pool))
        if known is not None and await listener.barrier() and known[0] == listener.epoch(GENERATION_CHANNEL):
            return known[1]
        epoch = listener.epoch(GENERATION_CHANNEL)
        value = await self._shared_read(pool)
        if listener.listening and listener.epoch(GENERATION_CHANNEL) == epoch:
            self._known[id(pool)] = (epoch, value)
        return value

    async def _shared_read(self, pool: Any) -> int:
        """Read it from the pool, joining a read not sent yet: it starts after this call, so it
        is no staler than a query of its own."""
        waiting = self._next_read.get(id(pool))
        if waiting is None:
            waiting = asyncio.get_running_loop().create_future()
            self._next_read[id(pool)] = waiting
            task = asyncio.create_task(self._read_generation(pool, waiting))
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)
        return await asyncio.shield(waiting)

    async def _read_generation(self, pool: Any, result: asyncio.Future[int]) -> None:
        # From here on the query is being sent: whoever asks next needs a query of its own.
        if self._next_read.get(id(pool)) is result:
            del self._next_read[id(pool)]
        try:
            async with pool.acquire() as connection:
                value = await connection.fetchval(GENERATION_QUERY)
        except asyncio.CancelledError:
            result.cancel()
            raise
        except Exception as exc:  # every waiter gets the database's error
            result.set_exception(exc)
            result.exception()  # retrieved: no "never retrieved" warning when nobody waits anymore
            return
        result.set_result(int(value) if value is not None else 0)

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]], *, generation: int) -> T:
        """The cached value for key at this generation, else load() and remember it."""
        full_key = (id(PlantRack._meta.db), key)
        hit = self._entries.get(full_key)
        if hit is not None and hit[0] == generation:
            self._entries.move_to_end(full_key)
            return cast(T, hit[1])  # stored by a load() of the same key, which returned a T
        value = await load()
        self._entries[full_key] = (generation, value)
        self._entries.move_to_end(full_key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value

    async def tenant_link(self, key: Hashable, load: Callable[[], Awaitable[int | None]]) -> int | None:
        """A Colo tenant's NetBox tenant id. Only found links are cached (briefly): a link is
        set once when the tenant is activated, and an unlinked tenant must see it at once."""
        full_key = (id(PlantRack._meta.db), key)
        hit = self._links.get(full_key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        value = await load()
        if value is not None:
            if len(self._links) >= self.max_entries:
                self._links.clear()
            self._links[full_key] = (time.monotonic() + TENANT_LINK_SECONDS, value)
        return value


async def bump_generation() -> None:
    """Call inside each read-model write transaction."""
    forget_request_barriers()  # this request's later reads must see its own write
    updated = await PlantGeneration.update({PlantGeneration.value: PlantGeneration.value + 1},
                                           force=True).returning(PlantGeneration._meta.primary_key)
    if not updated:
        await PlantGeneration.insert(PlantGeneration(value=1))

