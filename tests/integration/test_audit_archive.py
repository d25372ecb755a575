"""Archive segments (PCI DSS 10.5.1) against real PostgreSQL and a real witness process: sealed
segments verify offline (in-process and with `colo audit verify --archive`), an edited segment is
caught at its entry, pruning deletes only what is sealed, and an archived entry pruned from the
database is still proven by the log against today's checkpoint."""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from audit import merkle
from audit.archive import seal, sealed_below, segments, verify_archive
from audit.cosignature import WitnessSigner
from audit.encoding import EntryDraft, now_us
from audit.note import verify_checkpoint
from audit.proofs import inclusion_proof
from audit.retention import prune
from audit.sequencer import Sequencer
from audit.store import LogStore, PostgresStore
from audit.tiles import TileReader, TileRef, unpack_entries
from audit.verify import verify_database
from audit.witnessing import Cosigner, WitnessEndpoint
from colo.crypto import ed25519_from_seed
from colo.errors import NotFound
from tests import audit_support as support
from tests.integration.test_witness_cosigning import WitnessProcess, start_witness, stop
from tests.servers import COLO

DAY_US = 86_400 * 1_000_000
SEGMENT = 256


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[WitnessProcess]:
    started = start_witness(tmp_path / "w", "archive-witness.test")
    yield started
    stop(started)


@pytest_asyncio.fixture
async def store() -> AsyncIterator[LogStore]:
    name = f"colo_archive_{uuid.uuid4().hex[:8]}"
    support.migrate_in_subprocess(f"{support.PG_SERVER}/{name}")
    opened = await PostgresStore.open(f"{support.PG_SERVER}/{name}")
    yield opened
    await opened.close()
    await support.drop_database(name)


async def append(store: LogStore, witness: WitnessProcess, count: int, *, days_ago: int, tag: str) -> None:
    cosigner = Cosigner(store=store, witnesses=[WitnessEndpoint(witness.url, witness.key)], timeout=3)
    sequencer = Sequencer(store=store, signer=support.signer(), checkpoint_interval=0, cosigner=cosigner)
    await sequencer.start()
    at = now_us() - days_ago * DAY_US
    for n in range(count):
        sequencer.submit(EntryDraft(time_us=at + n, kind="api", action=f"GET /v1/test/{tag}", outcome="allowed",
                                    status=200, request_id=f"{tag}-{n}", objects={"n": str(n)}))
        if n % 100 == 99:
            await sequencer.flush()
    await sequencer.stop()


def archived_entry(directory: Path, index: int) -> bytes:
    with tarfile.open(segments(directory)[index // SEGMENT].path) as tar:
        member = tar.extractfile(TileRef(None, index // 256).path())
        assert member is not None
        return unpack_entries(member.read())[index % 256]


def verify_cli(archive: Path, vkey: str, witness_vkey: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLO, "audit", "verify", "--archive", str(archive), "--vkey", vkey,
                           "--witness", witness_vkey], capture_output=True, text=True, timeout=120, check=False)


def rewrite(path: Path, name: str, change: bytes, into: bytes) -> None:
    with tarfile.open(path) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    files[name] = files[name].replace(change, into, 1)
    path.chmod(0o644)
    with tarfile.open(path, "w") as tar:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


async def test_sealed_segments_verify_offline_and_pruning_keeps_archived_entries_provable(
    store: LogStore, witness: WitnessProcess, tmp_path: Path,
) -> None:
    archive, keys = tmp_path / "archive", support.keys()
    await append(store, witness, 600, days_ago=400, tag="old")
    sealed = await seal(store=store, directory=archive, segment_entries=SEGMENT, required=1)
    assert [(s.start, s.end) for s in sealed] == [(0, 256), (256, 512)]
    assert await seal(store=store, directory=archive, segment_entries=SEGMENT, required=1) == []  # never twice
    assert sealed_below(archive) == 512

    report = verify_archive(archive, keys=keys, origin=support.ORIGIN, witnesses=[witness.key], required=1)
    assert report.ok and report.entries == 512 and report.checkpoints == 2, report.summary()
    cli = verify_cli(archive, keys[0].vkey, witness.key.vkey)
    assert cli.returncode == 0 and "OK: 512 entries" in cli.stdout, cli.stdout + cli.stderr

    # Pruning a year on: only what is sealed goes, though 600 entries are past the retention period.
    removed = await prune(store=store, retention_days=365, sealed_below=sealed_below(archive))
    assert removed == 512
    assert (await store.fetch("SELECT min(idx), count(*) FROM audit_entry"))[0] == (512, 88)
    with pytest.raises(NotFound):
        await TileReader(store).read(TileRef(None, 0), tree_size=600)

    # Today: the log grew; an archived, pruned entry is proven against today's checkpoint.
    await append(store, witness, 50, days_ago=0, tag="today")
    proof = await inclusion_proof(store=store, index=100)
    assert proof.checkpoint is not None and proof.tree_size == 650
    today = verify_checkpoint(proof.checkpoint, keys, origin=support.ORIGIN)
    entry = archived_entry(archive, 100)
    assert b'"old-100"' in entry
    assert merkle.verify_inclusion(100, today.size, merkle.leaf_hash(entry), proof.hashes, today.root)
    forged = entry.replace(b'"allowed"', b'"denied"')
    assert not merkle.verify_inclusion(100, today.size, merkle.leaf_hash(forged), proof.hashes, today.root)
    whole = await verify_database(store=store, keys=keys, origin=support.ORIGIN)
    assert whole.ok and whole.entries == 650, whole.summary()


async def test_an_edited_segment_or_a_missing_one_is_named(
    store: LogStore, witness: WitnessProcess, tmp_path: Path,
) -> None:
    archive, keys = tmp_path / "archive", support.keys()
    await append(store, witness, 800, days_ago=400, tag="seg")
    await seal(store=store, directory=archive, segment_entries=SEGMENT)
    first, second, third = segments(archive)
    rewrite(second.path, "tile/entries/001", b'"seg-258"', b'"seg-999"')
    edited = verify_archive(archive, keys=keys, origin=support.ORIGIN, witnesses=[], required=0)
    assert (edited.ok, edited.first_bad_index) == (False, 258), edited.summary()
    second.path.unlink()
    missing = verify_archive(archive, keys=keys, origin=support.ORIGIN, witnesses=[], required=0)
    assert (missing.ok, missing.first_bad_index) == (False, 256), missing.summary()
    assert sealed_below(archive) == 256  # pruning would stop before the gap
    stranger = WitnessSigner("stranger.test", ed25519_from_seed(b"\x05" * 32)).key
    unwitnessed = verify_archive(archive, keys=keys, origin=support.ORIGIN, witnesses=[stranger], required=1)
    assert (unwitnessed.ok, unwitnessed.first_bad_index) == (False, 0), unwitnessed.summary()
    assert "0 valid witness cosignature(s) of the 1 required" in (unwitnessed.problem or "")
    assert first.path.exists() and third.path.exists()
