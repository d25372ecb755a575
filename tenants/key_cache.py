"""A short in-process cache of API key rows, invalidated through PostgreSQL LISTEN/NOTIFY.

Looking a key up costs a database round trip on every request — a fifth of a tenant rack read's
time (measured, bench/bench_http.py). This cache keeps the key's row (never a verdict): every
request still checks the presented secret against the stored digest, the expiry, the allowed
networks and the tenant's status (tenants/keys.py `check_key`), so only how fresh the row is changes.

How fresh: a revoked key, a key whose person was removed, or a suspended or offboarded tenant must
fail within one second on every process (here: from the next request on in the process that made
the change, 10 ms after its commit in the others — COLO_CACHE_LAG_SECONDS). Four things hold that:

- Triggers on `tenants_api_key` (any change to what authentication reads) and `tenants_tenant`
  (status changes, deletes, truncation) send `NOTIFY colo_auth` in the changing transaction
  (migration tenants 2026-11-30T19:20); the app's change listener (colo/change_listener.py)
  LISTENs on a dedicated connection and this cache empties itself when one arrives.
- A cached row is used only after the listener's barrier: a round trip on that connection sent
  at most the cache lag before the request arrived (shared by the requests of that interval):
  every notification committed that long before the request has been handled by then, and a
  write request makes its own process's next request take a fresh one (api/access_log.py). With
  COLO_CACHE_LAG_SECONDS=0 it is as strict as looking the key up each time.
- While that connection is not up (start-up, database restart, SQLite), nothing is cached.
- Every entry also expires after COLO_AUTH_CACHE_SECONDS (at most 1 s, default 0.5 s), so even
  a listener that silently stops hearing cannot keep a revoked key alive longer than that.

A row loaded while a notification arrived is not kept (the epoch check in `remember`), so a load
that raced a revocation cannot put the old row back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from colo.change_listener import ChangeListener
from colo.identity import Principal

CHANNEL = "colo_auth"
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What authentication reads of a key (its row joined with its tenant's status)."""

    key_id: UUID
    # Who the key is (role, tenant, person), built once per row; handed out only after every check
    # below passed (tenants/keys.py check_key).
    principal: Principal
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
    """Key rows by key id for `seconds`, only while the change listener is connected."""

    def __init__(self, *, seconds: float, listener: ChangeListener | None = None,
                 max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._listener = listener if seconds > 0 else None
        self._entries: dict[UUID, _Entry] = {}
        if self._listener is not None:
            self._listener.on_change(CHANNEL, self._entries.clear)

    @property
    def epoch(self) -> int:
        """Changes whenever the cache may be stale; a load remembers it before it queries."""
        return self._listener.epoch(CHANNEL) if self._listener is not None else 0

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.listening

    def stats(self) -> KeyCacheStats:
        return KeyCacheStats(self.hits, self.misses, len(self._entries), self.listening)

    async def lookup(self, key_id: UUID) -> tuple[KeyRecord, datetime | None] | None:
        """(row, when it was last marked used), or None: not cached, too old, or not listening."""
        listener = self._listener
        if listener is None:
            return None
        listener.ensure_started()
        if key_id not in self._entries or not await listener.barrier():
            self.misses += 1
            return None
        entry = self._entries.get(key_id)  # after the barrier: emptied if anything changed before
        if entry is None or time.monotonic() - entry.stored_at > self.seconds:
            self.misses += 1
            return None
        self.hits += 1
        return entry.record, entry.last_used_at

    def remember(self, record: KeyRecord, *, last_used_at: datetime | None, epoch: int) -> None:
        """Keep a row loaded at `epoch`, unless anything changed since (a change raced the load)."""
        if not self.listening or epoch != self.epoch:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[record.key_id] = _Entry(record, time.monotonic(), last_used_at)

    def mark_used(self, key_id: UUID, when: datetime) -> None:
        entry = self._entries.get(key_id)
        if entry is not None:
            entry.last_used_at = when
