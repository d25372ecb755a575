"""The tamper suite, against real PostgreSQL: a database admin bypasses the triggers (as a
superuser, `session_replication_role = replica`) and rewrites the log in every way the issue
lists. Each change is detected and the first bad index is named.

Every test works on its own copy of a base log of 40 entries (checkpoint after every batch of 7),
which a verifier has already checked once and so trusts, keeping its mirror of leaf hashes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from audit.store import LogStore, PostgresStore
from audit.trust import TrustedState
from audit.verify import VerifyReport, verify_database
from audit.witness import witness_once
from tests import audit_support as support

BASE_SIZE = 40


@pytest_asyncio.fixture(scope="module")
async def base_log() -> AsyncIterator[str]:
    """Name of a migrated database holding 40 signed entries; never modified, only copied."""
    name = f"colo_audit_base_{support.uuid.uuid4().hex[:8]}"
    support.migrate_in_subprocess(f"{support.PG_SERVER}/{name}")
    store = await PostgresStore.open(f"{support.PG_SERVER}/{name}")
    await support.append(store, BASE_SIZE, tag="base")
    await store.close()
    yield name
    await support.drop_database(name)


@pytest_asyncio.fixture
async def log_copy(base_log: str) -> AsyncIterator[str]:
    name = await support.copy_database(base_log)
    yield f"{support.PG_SERVER}/{name}"
    await support.drop_database(name)


async def run_verify(url: str, state_dir: Path | None) -> VerifyReport:
    store = await PostgresStore.open(url)
    try:
        trusted = TrustedState.load(state_dir, support.keys()) if state_dir else None
        return await verify_database(store=store, keys=support.keys(), origin=support.ORIGIN, trusted=trusted)
    finally:
        await store.close()


@pytest_asyncio.fixture
async def trusted_dir(log_copy: str, tmp_path: Path) -> Path:
    """A verifier that has checked the intact log once: it now trusts size 40."""
    report = await run_verify(log_copy, tmp_path / "verifier")
    assert report.ok, report.summary()
    assert (report.trusted_before, report.trusted_after, report.entries) == (0, BASE_SIZE, BASE_SIZE)
    return tmp_path / "verifier"


async def test_an_intact_log_that_grew_verifies_and_moves_the_trusted_checkpoint(
    log_copy: str, trusted_dir: Path,
) -> None:
    store = await PostgresStore.open(log_copy)
    await support.append(store, 9, tag="more")
    await store.close()
    report = await run_verify(log_copy, trusted_dir)
    assert report.ok, report.summary()
    assert (report.trusted_before, report.trusted_after, report.entries) == (BASE_SIZE, 49, 49)
    assert report.checkpoints >= 7


async def test_updated_row_is_named(log_copy: str, trusted_dir: Path) -> None:
    await support.tamper(log_copy, "UPDATE audit_entry SET body = replace(body, '\"allowed\"', '\"denied\"'), "
                                   "outcome = 'denied' WHERE idx = 17")
    report = await run_verify(log_copy, trusted_dir)
    assert (report.ok, report.first_bad_index) == (False, 17), report.summary()
    without_mirror = await run_verify(log_copy, None)
    assert (without_mirror.ok, without_mirror.first_bad_index) == (False, 17), without_mirror.summary()


async def test_row_updated_together_with_its_tree_nodes_is_still_named(log_copy: str, trusted_dir: Path) -> None:
    """The thorough admin also rewrites the stored leaf hash: the verifier's mirror still knows."""
    store = await PostgresStore.open(log_copy)
    body = (await store.fetch("SELECT body FROM audit_entry WHERE idx = 17"))[0][0]
    await store.close()
    forged = body.replace('"allowed"', '"denied"')
    from audit.merkle import leaf_hash
    await support.tamper(log_copy,
                         ("UPDATE audit_entry SET body = $1 WHERE idx = 17", [forged]),
                         ("UPDATE audit_node SET hash = $1 WHERE node_key = 17", [leaf_hash(forged.encode())]))
    report = await run_verify(log_copy, trusted_dir)
    assert (report.ok, report.first_bad_index) == (False, 17), report.summary()
    # Without a mirror the signed roots still catch it, between the last proven checkpoint and the
    # first that disagrees; no index is named (naming the range's start used to blame an intact entry).
    blind = await run_verify(log_copy, None)
    assert not blind.ok and blind.first_bad_index is None, blind.summary()
    assert blind.suspect_range is not None and blind.suspect_range[0] <= 17 < blind.suspect_range[1]
    assert "--state DIR" in (blind.problem or "")


