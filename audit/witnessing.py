"""Asking witnesses to cosign checkpoints (c2sp.org/tlog-witness), and the published checkpoint.

After the sequencer commits a checkpoint it hands the size to the Cosigner, which asks every
configured witness in the background: no transaction is open while a witness is asked (the
cosignatures are inserted afterwards, in a short transaction of their own), and appends never wait
for a witness. A witness that is down, slow (COLO_AUDIT_WITNESS_TIMEOUT) or refuses is logged and
skipped: that checkpoint is published with the cosignatures it got, possibly none; the next
checkpoint asks again, with a consistency proof from the size the witness holds (a 409 names it).

The published checkpoint (`…/tlog/checkpoint`) is the log's signed note followed by its
cosignature lines: the newest checkpoint with COLO_AUDIT_WITNESSES_REQUIRED cosignatures, unless
a newer one has been waiting longer than STALE_SECONDS (witnesses down): then the newest, with
what it has, so an outage of the witnesses never hides the log's growth from its monitors.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from audit.cosignature import WitnessKey, cosigners, require_cosignatures
from audit.note import NoteError
from audit.proofs import consistency_proof
from audit.store import LogStore, StoredCheckpoint
from audit.verify import VerifyReport
from colo.crypto import b64encode
from colo.errors import NotFound, ValidationFailed
from colo.logging import get_logger

log = get_logger(__name__)
STALE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class WitnessEndpoint:
    url: str
    key: WitnessKey


def parse_witnesses(text: str) -> list[WitnessEndpoint]:
    """COLO_AUDIT_WITNESSES: comma-separated `URL VKEY` pairs."""
    endpoints = []
    for item in text.split(","):
        if not item.strip():
            continue
        url, _, vkey = item.strip().partition(" ")
        if not url.startswith(("http://", "https://")) or not vkey.strip():
            raise NoteError("each witness is `URL VKEY` (comma-separated)")
        endpoints.append(WitnessEndpoint(url.rstrip("/"), WitnessKey.parse(vkey.strip())))
    return endpoints


def request_body(old_size: int, proof: list[bytes], note: str) -> bytes:
    return (f"old {old_size}\n" + "".join(f"{b64encode(h)}\n" for h in proof) + "\n" + note).encode()


async def checkpoint_at(store: LogStore, size: int) -> StoredCheckpoint | None:
    rows = await store.fetch(
        "SELECT tree_size, root, key_id, signed_at_us, note FROM audit_checkpoint WHERE tree_size = ?", size)
    if not rows:
        return None
    tree_size, root, key_id, signed_at, note = rows[0]
    return StoredCheckpoint(int(tree_size), bytes(root), key_id, int(signed_at), note)


async def cosignature_lines(store: LogStore, size: int) -> list[str]:
    rows = await store.fetch("SELECT line FROM audit_cosignature WHERE tree_size = ? ORDER BY witness", size)
    return [str(line) for (line,) in rows]


async def cosigned_note(store: LogStore, checkpoint: StoredCheckpoint) -> str:
    """The checkpoint's note with every cosignature stored for it."""
    return checkpoint.note + "".join(await cosignature_lines(store, checkpoint.tree_size))


async def published_checkpoint(store: LogStore, *, required: int = 0) -> str | None:
    """The checkpoint `…/tlog/checkpoint` serves (module docstring); None before the first."""
    latest = await store.latest_checkpoint()
    if latest is None:
        return None
    chosen = latest
    if required > 0:
        rows = await store.fetch("SELECT tree_size FROM audit_cosignature GROUP BY tree_size "
                                 "HAVING count(*) >= ? ORDER BY tree_size DESC LIMIT 1", required)
        if rows and int(rows[0][0]) != latest.tree_size:
            witnessed = await checkpoint_at(store, int(rows[0][0]))
            if witnessed and latest.signed_at_us - witnessed.signed_at_us <= STALE_SECONDS * 1_000_000:
                chosen = witnessed
    return await cosigned_note(store, chosen)


