"""Cosigning witnesses (C2SP tlog-witness) as separate `colo audit witness serve` processes on
loopback, against a log in real PostgreSQL: checkpoints come back cosigned, a witness that is down
costs its cosignature and nothing else, and a log forked behind Colo's back (rewritten in the
database as the tamper suite does, then signed on by Colo's sequencer, which cannot tell) is
refused by both witnesses, alarms them, and fails a verifier that requires a cosignature.

Cosignatures are checked here with `cryptography` directly from the cosignature/v1 format too.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.cosignature import WitnessKey, require_cosignatures
from audit.merkle import CompactRange, leaf_hash, node_key
from audit.note import Checkpoint, NoteError, sign_checkpoint
from audit.sequencer import Sequencer
from audit.store import LogStore, PostgresStore
from audit.witnessing import Cosigner, WitnessEndpoint, checkpoint_at, cosigned_note, published_checkpoint
from colo.crypto import ed25519_from_seed
from tests import audit_support as support
from tests.servers import COLO, free_port

EXIT_ALARM = 3


@dataclass
class WitnessProcess:
    name: str
    key: WitnessKey
    state: Path
    port: int
    process: subprocess.Popen[bytes]
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.output.read_text(errors="replace")


def start_witness(directory: Path, name: str, *extra: str) -> WitnessProcess:
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "witness.key"
    made = subprocess.run([COLO, "audit", "witness", "keygen", "--key", str(key_file), "--name", name],
                          capture_output=True, text=True, timeout=60, check=True)
    key = WitnessKey.parse(made.stdout.strip())
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    port, output = free_port(), directory / "output.log"
    with output.open("ab") as sink:
        process = subprocess.Popen(
            [COLO, "audit", "witness", "serve", "--state", str(directory / "state"), "--key", str(key_file),
             "--listen", f"127.0.0.1:{port}", "--vkey", support.keys()[0].vkey, *extra],
            stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    witness = WitnessProcess(name, key, directory / "state", port, process, output)
    deadline = time.monotonic() + 60
    while "listening on" not in witness.log():
        assert process.poll() is None and time.monotonic() < deadline, witness.log()
        time.sleep(0.1)
    return witness


def stop(witness: WitnessProcess) -> None:
    if witness.process.poll() is None:
        witness.process.kill()
        witness.process.wait(10)


def cosigned_by(note: str, witness: WitnessKey) -> bool:
    """cosignature/v1 checked from the spec: key id over 0x04, timestamp, Ed25519 over the message."""
    name, key_hash, key_b64 = witness.vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    assert raw[0] == 0x04 and hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_hash
    body, _, signatures = note.partition("\n\n")
    for line in signatures.splitlines():
        _dash, signer, blob_b64 = line.split(" ")
        blob = base64.b64decode(blob_b64)
        if signer == name and blob[:4].hex() == key_hash and len(blob) == 76:
            timestamp = int.from_bytes(blob[4:12], "big")
            message = f"cosignature/v1\ntime {timestamp}\n{body}\n".encode()
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[12:], message)
            return True
    return False


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[list[WitnessProcess]]:
    started = [start_witness(tmp_path / "w1", "witness-one.test", "--exit-on-alarm"),
               start_witness(tmp_path / "w2", "witness-two.test")]
    yield started
    for witness in started:
        stop(witness)


@pytest_asyncio.fixture
async def log_url() -> AsyncIterator[str]:
    name = f"colo_witness_{uuid.uuid4().hex[:8]}"
    support.migrate_in_subprocess(f"{support.PG_SERVER}/{name}")
    yield f"{support.PG_SERVER}/{name}"
    await support.drop_database(name)


async def append(store: LogStore, witnesses: list[WitnessProcess], count: int, tag: str) -> None:
    """Append with a sequencer that asks the witnesses, a checkpoint after every batch of 7."""
    cosigner = Cosigner(store=store, witnesses=[WitnessEndpoint(w.url, w.key) for w in witnesses], timeout=3)
    sequencer = Sequencer(store=store, signer=support.signer(), checkpoint_interval=0, cosigner=cosigner)
    await sequencer.start()
    for number in range(count):
        sequencer.submit(support.draft(number, tag))
        if number % 7 == 6:
            await sequencer.flush()
    await sequencer.stop()  # signs the last checkpoint and waits for its cosignatures


def verify_cli(url: str, *witness_keys: WitnessKey, required: int) -> subprocess.CompletedProcess[str]:
    args = [COLO, "audit", "verify", "--database-url", url, "--vkey", support.keys()[0].vkey]
    for key in witness_keys:
        args += ["--witness", key.vkey]
    return subprocess.run([*args, "--witnesses-required", str(required)], capture_output=True, text=True,
                          timeout=120, check=False)


async def test_two_witness_processes_cosign_and_one_down_costs_only_its_cosignature(
    log_url: str, witnesses: list[WitnessProcess],
) -> None:
    keys = [w.key for w in witnesses]
    store = await PostgresStore.open(log_url)
    try:
        await append(store, witnesses, 40, "cosigned")
        latest = await store.latest_checkpoint()
        assert latest is not None and latest.tree_size == 40
        note = await cosigned_note(store, latest)
        assert all(cosigned_by(note, key) for key in keys), note
        assert require_cosignatures(note, keys, 2) == ["witness-one.test", "witness-two.test"]
        assert await published_checkpoint(store, required=2) == note

        stop(witnesses[1])  # down: appends go on, the checkpoint goes out with one cosignature
        await append(store, witnesses, 10, "one-down")
        latest = await store.latest_checkpoint()
        assert latest is not None and latest.tree_size == 50
        note = await cosigned_note(store, latest)
        assert cosigned_by(note, keys[0]) and not cosigned_by(note, keys[1])
        assert await published_checkpoint(store, required=1) == note
        held_back = await published_checkpoint(store, required=2)  # the newest with both, meanwhile
        assert held_back is not None and held_back.split("\n")[1] == "40"
    finally:
        await store.close()
    both = verify_cli(log_url, *keys, required=2)
    assert both.returncode == 0, both.stdout + both.stderr
    assert "checkpoint 40 is cosigned by witness-one.test, witness-two.test" in both.stdout
    assert "entries 40..49 are signed by the log but not yet cosigned" in both.stdout


async def test_the_protocol_answers_of_a_witness(log_url: str, witnesses: list[WitnessProcess]) -> None:
    store = await PostgresStore.open(log_url)
    try:
        await append(store, witnesses[1:], 14, "protocol")
        seven, fourteen = await checkpoint_at(store, 7), await checkpoint_at(store, 14)
    finally:
        await store.close()
    assert seven is not None and fourteen is not None
    url = f"{witnesses[1].url}/add-checkpoint"
    async with httpx.AsyncClient() as client:
        await asked(client, url, seven.note, fourteen.note, witnesses[1])


async def asked(client: httpx.AsyncClient, url: str, seven: str, fourteen: str, witness: WitnessProcess) -> None:
    stale = await client.post(url, content=f"old 7\n\n{fourteen}".encode())
    assert (stale.status_code, stale.headers["content-type"], stale.text) == (409, "text/x.tlog.size", "14\n")
    stranger = sign_checkpoint(Checkpoint("other.test/log", 1, b"\x01" * 32), name="other.test/log",
                               key=ed25519_from_seed(b"\x02" * 32))
    assert (await client.post(url, content=f"old 0\n\n{stranger}".encode())).status_code == 404
    forged = sign_checkpoint(Checkpoint(support.ORIGIN, 15, b"\x01" * 32), name=support.ORIGIN,
                             key=ed25519_from_seed(b"\x03" * 32))
    assert (await client.post(url, content=f"old 14\n\n{forged}".encode())).status_code == 403
    assert (await client.post(url, content=b"old x\n\nnonsense")).status_code == 400
    rollback = await client.post(url, content=f"old 14\n\n{seven}".encode())
    assert rollback.status_code == 400 and "rollback" in rollback.text
    assert "rollback" in (witness.state / "alarms").read_text()
    again = await client.post(url, content=f"old 14\n\n{fourteen}".encode())  # the genuine one: still fine
    assert again.status_code == 200 and cosigned_by(fourteen + again.text, witness.key)


async def fork_at(url: str, index: int) -> None:
    """Rewrite entry `index` and recompute the whole tree and head, as a thorough database admin."""
    store = await PostgresStore.open(url)
    rows = await store.fetch("SELECT idx, body FROM audit_entry ORDER BY idx")
    await store.close()
    bodies = [body.replace('"allowed"', '"denied"') if idx == index else body for idx, body in rows]
    tree, nodes = CompactRange(), []
    for body in bodies:
        nodes += [(node_key(level, i), h) for level, i, h in tree.append(leaf_hash(body.encode()))]
    await support.tamper(
        url, ("UPDATE audit_entry SET body = $1, outcome = 'denied' WHERE idx = $2", [bodies[index], index]),
        "DELETE FROM audit_node",
        *[("INSERT INTO audit_node (node_key, hash) VALUES ($1, $2)", [k, h]) for k, h in nodes],
        ("UPDATE audit_head SET frontier = $1 WHERE id = 1", [tree.to_bytes()]),
    )


async def test_a_forked_log_is_refused_by_both_witnesses_and_fails_a_verifier_that_requires_them(
    log_url: str, witnesses: list[WitnessProcess],
) -> None:
    keys = [w.key for w in witnesses]
    store = await PostgresStore.open(log_url)
    await append(store, witnesses, 40, "before")
    await store.close()
    await fork_at(log_url, 17)

    store = await PostgresStore.open(log_url)
    try:
        await append(store, witnesses, 5, "after")  # Colo signs the forked tree, unaware
        forked = await store.latest_checkpoint()
        assert forked is not None and forked.tree_size == 45
        note = await cosigned_note(store, forked)
        assert not any(cosigned_by(note, key) for key in keys)
        with pytest.raises(NoteError, match="0 valid witness cosignature"):
            require_cosignatures(note, keys, 1)
        # the witness that exits on an alarm did; the other keeps refusing the fork when asked again
        assert witnesses[0].process.wait(20) == EXIT_ALARM
        assert await Cosigner(store=store, witnesses=[WitnessEndpoint(witnesses[1].url, keys[1])]).cosign(45) == []
        assert witnesses[1].process.poll() is None
    finally:
        await store.close()
    for witness in witnesses:
        alarms = (witness.state / "alarms").read_text()
        assert "does not extend the cosigned tree of size 40" in alarms and "\n45\n" in alarms
    refused = verify_cli(log_url, keys[1], required=1)
    assert refused.returncode == 1, refused.stdout + refused.stderr