async def test_search_column_edited_to_hide_an_entry_is_named(log_copy: str, trusted_dir: Path) -> None:
    """The bytes and the tree are intact, but searches by tenant would no longer find entry 8."""
    await support.tamper(log_copy, "UPDATE audit_entry SET actor_key_id = 'somebody-else' WHERE idx = 8")
    report = await run_verify(log_copy, trusted_dir)
    assert (report.ok, report.first_bad_index) == (False, 8), report.summary()
    assert "search columns" in (report.problem or "")


async def test_deleted_row_is_named(log_copy: str, trusted_dir: Path) -> None:
    await support.tamper(log_copy, "DELETE FROM audit_entry WHERE idx = 23")
    report = await run_verify(log_copy, trusted_dir)
    assert (report.ok, report.first_bad_index) == (False, 23), report.summary()
    assert "missing" in (report.problem or "")


async def test_row_inserted_in_the_middle_is_named(log_copy: str, trusted_dir: Path) -> None:
    store = await PostgresStore.open(log_copy)
    rows = await store.fetch(f"SELECT {', '.join(COLUMNS)} FROM audit_entry WHERE idx >= 12 ORDER BY idx")
    await store.close()
    forged = list(rows[0])
    forged[-1] = forged[-1].replace('"base-12"', '"planted"')
    shifted = [[row[0] + 1, *row[1:]] for row in rows]
    marks = ", ".join(f"${i + 1}" for i in range(len(COLUMNS)))
    insert = f"INSERT INTO audit_entry ({', '.join(COLUMNS)}) VALUES ({marks})"
    await support.tamper(log_copy, "DELETE FROM audit_entry WHERE idx >= 12",
                         (insert, forged), *[(insert, row) for row in shifted])
    report = await run_verify(log_copy, trusted_dir)
    assert (report.ok, report.first_bad_index) == (False, 12), report.summary()


async def test_truncated_tail_is_named(log_copy: str, trusted_dir: Path) -> None:
    """Entries, their nodes and the checkpoints over them all removed: only the verifier remembers."""
    await support.tamper(
        log_copy, "DELETE FROM audit_entry WHERE idx >= 30",
        # every node whose subtree reaches index 30 or beyond: (index + 1) · 2^level > 30
        f"DELETE FROM audit_node WHERE ((node_key % {1 << 48}) + 1) * power(2, node_key / {1 << 48})::bigint > 30",
        "DELETE FROM audit_checkpoint WHERE tree_size > 30",
    )
    report = await run_verify(log_copy, trusted_dir)
    assert (report.ok, report.first_bad_index) == (False, 30), report.summary()
    assert "truncated" in (report.problem or "")


async def test_two_reordered_rows_are_named(log_copy: str, trusted_dir: Path) -> None:
    await support.tamper(
        log_copy,
        "UPDATE audit_entry SET idx = -5 WHERE idx = 5",
        "UPDATE audit_entry SET idx = 5 WHERE idx = 9",
        "UPDATE audit_entry SET idx = 9 WHERE idx = -5",
    )
    report = await run_verify(log_copy, trusted_dir)
    assert (report.ok, report.first_bad_index) == (False, 5), report.summary()


