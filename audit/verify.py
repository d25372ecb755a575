"""Offline verification: recompute the tree from the database or an export, check every
checkpoint signature, check the log only grew since the checkpoint this verifier last trusted,
and name the first bad index.

Checks per entry, in index order: the index is the next one (a gap names the missing index);
the entry's own `index` field equals its position (a moved or inserted row names itself); its
leaf hash equals the trusted mirror's (history rewritten since the last run) and the stored
leaf node (a row edited without recomputing the tree). At every signed size the recomputed
root must equal the signed root. At the end, the log must reach every signed and trusted size
(a truncated tail or a rolled-back database names the first missing index).

A root that disagrees while every entry passes its own checks means the entries *and* the tree
were rewritten together: the change lies between the last proven checkpoint and that one, and
no index is named, because nothing here can say which entry it is — the report says what can
(a trusted state's mirror, or an export whose entries carry inclusion proofs: audit/export.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

from audit.encoding import SearchedFields, entry_subset, fit, format_time, objects_column
from audit.merkle import HASH_SIZE, CompactRange, leaf_hash
from audit.note import Checkpoint, NoteError, VerifierKey, parse_checkpoint, verify_checkpoint
from audit.store import ENTRY_COLUMNS, READ_CHUNK, LogStore
from audit.trust import TrustedState

_claimed: msgspec.json.Decoder[Any] = msgspec.json.Decoder(entry_subset("ClaimedIndex", ("index",)))


def claimed_index(body: bytes) -> int | None:
    """The index an entry's bytes say it has; None when they are no entry encoding."""
    try:
        index: int = _claimed.decode(body).index  # the decoder's struct declares `index: int`
        return index
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


PINPOINT = ("to name the entry, run with --state DIR holding the state of an earlier trusted verification "
            "(or a witness's), or verify an export whose entries carry inclusion proofs "
            "(GET /v1/access-log/export)")

# (index, entry bytes or None when pruned, stored leaf hash or None when not at hand)
# and the index the entry claims when the source already decoded it (None: not decoded yet)
Source = AsyncIterator[tuple[int, bytes | None, bytes | None, int | None]]


@dataclass(slots=True)
class VerifyReport:
    entries: int = 0
    checkpoints: int = 0
    signed_size: int = 0
    trusted_before: int = 0
    trusted_after: int = 0
    first_bad_index: int | None = None
    suspect_range: tuple[int, int] | None = None  # [start, end): the change is in here, not pinpointed
    problem: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def fail(self, index: int | None, problem: str) -> VerifyReport:
        if self.problem is None:
            self.first_bad_index, self.problem = index, problem
        return self

    def summary(self) -> str:
        if self.ok:
            return (f"OK: {self.entries} entries, {self.checkpoints} checkpoints verified, signed size "
                    f"{self.signed_size}, trusted size {self.trusted_before} -> {self.trusted_after}")
        where = f"first bad index {self.first_bad_index}: " if self.first_bad_index is not None else ""
        return f"FAILED: {where}{self.problem}"


async def database_source(store: LogStore, *, column_mismatches: list[int] | None = None) -> Source:
    """Entries with their stored leaf hashes, chunk by chunk (memory stays flat).

    Entries removed by retention pruning come first, as (index, None, stored leaf hash): their
    contents are gone, their hashes still have to add up to every signed root.
    """
    first = await store.fetch("SELECT min(idx) FROM audit_entry")
    retained_from = int(first[0][0]) if first and first[0][0] is not None else 0
    for chunk in range(0, retained_from, READ_CHUNK):
        end = min(retained_from, chunk + READ_CHUNK)
        stored = await store.leaf_hashes(chunk, end)
        for index in range(chunk, end):
            if index not in stored:
                return  # neither entry nor leaf hash: reported as a missing entry
            yield index, None, stored[index], None
    position = retained_from
    while True:
        columns = ", ".join(ENTRY_COLUMNS) if column_mismatches is not None else "idx, body"
        rows = await store.fetch(
            f"SELECT {columns} FROM audit_entry WHERE idx >= ? ORDER BY idx LIMIT {READ_CHUNK}",  # noqa: S608
            position,
        )
        if not rows:
            return
        last = int(rows[-1][0])
        stored = await store.leaf_hashes(int(rows[0][0]), last + 1)
        for row in rows:
            index, body = int(row[0]), row[-1]
            if column_mismatches is None:
                yield index, body.encode(), stored.get(index), None
                continue
            try:
                entry: Any = _searchable.decode(body)
            except msgspec.DecodeError:
                entry = None  # reported by the entry checks
            if entry is not None and column_mismatches is not None and not column_mismatches \
                    and _columns_disagree(row, entry):
                column_mismatches.append(index)
            yield index, body.encode(), stored.get(index), entry.index if entry is not None else None
        position = last + 1


