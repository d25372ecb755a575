"""Inclusion and consistency proofs served from stored nodes: one read of O(log n) rows each."""

from __future__ import annotations

from dataclasses import dataclass

from audit import merkle
from audit.store import LogStore, StoredCheckpoint
from colo.errors import NotFound, ValidationFailed

NODES_PER_READ = 900  # bound parameters per query (old SQLite builds allow 999)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]
    checkpoint: str | None


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    first: int
    second: int
    hashes: list[bytes]
    first_checkpoint: str | None
    second_checkpoint: str | None


async def _signed_size(store: LogStore, tree_size: int | None, field: str) -> tuple[int, StoredCheckpoint | None]:
    """Proofs are given against signed tree sizes only: an unsigned size proves nothing."""
    if tree_size is None:
        latest = await store.latest_checkpoint()
        if latest is None:
            raise NotFound("checkpoint")
        return latest.tree_size, latest
    rows = await store.fetch(
        "SELECT tree_size, root, key_id, signed_at_us, note FROM audit_checkpoint WHERE tree_size = ?",
        tree_size,
    )
    if not rows:
        raise ValidationFailed(field, f"no signed checkpoint has tree size {tree_size}")
    size, root, key_id, signed_at, note = rows[0]
    return int(size), StoredCheckpoint(int(size), bytes(root), key_id, int(signed_at), note)


async def _hashes(store: LogStore, ranges: list[merkle.Range]) -> list[bytes]:
    return (await _hashes_many(store, [ranges]))[0]


async def _hashes_many(store: LogStore, many: list[list[merkle.Range]]) -> list[list[bytes]]:
    """The hashes of several proofs, fetching every stored node they need once."""
    needed = list(dict.fromkeys(node for ranges in many for node in merkle.nodes_for(ranges)))
    keys = [merkle.node_key(level, index) for level, index in needed]
    found: dict[int, bytes] = {}
    for start in range(0, len(keys), NODES_PER_READ):
        found.update(await store.nodes(keys[start:start + NODES_PER_READ]))
    missing = [n for n in needed if merkle.node_key(*n) not in found]
    if missing:
        raise NotFound("tree node", missing[0])
    return [merkle.hashes_for(ranges, lambda node: found[merkle.node_key(*node)]) for ranges in many]


async def inclusion_paths(*, store: LogStore, indexes: list[int], tree_size: int) -> list[list[bytes]]:
    """Inclusion proofs of many entries in the tree of `tree_size` (an export's chunk)."""
    return await _hashes_many(store, [merkle.inclusion_ranges(index, tree_size) for index in indexes])


async def inclusion_proof(*, store: LogStore, index: int, tree_size: int | None = None) -> InclusionProof:
    if index < 0:
        raise ValidationFailed("index", "must be zero or more")
    size, checkpoint = await _signed_size(store, tree_size, "tree_size")
    if index >= size:
        raise ValidationFailed("index", f"must be below the tree size {size}")
    leaf = await store.nodes([merkle.node_key(0, index)])
    hashes = await _hashes(store, merkle.inclusion_ranges(index, size))
    return InclusionProof(index=index, tree_size=size, leaf_hash=leaf[index], hashes=hashes,
                          checkpoint=checkpoint.note if checkpoint else None)


async def consistency_proof(*, store: LogStore, first: int, second: int | None = None) -> ConsistencyProof:
    if first < 1:
        raise ValidationFailed("first", "must be at least 1")
    second_size, second_cp = await _signed_size(store, second, "second")
    if first > second_size:
        raise ValidationFailed("first", f"must not exceed the second tree size {second_size}")
    first_size, first_cp = await _signed_size(store, first, "first")
    hashes = await _hashes(store, merkle.consistency_ranges(first_size, second_size))
    return ConsistencyProof(first=first_size, second=second_size, hashes=hashes,
                            first_checkpoint=first_cp.note if first_cp else None,
                            second_checkpoint=second_cp.note if second_cp else None)
