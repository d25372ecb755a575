"""Archive segments: a year of the access log kept verifiable after the database lets it go
(PCI DSS 10.5.1: twelve months retained, the latest three at hand).

A segment seals entries [start, end) — `COLO_AUDIT_ARCHIVE_SEGMENT` of them, whole tiles — into
one tar file, `segment-<start>-<end>.tar`, laid out as a static C2SP tlog-tiles tree (untar it
and any tlog-tiles client reads it):

- `checkpoint`: the signed checkpoint of size S ≥ end that commits to them, with its witness
  cosignatures (the newest checkpoint carrying the required number, else the newest);
- `tile/entries/<N>` and `tile/0/<N>` for the segment's tiles;
- every tile of level ≥ 1 of the tree of size S, and its right-edge partial level-0 tile: the
  few hashes (S/256 of them at level 1) that carry the segment's tiles up to the signed root.

`verify_segment` checks one offline: the log's signature and k witness cosignatures, every
entry against its leaf hash and its own index, every full tile against its hash one level up,
and the root folded from the tiles against the signed root. Pruning (audit/retention.py) with an
archive configured deletes only entries already sealed, and never a tree node: a proof for an
archived entry, served by the log today, still verifies against today's checkpoint.
"""

from __future__ import annotations

import io
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from audit import merkle
from audit.cosignature import WitnessKey, require_cosignatures
from audit.note import NoteError, VerifierKey
from audit.store import LogStore
from audit.tiles import TILE_HEIGHT, TILE_WIDTH, TileReader, TileRef, available_width, tile_hashes, unpack_entries
from audit.verify import VerifyReport, claimed_index, signed_checkpoint
from audit.witnessing import checkpoint_at, cosignature_lines, cosigned_note

_NAME = re.compile(r"^segment-(\d{12})-(\d{12})\.tar$")


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    path: Path


def segments(directory: Path) -> list[Segment]:
    found = []
    for path in sorted(directory.glob("segment-*.tar")) if directory.is_dir() else []:
        match = _NAME.match(path.name)
        if match:
            found.append(Segment(int(match.group(1)), int(match.group(2)), path))
    return found


def sealed_below(directory: Path) -> int:
    """Entries [0, n) are all in sealed segments (the prefix pruning may delete)."""
    end = 0
    for segment in segments(directory):
        if segment.start != end:
            break
        end = segment.end
    return end


