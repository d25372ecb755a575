"""The witness as the access log's integrity panel reads it (audit.witness.compare_with_witness,
web.access_log_view.witness_panel), against real PostgreSQL and a real witness run: the log that
grew past the witnessed checkpoint extends it (so many entries behind); a log with another
history — same size, or grown from another tree — is named inconsistent; a state signed under
other keys is unreadable; nothing configured, or nothing recorded yet, says so. Reading never
creates or changes the witness's state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio

from audit.note import verifier_key
from audit.sequencer import Sequencer
from audit.service import AccessLog
from audit.store import PostgresStore
from audit.trust import TrustedState
from audit.witness import witness_once
from colo.crypto import ed25519_from_seed
from tests import audit_support as support
from web.access_log_view import WitnessPanel, witness_panel


@pytest_asyncio.fixture
async def two_logs() -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two logs under the same signing key: `ours` and a `forked` one with other entries."""
    name = f"colo_witness_{support.uuid.uuid4().hex[:8]}"
    support.migrate_in_subprocess(f"{support.PG_SERVER}/{name}")
    other = await support.copy_database(name)
    ours = await PostgresStore.open(f"{support.PG_SERVER}/{name}")
    forked = await PostgresStore.open(f"{support.PG_SERVER}/{other}")
    try:
        yield ours, forked
    finally:
        await ours.close()
        await forked.close()
        await support.drop_database(name)
        await support.drop_database(other)


def access_log(store: PostgresStore, *, keys_seed: bytes = support.SEED) -> AccessLog:
    signer = support.signer()
    return AccessLog(store=store, sequencer=Sequencer(store=store, signer=signer), signer=signer,
                     keys=[("t1", verifier_key(support.ORIGIN, ed25519_from_seed(keys_seed)))], origin=support.ORIGIN)


def snapshot(directory: Path) -> dict[str, tuple[bytes, float]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime) for p in sorted(directory.iterdir())}


async def panel(store: PostgresStore, directory: str, **kwargs: bytes) -> WitnessPanel:
    return await witness_panel(access_log=access_log(store, **kwargs), directory=directory, now=datetime.now(UTC))


async def test_the_panel_reads_the_witness_and_checks_the_log_extends_it(
    two_logs: tuple[PostgresStore, PostgresStore], tmp_path: Path,
) -> None:
    ours, forked = two_logs
    state_dir = tmp_path / "witness"
    assert await panel(ours, "") == WitnessPanel(configured=False)
    nothing = await panel(ours, str(state_dir))  # configured, the witness has not run yet
    assert nothing.configured and not nothing.recorded and not nothing.unreadable
    assert not state_dir.exists()  # reading created nothing

    await support.append(ours, 10, tag="ours")
    await support.append(forked, 10, tag="fork")  # same size, other entries: another tree
    report = await witness_once(store=ours, state=TrustedState.load(state_dir, support.keys()), keys=support.keys(),
                                origin=support.ORIGIN)
    assert not report.alarm and report.size == 10, report.message
    before = snapshot(state_dir)

    current = await panel(ours, str(state_dir))
    assert (current.recorded, current.size, current.consistent, current.behind) == (True, 10, True, 0)
    assert current.recorded_at is not None and current.age_seconds < 600 and current.problem == ""

    await support.append(ours, 5, tag="ours-more")  # the log grows; the witness has not run again
    behind = await panel(ours, str(state_dir))
    assert (behind.size, behind.consistent, behind.behind) == (10, True, 5), behind

    same_size = await panel(forked, str(state_dir))
    assert same_size.consistent is False and "two different trees" in same_size.problem, same_size
    await support.append(forked, 5, tag="fork-more")
    grown = await panel(forked, str(state_dir))
    assert grown.consistent is False and "does not extend the witnessed tree of size 10" in grown.problem, grown
    assert grown.behind == 5

    stranger = await panel(ours, str(state_dir), keys_seed=bytes(32))  # the state's signature: other keys
    assert stranger.unreadable and stranger.problem, stranger

    assert snapshot(state_dir) == before  # the panel never wrote the witness's state
    again = await witness_once(store=ours, state=TrustedState.load(state_dir, support.keys()), keys=support.keys(),
                               origin=support.ORIGIN)
    assert not again.alarm and again.size == 15  # the witness itself goes on from where it was
    caught_up = await panel(ours, str(state_dir))
    assert (caught_up.size, caught_up.consistent, caught_up.behind) == (15, True, 0)
