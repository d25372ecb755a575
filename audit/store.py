"""Storage of the access log on PostgreSQL or SQLite, with batched raw SQL on the hot path.

The store owns its connections (an asyncpg pool, or two aiosqlite connections) so the sequencer,
the CLI verifier and the benchmarks share one code path whatever process they run in. SQL is
written with `?` placeholders; the PostgreSQL store numbers them.

Concurrency: every append runs in one transaction that first locks the tree-head row
(`SELECT … FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so any number of Colo
processes appending to one database serialise on it and the index stays dense and gapless.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from colo.db import sqlite_path

if TYPE_CHECKING:  # imported where a store is opened; asyncpg (the PostgreSQL side) ships no types
    import aiosqlite

ENTRY_COLUMNS = (
    "idx", "time_us", "kind", "request_id", "actor_key_id", "actor_person_id", "tenant_id",
    "role", "action", "object_ids", "outcome", "status", "source", "body",
)
READ_CHUNK = 20_000
NOT_MIGRATED = "the audit tables are not migrated (run `colo db migrate`)"  # no audit_head row


@dataclass(frozen=True, slots=True)
class Head:
    size: int
    frontier: bytes
    checkpoint_size: int
    checkpoint_at_us: int


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    tree_size: int
    root: bytes
    key_id: str
    signed_at_us: int
    note: str


class Writer(ABC):
    """One append transaction; the head row is already locked when it is handed out."""

    head: Head

    @abstractmethod
    async def insert_entries(self, rows: Sequence[tuple[Any, ...]]) -> None: ...

    @abstractmethod
    async def insert_nodes(self, rows: Sequence[tuple[int, bytes]]) -> None: ...

    @abstractmethod
    async def execute(self, sql: str, *args: Any) -> None: ...

    async def insert_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        await self.execute(
            "INSERT INTO audit_checkpoint (tree_size, root, key_id, signed_at_us, note) "
            "VALUES (?, ?, ?, ?, ?)",
            checkpoint.tree_size, checkpoint.root, checkpoint.key_id, checkpoint.signed_at_us,
            checkpoint.note,
        )

    async def update_head(self, head: Head) -> None:
        await self.execute(
            "UPDATE audit_head SET size = ?, frontier = ?, checkpoint_size = ?, "
            "checkpoint_at_us = ? WHERE id = 1",
            head.size, head.frontier, head.checkpoint_size, head.checkpoint_at_us,
        )


class LogStore(ABC):
    dialect: str

    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def writing(self) -> AbstractAsyncContextManager[Writer]:
        """Async context manager yielding a Writer inside one locked transaction."""

    @abstractmethod
    async def close(self) -> None: ...

    async def head(self) -> Head:
        rows = await self.fetch(
            "SELECT size, frontier, checkpoint_size, checkpoint_at_us FROM audit_head WHERE id = 1"
        )
        if not rows:
            raise RuntimeError(NOT_MIGRATED)
        size, frontier, checkpoint_size, checkpoint_at = rows[0]
        return Head(int(size), bytes(frontier), int(checkpoint_size), int(checkpoint_at))

    async def nodes(self, keys: Sequence[int]) -> dict[int, bytes]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = await self.fetch(f"SELECT node_key, hash FROM audit_node WHERE node_key IN ({marks})",  # noqa: S608
                                *keys)
        return {int(k): bytes(h) for k, h in rows}

    async def iter_entries(self, start: int = 0, end: int | None = None) -> AsyncIterator[tuple[int, str]]:
        """(index, body) in index order; gaps show up as missing indexes, nothing is filled in."""
        position = start
        while True:
            sql = "SELECT idx, body FROM audit_entry WHERE idx >= ?"
            args: list[Any] = [position]
            if end is not None:
                sql += " AND idx < ?"
                args.append(end)
            rows = await self.fetch(sql + f" ORDER BY idx LIMIT {READ_CHUNK}", *args)
            for idx, body in rows:
                yield int(idx), body
            if len(rows) < READ_CHUNK:
                return
            position = int(rows[-1][0]) + 1

    async def leaf_hashes(self, start: int, end: int) -> dict[int, bytes]:
        rows = await self.fetch(
            "SELECT node_key, hash FROM audit_node WHERE node_key >= ? AND node_key < ?", start, end
        )
        return {int(k): bytes(h) for k, h in rows}

    async def checkpoints(self) -> list[StoredCheckpoint]:
        rows = await self.fetch(
            "SELECT tree_size, root, key_id, signed_at_us, note FROM audit_checkpoint ORDER BY tree_size"
        )
        return [_checkpoint(row) for row in rows]

    async def latest_checkpoint(self) -> StoredCheckpoint | None:
        rows = await self.fetch(
            "SELECT tree_size, root, key_id, signed_at_us, note FROM audit_checkpoint "
            "ORDER BY tree_size DESC LIMIT 1"
        )
        return _checkpoint(rows[0]) if rows else None

    async def checkpoint_covering(self, size: int) -> StoredCheckpoint | None:
        """The smallest checkpoint whose tree includes `size` entries."""
        rows = await self.fetch(
            "SELECT tree_size, root, key_id, signed_at_us, note FROM audit_checkpoint "
            "WHERE tree_size >= ? ORDER BY tree_size LIMIT 1", size,
        )
        return _checkpoint(rows[0]) if rows else None


def _checkpoint(row: tuple[Any, ...]) -> StoredCheckpoint:
    tree_size, root, key_id, signed_at, note = row
    return StoredCheckpoint(int(tree_size), bytes(root), key_id, int(signed_at), note)


# --- PostgreSQL ---------------------------------------------------------------------------

_MARK = re.compile(r"\?")


def _numbered(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _MARK.sub(lambda _m: f"${next(counter)}", sql)


class _PgWriter(Writer):
    def __init__(self, connection: Any, head: Head) -> None:
        self.connection = connection
        self.head = head

    async def insert_entries(self, rows: Sequence[tuple[Any, ...]]) -> None:
        await self.connection.copy_records_to_table("audit_entry", records=rows, columns=ENTRY_COLUMNS)

    async def insert_nodes(self, rows: Sequence[tuple[int, bytes]]) -> None:
        await self.connection.copy_records_to_table("audit_node", records=rows, columns=("node_key", "hash"))

    async def execute(self, sql: str, *args: Any) -> None:
        await self.connection.execute(_numbered(sql), *args)


class PostgresStore(LogStore):
    dialect = "postgres"

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str, *, max_size: int = 4) -> PostgresStore:
        import asyncpg

        pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, timeout=10)
        return cls(pool)

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        async with self.pool.acquire() as connection:
            return [tuple(r) for r in await connection.fetch(_numbered(sql), *args)]

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Writer]:
        async with self.pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                "SELECT size, frontier, checkpoint_size, checkpoint_at_us FROM audit_head "
                "WHERE id = 1 FOR UPDATE"
            )
            if row is None:
                raise RuntimeError(NOT_MIGRATED)
            head = Head(int(row[0]), bytes(row[1]), int(row[2]), int(row[3]))
            yield _PgWriter(connection, head)

    async def close(self) -> None:
        await self.pool.close()


# --- SQLite -------------------------------------------------------------------------------


class _SqliteWriter(Writer):
    def __init__(self, connection: aiosqlite.Connection, head: Head) -> None:
        self.connection = connection
        self.head = head

    async def insert_entries(self, rows: Sequence[tuple[Any, ...]]) -> None:
        marks = ",".join("?" * len(ENTRY_COLUMNS))
        await self.connection.executemany(
            f"INSERT INTO audit_entry ({','.join(ENTRY_COLUMNS)}) VALUES ({marks})", rows  # noqa: S608
        )

    async def insert_nodes(self, rows: Sequence[tuple[int, bytes]]) -> None:
        await self.connection.executemany("INSERT INTO audit_node (node_key, hash) VALUES (?, ?)", rows)

    async def execute(self, sql: str, *args: Any) -> None:
        await self.connection.execute(sql, args)


class SqliteStore(LogStore):
    """One connection writes (BEGIN IMMEDIATE takes the database write lock), one reads."""

    dialect = "sqlite"

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.writer = writer
        self.reader = reader

    @classmethod
    async def open(cls, url: str) -> SqliteStore:
        import aiosqlite

        path = str(sqlite_path(url))
        connections = []
        for _ in range(2):
            connection = await aiosqlite.connect(path, isolation_level=None, timeout=30)
            await connection.execute("PRAGMA busy_timeout = 30000")
            await connection.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a process crash loses nothing committed; a power cut may lose
            # the last transactions, which the witness then sees as a rollback.
            await connection.execute("PRAGMA synchronous = NORMAL")
            connections.append(connection)
        return cls(*connections)

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        async with self.reader.execute(sql, args) as cursor:
            return [tuple(r) for r in await cursor.fetchall()]

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Writer]:
        await self.writer.execute("BEGIN IMMEDIATE")
        try:
            async with self.writer.execute(
                "SELECT size, frontier, checkpoint_size, checkpoint_at_us FROM audit_head WHERE id = 1"
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise RuntimeError(NOT_MIGRATED)
            yield _SqliteWriter(self.writer, Head(int(row[0]), bytes(row[1]), int(row[2]), int(row[3])))
        except BaseException:
            await self.writer.execute("ROLLBACK")
            raise
        await self.writer.execute("COMMIT")

    async def close(self) -> None:
        await self.writer.close()
        await self.reader.close()


async def open_store(url: str) -> LogStore:
    if url.startswith(("postgresql:", "postgres:")):
        return await PostgresStore.open(url)
    if url.startswith("sqlite:"):
        return await SqliteStore.open(url)
    raise ValueError("the access log needs a postgresql:// or sqlite:// database URL")