def tiles_for(start: int, end: int, size: int) -> list[TileRef]:
    """The tiles a segment of [start, end) carries for the tree of `size` (module docstring)."""
    refs = [TileRef(kind, n) for n in range(start // TILE_WIDTH, end // TILE_WIDTH) for kind in (None, 0)]
    edge = available_width(TileRef(0, size // TILE_WIDTH), size)
    if 0 < edge < TILE_WIDTH:
        refs.append(TileRef(0, size // TILE_WIDTH, edge))
    level = 1
    while size >> (level * TILE_HEIGHT):
        count = size >> (level * TILE_HEIGHT)
        for n in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            refs.append(TileRef(level, n, available_width(TileRef(level, n), size)))
        level += 1
    return refs


async def _checkpoint_for(store: LogStore, end: int, required: int) -> str | None:
    """The newest checkpoint with `required` cosignatures (any when 0) covering `end` entries."""
    rows = await store.fetch("SELECT tree_size FROM audit_checkpoint WHERE tree_size >= ? "
                             "ORDER BY tree_size DESC LIMIT 200", end)
    for (size,) in rows:
        checkpoint = await checkpoint_at(store, int(size))
        if checkpoint is None:
            continue
        if len(await cosignature_lines(store, checkpoint.tree_size)) >= required:
            return await cosigned_note(store, checkpoint)
    return None


async def seal(*, store: LogStore, directory: Path, segment_entries: int, required: int = 0) -> list[Segment]:
    """Seal every whole segment the log's checkpoints cover that is not sealed yet."""
    import asyncio

    if segment_entries % TILE_WIDTH:
        raise ValueError("a segment is whole tiles of 256 entries")
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    done = {(s.start, s.end) for s in await asyncio.to_thread(segments, directory)}
    latest = await store.latest_checkpoint()
    reader = TileReader(store, cache_bytes=0)
    sealed = []
    for start in range(0, latest.tree_size if latest else 0, segment_entries):
        end = start + segment_entries
        if (start, end) in done or latest is None or end > latest.tree_size:
            continue
        note = await _checkpoint_for(store, end, required)
        if note is None:
            break
        size = int(note.split("\n")[1])
        members = {"checkpoint": note.encode()}
        for ref in tiles_for(start, end, size):
            members[ref.path()] = await reader.read(ref, tree_size=size)
        path = directory / f"segment-{start:012d}-{end:012d}.tar"
        await asyncio.to_thread(_write_tar, path, members)
        sealed.append(Segment(start, end, path))
    return sealed


def _write_tar(path: Path, members: dict[str, bytes]) -> None:
    temporary = path.with_suffix(".partial")
    with tarfile.open(temporary, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o444, 0
            tar.addfile(info, io.BytesIO(data))
    with temporary.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(temporary, path)
    os.chmod(path, 0o444)


def _hash_at(tiles: dict[tuple[int, int], list[bytes]], height: int, index: int) -> bytes:
    """The hash of the perfect subtree (height, index) from the highest tile that holds it."""
    if height % TILE_HEIGHT == 0:
        hashes = tiles.get((height // TILE_HEIGHT, index // TILE_WIDTH))
        if hashes is not None and index % TILE_WIDTH < len(hashes):
            return hashes[index % TILE_WIDTH]
    if height == 0:
        raise KeyError(f"leaf hash {index} is not in the segment")
    return merkle.node_hash(_hash_at(tiles, height - 1, 2 * index), _hash_at(tiles, height - 1, 2 * index + 1))


def verify_segment(path: Path, *, keys: list[VerifierKey], origin: str | None, witnesses: list[WitnessKey],
                   required: int, report: VerifyReport) -> None:
    """Check one sealed segment offline; failures go into `report` (module docstring)."""
    match = _NAME.match(path.name)
    if match is None:
        report.fail(None, f"{path.name}: not a segment file name")
        return
    start, end = int(match.group(1)), int(match.group(2))
    try:
        with tarfile.open(path) as tar:
            files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
        note = files["checkpoint"].decode()
        checkpoint = signed_checkpoint(note, keys, origin)
        if required:
            require_cosignatures(note, witnesses, required)
    except (OSError, tarfile.TarError, KeyError, UnicodeDecodeError, NoteError) as exc:
        report.fail(start, f"{path.name}: {exc}")
        return
    tiles = {}
    for name, data in files.items():
        parts = name.split("/", 2)
        if len(parts) == 3 and parts[0] == "tile" and parts[1] != "entries":
            ref = _ref(parts[1], parts[2])
            if ref is not None:
                tiles[(ref.level or 0, ref.index)] = tile_hashes(data)
    for n in range(start // TILE_WIDTH, end // TILE_WIDTH):
        bundle = files.get(TileRef(None, n).path())
        leaves = tiles.get((0, n))
        if bundle is None or leaves is None:
            report.fail(n * TILE_WIDTH, f"{path.name}: tile {n} of the segment is missing")
            return
        for offset, body in enumerate(unpack_entries(bundle)):
            index = n * TILE_WIDTH + offset
            if claimed_index(body) != index or merkle.leaf_hash(body) != leaves[offset]:
                report.fail(index, f"{path.name}: entry {index} does not match its leaf hash or its index")
                return
        report.entries += len(leaves)
    for (level, n), hashes in tiles.items():  # every full tile is the hash one level up says
        above = tiles.get((level + 1, n // TILE_WIDTH))
        if len(hashes) == TILE_WIDTH and above is not None and n % TILE_WIDTH < len(above) \
                and _perfect_root(hashes) != above[n % TILE_WIDTH]:
            report.fail(n * TILE_WIDTH << (level * TILE_HEIGHT), f"{path.name}: tile {level}/{n} does not hash to "
                                                                   "its parent")
            return
    try:
        root = merkle.fold([_hash_at(tiles, level, index) for level, index in merkle.perfect_nodes(0, checkpoint.size)])
    except KeyError as exc:
        report.fail(start, f"{path.name}: {exc}")
        return
    if root != checkpoint.root:
        report.fail(start, f"{path.name}: the tiles do not produce the root signed at size {checkpoint.size}")
        return
    report.checkpoints += 1
    report.signed_size = max(report.signed_size, checkpoint.size)


def _perfect_root(hashes: list[bytes]) -> bytes:
    """The root of a perfect tree over `hashes` (a full tile: 256 of them)."""
    while len(hashes) > 1:
        hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def _ref(kind: str, tail: str) -> TileRef | None:
    from audit.tiles import parse_tile_path
    from colo.errors import NotFound

    try:
        return parse_tile_path(kind, tail)
    except NotFound:
        return None


def verify_archive(directory: Path, *, keys: list[VerifierKey], origin: str | None,
                   witnesses: list[WitnessKey], required: int) -> VerifyReport:
    report = VerifyReport()
    found = segments(directory)
    if not found:
        return report.fail(None, f"no sealed segments in {directory}")
    expected = found[0].start
    for segment in found:
        if segment.start != expected:
            report.fail(expected, f"entries {expected}..{segment.start - 1} are in no segment (a segment is missing)")
            return report
        verify_segment(segment.path, keys=keys, origin=origin, witnesses=witnesses, required=required, report=report)
        if not report.ok:
            return report
        expected = segment.end
    report.notes.append(f"{len(found)} segments, entries {found[0].start}..{expected - 1}"
                        + (f", each checkpoint cosigned by {required} witness(es)" if required else ""))
    return report
