"""Append-only storage on real PostgreSQL and real SQLite: triggers refuse UPDATE, DELETE and
TRUNCATE from the application; retention deletes only what is older than the floor; the
sequencer's checkpoints cover every entry within a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import asyncpg
import pytest
import pytest_asyncio

from audit.encoding import EntryDraft
from audit.retention import prune
from audit.sequencer import Sequencer, now_us
from audit.store import LogStore, open_store
from audit.verify import verify_database
from colo.errors import ValidationFailed
from tests import audit_support as support

DAY_US = 86_400 * 1_000_000


@pytest_asyncio.fixture(scope="module")
async def pg_url() -> AsyncIterator[str]:
    name = f"colo_audit_store_{support.uuid.uuid4().hex[:8]}"
    url = f"{support.PG_SERVER}/{name}"
    support.migrate_in_subprocess(url)
    yield url
    await support.drop_database(name)


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('audit-sqlite') / 'colo.sqlite3'}"
    support.migrate_in_subprocess(url)
    return url


@pytest_asyncio.fixture(params=["postgres", "sqlite"])
async def store(request: pytest.FixtureRequest, pg_url: str, sqlite_url: str) -> AsyncIterator[LogStore]:
    opened = await open_store(pg_url if request.param == "postgres" else sqlite_url)
    yield opened
    await opened.close()


async def raw_execute(store: LogStore, sql: str) -> None:
    """Run one statement the way any application code could: no superuser tricks."""
    if store.dialect == "postgres":
        async with store.pool.acquire() as connection:  # type: ignore[attr-defined]
            await connection.execute(sql)
    else:
        await store.writer.execute(sql)  # type: ignore[attr-defined]


REFUSALS = (asyncpg.exceptions.InsufficientPrivilegeError, aiosqlite.Error)


async def test_update_and_delete_are_refused_on_every_log_table(store: LogStore) -> None:
    await support.append(store, 3)
    before = await store.fetch("SELECT count(*) FROM audit_entry")
    for statement in (
        "UPDATE audit_entry SET outcome = 'denied' WHERE idx = 0",
        "DELETE FROM audit_entry WHERE idx = 1",
        "UPDATE audit_node SET hash = hash WHERE node_key = 0",
        "DELETE FROM audit_node",
        "UPDATE audit_checkpoint SET note = '' ",
        "DELETE FROM audit_checkpoint",
    ):
        with pytest.raises(REFUSALS, match="append-only"):
            await raw_execute(store, statement)
    assert await store.fetch("SELECT count(*) FROM audit_entry") == before


async def test_truncate_is_refused_on_postgres(pg_url: str) -> None:
    connection = await asyncpg.connect(pg_url)
    try:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="TRUNCATE"):
            await connection.execute("TRUNCATE audit_entry")
    finally:
        await connection.close()


async def test_retention_prunes_only_entries_older_than_the_period_and_the_tree_still_verifies(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'retention.sqlite3'}"
    support.migrate_in_subprocess(url)
    store = await open_store(url)
    try:
        sequencer = Sequencer(store=store, signer=support.signer(), checkpoint_interval=0)
        await sequencer.start()
        old = now_us() - 500 * DAY_US
        for number, age in enumerate((old, old + 1, now_us() - 200 * DAY_US, now_us())):
            await sequencer.append(EntryDraft(time_us=age, kind="api", action="GET /v1/x", outcome="allowed",
                                              request_id=f"r{number}"))
        await sequencer.stop()
        with pytest.raises(ValidationFailed) as refused:
            await prune(store=store, retention_days=30)
        assert refused.value.field == "retention_days"
        assert await prune(store=store, retention_days=400) == 2
        assert [r[0] for r in await store.fetch("SELECT idx FROM audit_entry ORDER BY idx")] == [2, 3]
        with pytest.raises(aiosqlite.Error, match="append-only"):
            await raw_execute(store, "DELETE FROM audit_entry WHERE idx = 2")  # 200 days old: too young
        report = await verify_database(store=store, keys=support.keys(), origin=support.ORIGIN)
        assert report.ok, report.summary()
        assert report.entries == 4 and "pruned" in report.notes[0]
    finally:
        await store.close()


async def test_every_entry_is_under_a_signed_checkpoint_within_a_second(store: LogStore) -> None:
    sequencer = Sequencer(store=store, signer=support.signer())
    await sequencer.start()
    try:
        start_size = (await store.head()).size
        for number in range(50):
            sequencer.submit(support.draft(number, "latency"))
            await asyncio.sleep(0.01)
        submitted_at = time.monotonic()
        deadline = submitted_at + 1.0
        while time.monotonic() < deadline:
            latest = await store.latest_checkpoint()
            if latest is not None and latest.tree_size >= start_size + 50:
                break
            await asyncio.sleep(0.02)
        latest = await store.latest_checkpoint()
        assert latest is not None and latest.tree_size >= start_size + 50
        assert time.monotonic() - submitted_at < 1.0
    finally:
        await sequencer.stop()


async def test_hostile_values_cannot_poison_a_batch(store: LogStore) -> None:
    sequencer = Sequencer(store=store, signer=support.signer(), checkpoint_interval=0)
    await sequencer.start()
    hostile = EntryDraft(time_us=now_us(), kind="api", action="GET /v1/x/{id}" + "x" * 500, outcome="invalid",
                         status=404, request_id="r" * 300, source="9" * 1000, objects={"id": "a\x00b|c" * 200},
                         user_agent="\x00" * 10, detail="d" * 5000)
    index = await sequencer.append(hostile)
    await sequencer.stop()
    rows = await store.fetch("SELECT source, object_ids, body FROM audit_entry WHERE idx = ?", index)
    source, object_ids, body = rows[0]
    assert len(source) == 256 and "\x00" not in object_ids
    assert "\\u0000" in body  # the entry bytes keep the value, escaped
    report = await verify_database(store=store, keys=support.keys(), origin=support.ORIGIN)
    assert report.ok, report.summary()


async def test_stopping_without_a_database_gives_up_instead_of_hanging(pg_url: str) -> None:
    store = await open_store(pg_url)
    sequencer = Sequencer(store=store, signer=support.signer(), max_delay=0.5)
    await sequencer.start()
    waiting = asyncio.create_task(sequencer.append(support.draft(1, "doomed")))
    await asyncio.sleep(0.05)
    await store.close()  # the database goes away before the batch is written
    await asyncio.wait_for(sequencer.stop(), timeout=20)
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises reaches the waiter
        await waiting