_searchable: msgspec.json.Decoder[Any] = msgspec.json.Decoder(SearchedFields)


def _objects_text(objects: dict[str, str]) -> str:
    """encoding.objects_column, with a fast path: decoded canonical bytes are already in key order."""
    values = list(objects.values())
    joined = "|".join(values)
    if values and joined.count("|") == len(values) - 1:
        return f"|{joined}|"
    return objects_column(objects)


@lru_cache(maxsize=8192)
def _second(seconds: int) -> str:
    return format_time(seconds * 1_000_000)[:-7]  # "YYYY-MM-DDTHH:MM:SS."


def _columns_disagree(row: tuple[Any, ...], entry: Any) -> bool:
    """Do the search columns say something other than the entry bytes? (An admin could hide an
    entry from searches by editing only its tenant or actor column.) Same rules as
    encoding.search_columns, unrolled: this runs for every entry of a million-entry log."""
    time_us = int(row[1])
    if f"{_second(time_us // 1_000_000)}{time_us % 1_000_000:06d}Z" != entry.time:
        return True
    expected = (
        entry.kind, fit(entry.request_id, 128), fit(entry.actor.key_id, 256), fit(entry.actor.person_id, 64),
        fit(entry.tenant_id, 64), fit(entry.role, 32), fit(entry.action, 256),
        fit(_objects_text(entry.objects), 4096), entry.outcome, entry.status, fit(entry.source, 256),
    )
    return expected != row[2:-1]


async def export_source(path: Path) -> Source:
    """A JSONL export: each line is one entry's exact bytes; positions count from the first line."""
    with path.open("rb") as fh:
        for position, line in enumerate(fh):
            # Line order is the position; an entry's own `index` claim is checked against it.
            yield position, line.rstrip(b"\n"), None, None


def signed_checkpoint(note: str, keys: list[VerifierKey], origin: str | None) -> Checkpoint:
    """The checkpoint, when a trusted key signed it; NoteError naming the keys otherwise. Without an
    `origin`, the log is the one the keys are named after (Colo names its key after the log)."""
    trusted = ", ".join(f"{k.name}+{k.key_hash.hex()}" for k in keys)
    try:
        checkpoint = verify_checkpoint(note, keys, origin=origin)
    except NoteError as exc:
        raise NoteError(f"{exc} (trusted keys: {trusted or 'none'})") from None
    if origin is None and checkpoint.origin not in {k.name for k in keys}:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log the trusted keys sign "
                        f"({trusted})")
    return checkpoint


def check_signatures(
    notes: Iterable[tuple[int, bytes, str]], keys: list[VerifierKey], origin: str | None, report: VerifyReport,
) -> dict[int, bytes]:
    """Verify every checkpoint note; returns {size: root}. Stops at the first bad one."""
    roots: dict[int, bytes] = {}
    for size, root, note in notes:
        try:
            checkpoint = signed_checkpoint(note, keys, origin)
        except NoteError as exc:
            report.fail(None, f"checkpoint at tree size {size}: {exc}")
            break
        if checkpoint.size != size or checkpoint.root != root:
            report.fail(None, f"checkpoint at tree size {size}: stored size/root differ from its signed note")
            break
        roots[size] = root
        report.checkpoints += 1
    return roots


def _checked_leaf(
    index: int, body: bytes, stored: bytes | None, report: VerifyReport, claimed: int | None,
) -> bytes | None:
    """The entry's leaf hash, or None after reporting why the entry is bad."""
    if claimed is None:
        claimed = claimed_index(body)
        if claimed is None:
            report.fail(index, f"entry {index} is not a valid entry encoding")
            return None
    if claimed != index:
        report.fail(index, f"entry at position {index} says it is entry {claimed} (moved or inserted)")
        return None
    leaf = leaf_hash(body)
    if stored is not None and stored != leaf:
        report.fail(index, f"entry {index} does not match its stored leaf hash (edited in place)")
        return None
    return leaf


