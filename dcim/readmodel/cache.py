"""Caching read-model query results for the hot read path (tenant rack views).

A cached result is valid while the read model's generation (dcim_generation, bumped inside
every write transaction) is unchanged, so a reader never sees data older than the last
committed write, in any process sharing the database: one tiny query instead of several.
Entries are keyed by the engine too, so apps bound to different databases never share them.
Each app owns one (`AppServices.read_cache`) and passes it to the views; there is no process-wide
instance, so two apps in one process never share or evict each other's entries.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from dcim.tables import PlantGeneration, PlantRack

T = TypeVar("T")
MAX_ENTRIES = 4096
TENANT_LINK_SECONDS = 60.0


class ReadModelCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._links: dict[Hashable, tuple[float, int]] = {}

    async def generation(self) -> int:
        row = await PlantGeneration.select(PlantGeneration.value).first()
        return int(row["value"]) if row else 0

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
    updated = await PlantGeneration.update({PlantGeneration.value: PlantGeneration.value + 1},
                                           force=True).returning(PlantGeneration._meta.primary_key)
    if not updated:
        await PlantGeneration.insert(PlantGeneration(value=1))

