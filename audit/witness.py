"""The witness: records the log's checkpoints where the database admin cannot rewrite them,
and raises an alarm when the log forks, shrinks or rewrites history.

Each run reads the latest signed checkpoint and the stored leaf hashes beyond the last one it
witnessed, and accepts the new checkpoint only if the witnessed tree extended by exactly those
leaves gives the signed root — i.e. the new tree contains the old one unchanged. Anything else
is an alarm naming the first index where the views differ (found by comparing the database's
leaf hashes with the witness's mirror). Point several Colo databases (or one database seen
from several places) at the same witness state and a split view cannot go unnoticed.

`compare_with_witness` is the read-only side: whether the log's latest checkpoint still extends
what the witness recorded (the portal's integrity panel shows it; it never writes the state).
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.merkle import HASH_SIZE, CompactRange, verify_consistency
from audit.note import NoteError, VerifierKey, verify_checkpoint
from audit.proofs import consistency_proof
from audit.store import LogStore
from audit.trust import TrustedState
from colo.errors import NotFound, ValidationFailed

LEAF_CHUNK = 50_000


@dataclass(frozen=True, slots=True)
class WitnessReport:
    alarm: bool
    message: str
    size: int
    first_bad_index: int | None = None


async def _stored_leaves(store: LogStore, start: int, end: int) -> list[bytes | None]:
    leaves: list[bytes | None] = []
    for chunk in range(start, end, LEAF_CHUNK):
        found = await store.leaf_hashes(chunk, min(end, chunk + LEAF_CHUNK))
        leaves.extend(found.get(i) for i in range(chunk, min(end, chunk + LEAF_CHUNK)))
    return leaves


async def _first_difference(store: LogStore, state: TrustedState, upto: int) -> int | None:
    mirror = state.leaves()
    stored = await _stored_leaves(store, 0, upto)
    for index, leaf in enumerate(stored):
        if leaf != mirror[index * HASH_SIZE:(index + 1) * HASH_SIZE]:
            return index
    return None


async def witness_once(*, store: LogStore, state: TrustedState, keys: list[VerifierKey], origin: str) -> WitnessReport:
    latest = await store.latest_checkpoint()
    if latest is None:
        return WitnessReport(False, "no checkpoint published yet", state.size)
    try:
        checkpoint = verify_checkpoint(latest.note, keys, origin=origin)
    except NoteError as exc:
        return WitnessReport(True, f"ALARM: the latest checkpoint is not validly signed: {exc}", state.size)
    old = state.size
    if checkpoint.size < old:
        return WitnessReport(True, f"ALARM: the log shrank from {old} to {checkpoint.size} entries "
                                   f"(rolled back): entry {checkpoint.size} is gone", old, checkpoint.size)
    if state.checkpoint is not None and checkpoint.size == old:
        if checkpoint.root == state.checkpoint.root:
            return WitnessReport(False, f"unchanged at size {old}", old)
        index = await _first_difference(store, state, old)
        return WitnessReport(True, f"ALARM: fork at size {old}: two different trees are signed; "
                                   f"first differing entry {index}", old, index)
    new_leaves = await _stored_leaves(store, old, checkpoint.size)
    missing = next((old + i for i, leaf in enumerate(new_leaves) if leaf is None), None)
    if missing is not None:
        return WitnessReport(True, f"ALARM: leaf {missing} under the signed checkpoint is not stored",
                             old, missing)
    leaves = [leaf for leaf in new_leaves if leaf is not None]  # all of them: none is missing
    tree = CompactRange(old, state.tree.hashes)
    for leaf in leaves:
        tree.append(leaf)
    if tree.root() != checkpoint.root:
        index = await _first_difference(store, state, old)
        where = f"first differing entry {index}" if index is not None else f"entries from {old} on"
        return WitnessReport(True, f"ALARM: checkpoint {checkpoint.size} does not extend the witnessed "
                                   f"tree of size {old} (fork or rewritten history); {where}",
                             old, index if index is not None else old)
    state.advance(latest.note, checkpoint, leaves, tree)
    return WitnessReport(False, f"witnessed size {checkpoint.size} (was {old})", checkpoint.size)


@dataclass(frozen=True, slots=True)
class WitnessComparison:
    """The live log's latest signed checkpoint against the witness's last one (read only)."""

    witnessed_size: int
    live_size: int | None  # None: no checkpoint published yet
    consistent: bool | None  # None: nothing to compare with
    problem: str = ""  # why it is not consistent, in words

    @property
    def behind(self) -> int:
        """Entries the live log holds beyond what the witness recorded."""
        return max(0, (self.live_size or 0) - self.witnessed_size)


async def compare_with_witness(
    *, store: LogStore, state: TrustedState, keys: list[VerifierKey], origin: str,
) -> WitnessComparison:
    """Does the latest signed checkpoint extend the tree the witness recorded? Checked with an
    RFC 9162 consistency proof from the log (audit.proofs) against the witness's own root, the
    way a client checks a log: nothing is written, the witness's state is left as it is."""
    witnessed = state.checkpoint
    latest = await store.latest_checkpoint()
    if witnessed is None or latest is None:
        return WitnessComparison(state.size, latest.tree_size if latest else None, None)
    try:
        live = verify_checkpoint(latest.note, keys, origin=origin)
    except NoteError as exc:
        return WitnessComparison(witnessed.size, latest.tree_size, False,
                                 f"the latest checkpoint is not validly signed: {exc}")
    if live.size < witnessed.size:
        return WitnessComparison(witnessed.size, live.size, False,
                                 f"the log shrank from {witnessed.size} to {live.size} entries (rolled back)")
    if live.size == witnessed.size:
        same = live.root == witnessed.root
        return WitnessComparison(witnessed.size, live.size, same,
                                 "" if same else f"two different trees of size {live.size} are signed (fork)")
    try:
        proof = await consistency_proof(store=store, first=witnessed.size, second=live.size)
    except (NotFound, ValidationFailed) as exc:
        return WitnessComparison(witnessed.size, live.size, False,
                                 f"the log cannot prove it extends the witnessed tree: {exc}")
    if not verify_consistency(witnessed.size, live.size, witnessed.root, live.root, proof.hashes):
        return WitnessComparison(witnessed.size, live.size, False,
                                 f"checkpoint {live.size} does not extend the witnessed tree of size "
                                 f"{witnessed.size} (fork or rewritten history)")
    return WitnessComparison(witnessed.size, live.size, True)