async def test_rollback_to_an_old_snapshot_is_named(base_log: str, tmp_path: Path) -> None:
    """The admin restores a backup taken at size 40 after the log had grown to 55 and was
    verified there; the restored log then takes new, different entries."""
    live = await support.copy_database(base_log)
    snapshot = await support.copy_database(base_log)  # the backup, as of size 40
    try:
        store = await PostgresStore.open(f"{support.PG_SERVER}/{live}")
        await support.append(store, 15, tag="after-backup")
        await store.close()
        state = tmp_path / "verifier"
        assert (await run_verify(f"{support.PG_SERVER}/{live}", state)).trusted_after == 55

        restored = f"{support.PG_SERVER}/{snapshot}"
        shrunk = await run_verify(restored, state)
        assert (shrunk.ok, shrunk.first_bad_index) == (False, BASE_SIZE), shrunk.summary()

        store = await PostgresStore.open(restored)
        await support.append(store, 20, tag="rewritten")  # size 60 now, past the trusted 55
        await store.close()
        regrown = await run_verify(restored, state)
        assert (regrown.ok, regrown.first_bad_index) == (False, BASE_SIZE), regrown.summary()
    finally:
        await support.drop_database(live)
        await support.drop_database(snapshot)


async def test_two_verifiers_served_different_trees_are_caught_by_the_witness(
    base_log: str, tmp_path: Path,
) -> None:
    """A split view: the operator (who holds the key) serves tree A to one verifier and tree B
    to another. Each verifier alone is satisfied; the shared witness raises the alarm."""
    view_a = await support.copy_database(base_log)
    view_b = await support.copy_database(base_log)
    try:
        url_a, url_b = f"{support.PG_SERVER}/{view_a}", f"{support.PG_SERVER}/{view_b}"
        for url, tag in ((url_a, "view-a"), (url_b, "view-b")):
            store = await PostgresStore.open(url)
            await support.append(store, 10, tag=tag)
            await store.close()
        assert (await run_verify(url_a, tmp_path / "verifier-1")).ok
        assert (await run_verify(url_b, tmp_path / "verifier-2")).ok

        witness_state = TrustedState.load(tmp_path / "witness", support.keys())
        seen_a = await witness(url_a, witness_state)
        assert not seen_a.alarm and seen_a.size == 50
        seen_b = await witness(url_b, witness_state)
        assert seen_b.alarm, seen_b.message
        assert seen_b.first_bad_index == BASE_SIZE
        assert f"entry {BASE_SIZE}" in seen_b.message

        # Verifiers that compare notes (one's trusted state against the other's view) also see it.
        crossed = await run_verify(url_b, tmp_path / "verifier-1")
        assert (crossed.ok, crossed.first_bad_index) == (False, BASE_SIZE), crossed.summary()
    finally:
        await support.drop_database(view_a)
        await support.drop_database(view_b)


async def test_witness_alarms_when_the_log_shrinks_and_accepts_honest_growth(
    log_copy: str, tmp_path: Path,
) -> None:
    state = TrustedState.load(tmp_path / "witness", support.keys())
    assert (await witness(log_copy, state)).size == BASE_SIZE
    store = await PostgresStore.open(log_copy)
    await support.append(store, 5, tag="grow")
    await store.close()
    grown = await witness(log_copy, state)
    assert (grown.alarm, grown.size) == (False, 45)
    assert (tmp_path / "witness" / "history").read_text().count("\u2014 ") == 2  # two notes witnessed
    await support.tamper(log_copy, "DELETE FROM audit_checkpoint WHERE tree_size > 35")
    shrunk = await witness(log_copy, TrustedState.load(tmp_path / "witness", support.keys()))
    assert shrunk.alarm and shrunk.first_bad_index == 35, shrunk.message


async def test_forged_checkpoint_signature_is_refused(log_copy: str, trusted_dir: Path) -> None:
    await support.tamper(log_copy, "UPDATE audit_checkpoint SET note = replace(note, '\n14\n', '\n15\n') "
                                   "WHERE tree_size = 14")
    report = await run_verify(log_copy, trusted_dir)
    assert not report.ok
    assert "tree size 14" in (report.problem or ""), report.summary()


async def witness(url: str, state: TrustedState):  # type: ignore[no-untyped-def]
    store: LogStore = await PostgresStore.open(url)
    try:
        return await witness_once(store=store, state=state, keys=support.keys(), origin=support.ORIGIN)
    finally:
        await store.close()


COLUMNS = ("idx", "time_us", "kind", "request_id", "actor_key_id", "actor_person_id", "tenant_id", "role",
           "action", "object_ids", "outcome", "status", "source", "body")

pytestmark = pytest.mark.timeout(300)
