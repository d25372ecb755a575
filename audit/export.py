"""The verifiable access-log export: an extract (one tenant's entries, a time window, or the whole
log) that an auditor checks offline with nothing but the facility's verifier key.

JSONL. The first line is a header:

    {"format": "colo-access-log-export/2", "origin": …, "tree_size": N, "retained_from": R,
     "checkpoint": "<the signed note of the tree of size N>", "filters": {…as applied…}}

then one line per entry, in index order:

    {"index": 374, "entry": "<the exact entry bytes, as a JSON string>", "proof": ["<base64>", …]}

`proof` is the RFC 9162 inclusion proof of the entry in the tree the checkpoint signs. Each
entry is checked on its own — its bytes hash to a leaf, the proof leads from that leaf to the
signed root, and the entry's own `index` agrees with the line's — so a filtered extract, whose
positions no longer match indexes, still verifies, and an altered entry is named by its index.
An unfiltered export must also hold every index from `retained_from` (older entries were
pruned by retention) up to the tree size. A filtered extract proves each entry it holds, never
that the filter left nothing out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import msgspec

from audit.merkle import HASH_SIZE, CompactRange, inclusion_root, leaf_hash
from audit.note import NoteError, VerifierKey
from audit.proofs import inclusion_paths
from audit.search import EXPORT_CHUNK, EntryFilter, FilterValue
from audit.store import LogStore, StoredCheckpoint
from audit.trust import TrustedState
from audit.verify import VerifyReport, claimed_index, signed_checkpoint
from colo.crypto import b64decode, b64encode

FORMAT = "colo-access-log-export/2"
LISTED_FAILURES = 10


class ExportHeader(msgspec.Struct):
    format: str
    origin: str
    tree_size: int
    checkpoint: str
    filters: dict[str, FilterValue] = {}
    retained_from: int = 0


class ExportLine(msgspec.Struct):
    index: int
    entry: str
    proof: list[str]


class _Format(msgspec.Struct):
    format: str | None = None


_format = msgspec.json.Decoder(_Format)
_header = msgspec.json.Decoder(ExportHeader)
_line = msgspec.json.Decoder(ExportLine)
_encoder = msgspec.json.Encoder()


class ExportFormatError(ValueError):
    """The file is neither a verifiable export nor one entry per line."""


def read_header(source: bytes | Path) -> ExportHeader | None:
    """The header of a verifiable export (its first line, or the file's), or None when the file is
    bare entries, one per line (what the database holds; it verifies only in full, against
    checkpoints given beside it)."""
    if isinstance(source, Path):
        with source.open("rb") as fh:
            source = fh.readline()
    first_line = source
    try:
        kind = _format.decode(first_line).format
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if kind is None:
        return None
    if kind != FORMAT:
        raise ExportFormatError(f"export format {kind!r} is not supported (this verifier reads {FORMAT!r})")
    try:
        return _header.decode(first_line)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ExportFormatError(f"the export's header is malformed: {exc}") from None


def read_export(lines: Iterable[bytes]) -> tuple[ExportHeader, list[ExportLine]]:
    """Header and entry lines of an export held in memory (a test's or a script's)."""
    iterator = iter(lines)
    header = read_header(next(iterator))
    if header is None:
        raise ExportFormatError("not a verifiable export: the first line is no export header")
    return header, [_line.decode(line) for line in iterator if line.strip()]


async def export_jsonl(
    *, store: LogStore, filters: EntryFilter, checkpoint: StoredCheckpoint, origin: str,
) -> AsyncIterator[bytes]:
    """Stream the entries matching `filters` that the checkpoint covers, each with its proof."""
    size = checkpoint.tree_size
    first = await store.fetch("SELECT min(idx) FROM audit_entry")
    retained_from = int(first[0][0]) if first and first[0][0] is not None else 0
    header = ExportHeader(format=FORMAT, origin=origin, tree_size=size, checkpoint=checkpoint.note,
                          filters=filters.described(), retained_from=retained_from)
    yield _encoder.encode(header) + b"\n"
    clauses, args = filters.where()
    position = -1
    while True:
        where = " AND ".join([*clauses, "idx > ?", "idx < ?"])
        rows = await store.fetch(
            f"SELECT idx, body FROM audit_entry WHERE {where} ORDER BY idx LIMIT {EXPORT_CHUNK}",  # noqa: S608
            *args, position, size,
        )
        if not rows:
            return
        indexes = [int(index) for index, _ in rows]
        paths = await inclusion_paths(store=store, indexes=indexes, tree_size=size)
        yield b"".join(
            _encoder.encode(ExportLine(index=index, entry=body, proof=[b64encode(h) for h in path])) + b"\n"
            for index, (_, body), path in zip(indexes, rows, paths, strict=True)
        )
        position = indexes[-1]
        if len(rows) < EXPORT_CHUNK:
            return


class _Failures:
    """Entries whose proofs fail, and whether all of them lead to one other root."""

    def __init__(self) -> None:
        self.indexes: list[int] = []
        self.count = 0
        self.roots: set[bytes | None] = set()

    def add(self, index: int, implied: bytes | None) -> None:
        self.count += 1
        if len(self.indexes) < LISTED_FAILURES:
            self.indexes.append(index)
        if len(self.roots) < 2:
            self.roots.add(implied)


def verify_export(
    path: Path, *, keys: list[VerifierKey], origin: str | None, trusted: TrustedState | None = None,
) -> VerifyReport:
    """Check a verifiable export on its own: its checkpoint, then every entry by its proof."""
    report = VerifyReport(trusted_before=trusted.size if trusted else 0)
    report.trusted_after = report.trusted_before
    with path.open("rb") as fh:
        header = read_header(fh.readline())
        if header is None:
            raise ExportFormatError(f"{path} has no export header")
        try:
            checkpoint = signed_checkpoint(header.checkpoint, keys, origin)
        except NoteError as exc:
            return report.fail(None, f"the export's checkpoint (tree size {header.tree_size}): {exc}")
        if checkpoint.size != header.tree_size:
            return report.fail(None, f"the header says tree size {header.tree_size} but its checkpoint "
                                     f"signs size {checkpoint.size}")
        report.checkpoints, report.signed_size = 1, checkpoint.size
        complete = not header.filters
        mirror = trusted.leaves() if trusted else b""
        tree = CompactRange() if complete and header.retained_from == 0 else None
        failures = _Failures()
        beyond: list[bytes] = []  # leaves past the trusted size, for the verifier's mirror
        expected, previous, count = header.retained_from, -1, 0
        for number, raw in enumerate(fh, start=2):
            if not raw.strip():
                continue
            try:
                line = _line.decode(raw)
                proof = [b64decode(h) for h in line.proof]
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
                return report.fail(None, f"line {number} is not an export line (index, entry, proof)")
            index, body = line.index, line.entry.encode()
            if not 0 <= index < checkpoint.size:
                return report.fail(index, f"line {number} holds index {index}, outside the signed tree of "
                                          f"size {checkpoint.size}")
            if index <= previous:
                return report.fail(index, f"entry {index} appears twice or out of order (line {number})")
            if complete and index != expected:
                return report.fail(expected, f"entry {expected} is missing from an unfiltered export")
            claimed = claimed_index(body)
            if claimed != index:
                said = "is not a valid entry encoding" if claimed is None else f"says it is entry {claimed}"
                return report.fail(index, f"the entry at index {index} {said} (moved, inserted or altered)")
            leaf = leaf_hash(body)
            if index < len(mirror) // HASH_SIZE and mirror[index * HASH_SIZE:(index + 1) * HASH_SIZE] != leaf:
                return report.fail(index, f"entry {index} differs from the copy trusted at size "
                                          f"{report.trusted_before} (changed since that verification)")
            implied = inclusion_root(index, checkpoint.size, leaf, proof)
            if implied != checkpoint.root:
                failures.add(index, implied)
            if tree is not None:
                tree.append(leaf)
                if index >= report.trusted_before:
                    beyond.append(leaf)
            previous, expected, count = index, index + 1, count + 1
    report.entries = count
    if failures.count:
        return _report_failures(report, failures, count, checkpoint.size)
    if complete and expected < checkpoint.size:
        return report.fail(expected, f"entry {expected} is missing: the export ends there but its checkpoint "
                                     f"covers {checkpoint.size} entries (truncated)")
    if header.retained_from:
        report.notes.append(f"entries below {header.retained_from} were pruned by retention before export")
    if not complete:
        report.notes.append(f"a filtered extract ({_described(header.filters)}): each of its {count} entries is "
                            "proven at its index in the signed log; entries the filter left out are not checked")
    if trusted is not None and tree is not None and checkpoint.size > trusted.size:
        trusted.advance(header.checkpoint, checkpoint, beyond, tree)
        report.trusted_after = trusted.size
    return report


def _report_failures(report: VerifyReport, failures: _Failures, count: int, size: int) -> VerifyReport:
    if failures.count == count and count > 1 and len(failures.roots) == 1 and None not in failures.roots:
        return report.fail(None, (
            f"none of the {count} entries proves against the root signed at size {size}, and all their "
            "proofs lead to one other root: the log's tree was recomputed after a change, which may be "
            "in an entry this export does not hold. To name it, verify with --state DIR holding an "
            "earlier trusted verification that covers it (of the database, or of an unfiltered export)"))
    listed = ", ".join(str(i) for i in failures.indexes) + (", …" if failures.count > len(failures.indexes) else "")
    first = failures.indexes[0]
    return report.fail(first, f"entry {first} is not the entry the log signed at index {first} (altered after "
                              f"it was logged or exported); {failures.count} of {count} entries fail: {listed}")


def _described(filters: dict[str, FilterValue]) -> str:
    return ", ".join(f"{name}={value}" for name, value in sorted(filters.items()))