class Cosigner:
    """Gets checkpoints cosigned, one at a time, newest first, in a background task."""

    def __init__(self, *, store: LogStore, witnesses: list[WitnessEndpoint], timeout: float = 5.0) -> None:
        self.store = store
        self.witnesses = witnesses
        self.timeout = timeout
        self._known: dict[str, int] = {}  # witness vkey → the size it said it holds
        self._wanted = 0
        self._done = 0
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    def request(self, size: int) -> None:
        """Ask for cosignatures of the checkpoint of `size` soon; never waits."""
        self._wanted = max(self._wanted, size)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="audit-cosigner")

    async def drain(self) -> None:
        """Wait for the cosigning in progress (a clean shutdown), then close the HTTP client."""
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.timeout * 2 + 1)
            except TimeoutError:
                log.warning("witnesses did not answer before shutdown")
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _loop(self) -> None:
        while self._wanted > self._done:
            size = self._wanted
            try:
                await self.cosign(size)
            except Exception as exc:  # a database hiccup: the next checkpoint asks again
                log.error("cosigning failed", size=size, error=type(exc).__name__)
            self._done = max(self._done, size)

    async def cosign(self, size: int) -> list[str]:
        """Ask every witness to cosign the checkpoint of `size`; store and return the lines got."""
        checkpoint = await checkpoint_at(self.store, size)
        if checkpoint is None:
            return []
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        answers = await asyncio.gather(*(self._ask(w, checkpoint) for w in self.witnesses))
        got = [(w, line) for w, line in zip(self.witnesses, answers, strict=True) if line is not None]
        if got:
            async with self.store.writing() as writer:  # short: the answers are already here
                for witness, line in got:
                    await writer.execute("INSERT INTO audit_cosignature (tree_size, witness, line) VALUES (?, ?, ?) "
                                         "ON CONFLICT DO NOTHING", size, witness.key.vkey[:300], line)
        return [line for _, line in got]

    async def _ask(self, witness: WitnessEndpoint, checkpoint: StoredCheckpoint) -> str | None:
        assert self._client is not None
        old = self._known.get(witness.key.vkey, 0)
        try:
            for _attempt in range(2):
                if old > checkpoint.tree_size:
                    return None  # it holds a newer one already (another Colo process asked)
                proof = [] if old in (0, checkpoint.tree_size) else (await consistency_proof(
                    store=self.store, first=old, second=checkpoint.tree_size)).hashes
                response = await self._client.post(f"{witness.url}/add-checkpoint",
                                                   content=request_body(old, proof, checkpoint.note))
                if response.status_code == 409 and response.headers.get("content-type", "").startswith(
                        "text/x.tlog.size") and response.text.strip().isdigit():
                    old = self._known[witness.key.vkey] = int(response.text.strip())
                    continue
                if response.status_code != 200:
                    log.warning("witness refused the checkpoint", witness=witness.key.name,
                                size=checkpoint.tree_size, status=response.status_code, answer=response.text[:300])
                    return None
                line = response.text.split("\n")[0] + "\n"
                if not cosigners(checkpoint.note + line, [witness.key]):
                    log.warning("witness answered without a valid cosignature", witness=witness.key.name)
                    return None
                self._known[witness.key.vkey] = checkpoint.tree_size
                return line
        except (httpx.HTTPError, NotFound, ValidationFailed) as exc:
            log.warning("witness not reached", witness=witness.key.name, size=checkpoint.tree_size,
                        error=f"{type(exc).__name__}: {exc}"[:300])
        return None


async def check_witnessed(*, store: LogStore, report: VerifyReport, witnesses: list[WitnessKey],
                          required: int) -> None:
    """Fail `report` unless a checkpoint the verifier just checked carries `required` valid
    cosignatures of `witnesses`; note the newest one and how many entries no witness vouched for
    yet. Its root was recomputed from the entries, so the witnessed tree is the one verified."""
    rows = await store.fetch("SELECT DISTINCT tree_size FROM audit_cosignature ORDER BY tree_size DESC")
    for (size,) in rows:
        checkpoint = await checkpoint_at(store, int(size))
        if checkpoint is None:
            continue
        try:
            names = require_cosignatures(await cosigned_note(store, checkpoint), witnesses, required)
        except NoteError:
            continue
        report.notes.append(f"checkpoint {checkpoint.tree_size} is cosigned by {', '.join(names)} "
                            f"({len(names)} of {len(witnesses)}, {required} required)")
        if report.signed_size > checkpoint.tree_size:
            report.notes.append(f"entries {checkpoint.tree_size}..{report.signed_size - 1} are signed by the log "
                                "but not yet cosigned by the witnesses")
        return
    report.fail(None, f"no checkpoint carries {required} valid cosignature(s) of the witnesses "
                      f"{', '.join(w.name for w in witnesses)}: nobody else vouches for this log's history")
