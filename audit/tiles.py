"""The log as C2SP tlog-tiles (c2sp.org/tlog-tiles): hash tiles, entry bundles, tile paths.

A tile at level L, index N holds the hashes of tree level 8·L, nodes N·256 … N·256+255 — exactly
the perfect-subtree hashes the sequencer already stores (audit_node), so a tile is one range read
of the primary key, and a *full* tile (256 hashes) never changes once it exists: it is computed
once and kept (TileReader's cache; HTTP serves it as immutable). A partial tile `.p/W` holds the
first W hashes of a tile the tree has not filled yet. Entry bundles hold the entries' exact bytes,
each behind a big-endian uint16 length. Tiles are cut at the latest signed tree size: nothing the
log has not signed is served.

Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, N written as zero-padded 3-digit
groups, every group but the last prefixed with `x` (1234067 → x001/x234/067). Only the canonical
spelling of a path is accepted (a verifier compares paths; two spellings of one tile are a bug).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from audit import merkle
from audit.store import LogStore
from colo.errors import NotFound

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_BYTES = 0xFFFF  # what a uint16 length prefix can say
CACHE_BYTES = 32 * 1024 * 1024
_TAIL = re.compile(r"^((?:x\d{3}/)*)(\d{3})(?:\.p/(\d{1,3}))?$")


@dataclass(frozen=True, slots=True)
class TileRef:
    """One tile: `level` None is an entry bundle; `width` 256 is a full tile."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    def path(self) -> str:
        kind = "entries" if self.level is None else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{kind}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """N as tlog-tiles spells it: 3-digit groups, all but the last prefixed with `x`."""
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def parse_tile_path(kind: str, tail: str) -> TileRef:
    """The tile `tile/<kind>/<tail>` names (kind: a level or "entries"); NotFound when the path is
    not a canonical tile path (a client asking for anything else gets what a static server gives)."""
    if kind == "entries":
        level = None
    elif kind.isdigit() and str(int(kind)) == kind and int(kind) <= MAX_LEVEL:
        level = int(kind)
    else:
        raise NotFound("tile")
    tail = tail.strip("/")
    match = _TAIL.match(tail)
    if match is None:
        raise NotFound("tile")
    groups, last, width = match.groups()
    index = int(groups.replace("x", "").replace("/", "") + last)
    if width is not None and not (width.isdigit() and 1 <= int(width) < TILE_WIDTH):
        raise NotFound("tile")
    ref = TileRef(level, index, TILE_WIDTH if width is None else int(width))
    if ref.path() != f"tile/{kind}/{tail}":  # e.g. x000/005 or .p/07: not how the tile is spelled
        raise NotFound("tile")
    return ref


def available_width(ref: TileRef, tree_size: int) -> int:
    """How many of the tile's slots a tree of `tree_size` fills (0 … 256)."""
    level = 0 if ref.level is None else ref.level * TILE_HEIGHT
    complete = tree_size >> level  # complete nodes at that tree level
    return max(0, min(TILE_WIDTH, complete - ref.index * TILE_WIDTH))


def pack_entries(bodies: list[bytes]) -> bytes:
    """An entry bundle: each entry behind its big-endian uint16 length."""
    out = bytearray()
    for body in bodies:
        if len(body) > MAX_ENTRY_BYTES:
            raise ValueError(f"an entry of {len(body)} bytes does not fit a tlog-tiles entry bundle")
        out += len(body).to_bytes(2, "big") + body
    return bytes(out)


def unpack_entries(bundle: bytes) -> list[bytes]:
    bodies, position = [], 0
    while position < len(bundle):
        if position + 2 > len(bundle):
            raise ValueError("an entry bundle ends inside a length prefix")
        length = int.from_bytes(bundle[position:position + 2], "big")
        body = bundle[position + 2:position + 2 + length]
        if len(body) != length:
            raise ValueError("an entry bundle ends inside an entry")
        bodies.append(body)
        position += 2 + length
    return bodies


def tile_hashes(tile: bytes) -> list[bytes]:
    return [tile[i:i + merkle.HASH_SIZE] for i in range(0, len(tile), merkle.HASH_SIZE)]


class TileReader:
    """Tiles and entry bundles from the store; full ones cached (they never change)."""

    def __init__(self, store: LogStore, *, cache_bytes: int = CACHE_BYTES) -> None:
        self.store = store
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[TileRef, bytes] = OrderedDict()
        self._cached = 0

    async def read(self, ref: TileRef, *, tree_size: int) -> bytes:
        """The tile's bytes within the signed tree of `tree_size`; NotFound when that tree does
        not fill `ref.width` slots, or when an entry of the bundle was pruned (see the archive)."""
        if available_width(ref, tree_size) < ref.width:
            raise NotFound("tile")
        full = TileRef(ref.level, ref.index)
        cached = self._cache.get(full)
        if cached is not None:
            self._cache.move_to_end(full)
            return cached if ref.full else self._prefix(ref, cached)
        data = await (self._hashes(ref) if ref.level is not None else self._entries(ref))
        if ref.full:
            self._remember(full, data)
        return data

    @staticmethod
    def _prefix(ref: TileRef, data: bytes) -> bytes:
        if ref.level is not None:
            return data[: ref.width * merkle.HASH_SIZE]
        position = 0
        for _ in range(ref.width):
            position += 2 + int.from_bytes(data[position:position + 2], "big")
        return data[:position]

    async def _hashes(self, ref: TileRef) -> bytes:
        assert ref.level is not None
        level, first = ref.level * TILE_HEIGHT, ref.index * TILE_WIDTH
        rows = await self.store.fetch(
            "SELECT node_key, hash FROM audit_node WHERE node_key >= ? AND node_key < ? ORDER BY node_key",
            merkle.node_key(level, first), merkle.node_key(level, first + ref.width),
        )
        if len(rows) != ref.width:
            raise NotFound("tile")
        return b"".join(bytes(h) for _, h in rows)

    async def _entries(self, ref: TileRef) -> bytes:
        first = ref.index * TILE_WIDTH
        rows = await self.store.fetch(
            "SELECT idx, body FROM audit_entry WHERE idx >= ? AND idx < ? ORDER BY idx", first, first + ref.width,
        )
        if len(rows) != ref.width:
            raise NotFound("entry bundle")  # pruned from the database: the archive holds it
        try:
            return pack_entries([body.encode() for _, body in rows])
        except ValueError:
            raise NotFound("entry bundle") from None

    def _remember(self, ref: TileRef, data: bytes) -> None:
        self._cache[ref] = data
        self._cached += len(data)
        while self._cached > self.cache_bytes and self._cache:
            _, dropped = self._cache.popitem(last=False)
            self._cached -= len(dropped)
