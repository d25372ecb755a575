"""RFC 9162 hashing and proofs: published test vectors, then round trips over every tree shape."""

from __future__ import annotations

import random

import pytest

from audit import merkle

# Leaves and roots of the RFC 6962/9162 reference tree (Certificate Transparency test data).
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
# (leaf index, tree size, proof) and (first, second, proof) from the same reference data.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]

LEAF_HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]


class MemoryTree:
    """Every stored node of a tree, as the database holds them."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.tree = merkle.CompactRange()
        for leaf in leaves:
            for level, index, digest in self.tree.append(leaf):
                self.nodes[(level, index)] = digest

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.hashes_for(merkle.inclusion_ranges(index, size), self.nodes.__getitem__)

    def consistency(self, first: int, second: int) -> list[bytes]:
        return merkle.hashes_for(merkle.consistency_ranges(first, second), self.nodes.__getitem__)

    def root(self, size: int) -> bytes:
        return merkle.fold([self.nodes[n] for n in merkle.perfect_nodes(0, size)])


def test_roots_match_the_reference_tree_at_every_size() -> None:
    for size in range(len(LEAVES) + 1):
        assert merkle.root_of(LEAF_HASHES[:size]) == ROOTS[size], size
    assert MemoryTree(LEAF_HASHES).root(5) == ROOTS[5]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs_match_the_reference(index: int, size: int, expected: list[str]) -> None:
    proof = MemoryTree(LEAF_HASHES).inclusion(index, size)
    assert [p.hex() for p in proof] == expected
    assert merkle.verify_inclusion(index, size, LEAF_HASHES[index], proof, ROOTS[size])
    assert not merkle.verify_inclusion(index, size, LEAF_HASHES[index], proof, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(first: int, second: int, expected: list[str]) -> None:
    proof = MemoryTree(LEAF_HASHES).consistency(first, second)
    assert [p.hex() for p in proof] == expected
    assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)


def test_every_inclusion_proof_round_trips_and_a_changed_leaf_fails() -> None:
    rng = random.Random(9162)
    for size in range(1, 70):
        leaves = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(size)]
        tree = MemoryTree(leaves)
        root = merkle.root_of(leaves)
        for index in range(size):
            proof = tree.inclusion(index, size)
            assert merkle.verify_inclusion(index, size, leaves[index], proof, root), (index, size)
            assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), proof, root)
            if size > 1:
                assert not merkle.verify_inclusion((index + 1) % size, size, leaves[index], proof, root)


def test_every_consistency_proof_round_trips_and_a_rewritten_past_fails() -> None:
    rng = random.Random(6962)
    leaves = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(40)]
    tree = MemoryTree(leaves)
    for first in range(1, 41):
        for second in range(first, 41):
            proof = tree.consistency(first, second)
            assert merkle.verify_consistency(first, second, tree.root(first), tree.root(second), proof)
    forged = MemoryTree([merkle.leaf_hash(b"x"), *leaves[1:]])
    proof = forged.consistency(7, 40)
    assert not merkle.verify_consistency(7, 40, tree.root(7), forged.root(40), proof)


def test_compact_range_survives_a_round_trip_through_bytes() -> None:
    tree = merkle.CompactRange()
    for leaf in LEAF_HASHES[:7]:
        tree.append(leaf)
    copy = merkle.CompactRange.from_bytes(7, tree.to_bytes())
    copy.append(LEAF_HASHES[7])
    assert copy.root() == ROOTS[8]
    with pytest.raises(ValueError):
        merkle.CompactRange(5, [b"\x00" * 32])


def test_proofs_read_logarithmically_many_nodes() -> None:
    size = 1_000_000
    assert len(merkle.nodes_for(merkle.inclusion_ranges(123_456, size))) <= 2 * 20
    assert len(merkle.inclusion_ranges(123_456, size)) * 32 <= 640
    assert len(merkle.consistency_ranges(999_999, size)) * 32 <= 672