async def verify_entries(
    source: Source, *, signed: dict[int, bytes], trusted: TrustedState | None, report: VerifyReport,
) -> list[bytes]:
    """Stream the entries through the checks; returns the leaf hashes beyond the trusted size."""
    mirror = trusted.leaves() if trusted else b""
    trusted_size = trusted.size if trusted else 0
    check = dict(signed)
    if trusted and trusted.checkpoint:
        if check.get(trusted.size, trusted.checkpoint.root) != trusted.checkpoint.root:
            report.notes.append(f"the log signs a different tree at size {trusted.size} than the one trusted")
        # The trusted root wins: streaming against the mirror then names the first differing entry.
        check[trusted.size] = trusted.checkpoint.root
    tree = CompactRange()
    beyond: list[bytes] = []
    last_good = 0
    pruned = 0
    async for index, body, stored, claimed in source:
        expected = tree.size
        if index != expected:
            report.fail(expected, f"entry {expected} {'is missing' if index > expected else 'appears twice'}")
            return beyond
        leaf = stored if body is None else _checked_leaf(index, body, stored, report, claimed)
        if leaf is None:
            return beyond
        pruned += body is None
        if index < trusted_size and mirror[index * HASH_SIZE:(index + 1) * HASH_SIZE] != leaf:
            report.fail(index, f"entry {index} differs from the copy trusted at size {trusted_size}")
            return beyond
        tree.append(leaf)
        if index >= trusted_size:
            beyond.append(leaf)
        root = check.get(tree.size)
        if root is not None:
            if tree.root() != root:
                report.fail(None, f"the entries do not produce the root signed at size {tree.size}, though "
                                  f"each passes its own checks: entries before {last_good} are proven, the change "
                                  f"is among entries {last_good}..{tree.size - 1}; {PINPOINT}")
                report.suspect_range = (last_good, tree.size)
                return beyond
            last_good = tree.size
    report.entries = tree.size
    if pruned:
        report.notes.append(f"entries 0..{pruned - 1} were pruned by retention; checked by leaf hash only")
    required = max([*check, 0])
    if tree.size < required:
        why = "the trusted checkpoint" if trusted_size == required else "a signed checkpoint"
        report.fail(tree.size, f"entry {tree.size} is missing: the log has {tree.size} entries but "
                               f"{why} covers {required} (truncated or rolled back)")
    return beyond


async def verify(
    *, source: Source, notes: list[tuple[int, bytes, str]], keys: list[VerifierKey], origin: str | None,
    trusted: TrustedState | None = None,
) -> VerifyReport:
    report = VerifyReport(trusted_before=trusted.size if trusted else 0)
    signed = check_signatures(notes, keys, origin, report)
    report.signed_size = max([*signed, 0])
    beyond = await verify_entries(source, signed=signed, trusted=trusted, report=report)
    if report.ok and trusted is not None and notes and report.signed_size > trusted.size:
        latest = max(notes)
        tree = CompactRange(trusted.size, trusted.tree.hashes)
        take = beyond[: latest[0] - trusted.size]
        for leaf in take:
            tree.append(leaf)
        trusted.advance(latest[2], parse_checkpoint(latest[2])[0], take, tree)
    report.trusted_after = trusted.size if trusted else 0
    return report


async def verify_database(
    *, store: LogStore, keys: list[VerifierKey], origin: str | None, trusted: TrustedState | None = None,
    check_columns: bool = True,
) -> VerifyReport:
    """Verify the log in the database; `check_columns=False` skips comparing the search columns
    with the entry bytes (the tree and signatures are still checked in full), ~40 % faster."""
    notes = [(c.tree_size, c.root, c.note) for c in await store.checkpoints()]
    mismatches: list[int] = []
    source = database_source(store, column_mismatches=mismatches if check_columns else None)
    report = await verify(source=source, notes=notes, keys=keys, origin=origin, trusted=trusted)
    bound = report.first_bad_index if report.suspect_range is None else report.suspect_range[0]
    if mismatches and (report.ok or bound is None or mismatches[0] < bound):
        report.first_bad_index, report.suspect_range = mismatches[0], None
        report.problem = (f"entry {mismatches[0]}'s search columns disagree with its bytes "
                          "(edited to hide it from searches)")
    return report
