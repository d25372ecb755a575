"""RFC 9162 Merkle tree hashing, proofs and their verification (pure, no I/O).

Leaf = SHA-256(0x00 ‖ entry bytes), node = SHA-256(0x01 ‖ left ‖ right). The tree over n
leaves splits at the largest power of two below n, so every subtree the log ever needs is
either *perfect* (2^level aligned leaves, hashed once and stored for good) or the ragged
right edge, whose hash is folded from at most log2(n) perfect subtrees. Proofs are therefore
computed from O(log n) stored node hashes: `inclusion_nodes`/`consistency_nodes` say which.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
# A node (level, index) is stored under one integer key; 2^48 leaves is far beyond any log here.
LEVEL_STRIDE = 1 << 48

NodeId = tuple[int, int]  # (level, index): covers leaves [index·2^level, (index+1)·2^level)
Range = tuple[int, int]  # [start, end) of leaf indexes


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def node_key(level: int, index: int) -> int:
    return level * LEVEL_STRIDE + index


def _split(size: int) -> int:
    """Largest power of two strictly below `size` (size ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees, left to right, whose fold is MTH(D[start:end]).

    Valid for every range the RFC 9162 recursion produces: `start` is aligned to a power of
    two at least as large as the range, so the binary decomposition of the size is aligned too.
    """
    nodes: list[NodeId] = []
    position = start
    while position < end:
        level = (end - position).bit_length() - 1
        nodes.append((level, position >> level))
        position += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its perfect subtrees (largest first): right to left, as RFC 9162."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form PATH(index, D[0:size]), bottom-up (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes form PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    ranges: list[Range] = []
    start, end, m, complete = 0, second, first, True
    while True:
        size = end - start
        if m == size:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(size)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[Range]) -> list[NodeId]:
    """Every stored node needed to hash `ranges`: what one database read must fetch."""
    needed: list[NodeId] = []
    for start, end in ranges:
        needed.extend(perfect_nodes(start, end))
    return needed


def hashes_for(ranges: Iterable[Range], lookup: Callable[[NodeId], bytes]) -> list[bytes]:
    return [fold([lookup(node) for node in perfect_nodes(s, e)]) for s, e in ranges]


def inclusion_root(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or None when the proof has the
    wrong shape for `index` in a tree of `size`. Proofs that lead to the same wrong root tell a
    verifier the tree was recomputed, not that each entry was edited."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    return inclusion_root(index, size, leaf, proof) == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2 (an empty first tree is consistent with anything)."""
    if first > second or first < 0:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:  # exact power of two: the first root is a node of the second tree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class CompactRange:
    """The right frontier of a growing tree: one perfect-subtree hash per set bit of `size`.

    Appending returns the nodes it completed, so the sequencer can store them (each is final
    once complete). `root()` folds the frontier. Memory is O(log n): the verifier streams a
    million entries through one of these.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier hashes")
        self.size = size
        self.hashes = list(hashes)

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> CompactRange:
        return cls(size, [packed[i:i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)])

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; returns (level, index, hash) of the leaf and every node it completed."""
        index = self.size
        completed = [(0, index, leaf)]
        current, level = leaf, 0
        while (index >> level) & 1:
            current = node_hash(self.hashes.pop(), current)
            level += 1
            completed.append((level, (index >> level), current))
        self.hashes.append(current)
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold(self.hashes)


def root_of(leaves: Sequence[bytes]) -> bytes:
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf)
    return tree.root()
