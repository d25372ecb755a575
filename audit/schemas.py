"""Shapes the access-log API returns (msgspec; no web framework here)."""

from __future__ import annotations

from typing import Any

import msgspec

from audit.encoding import Entry
from audit.proofs import ConsistencyProof, InclusionProof
from colo.crypto import b64encode


class EntryRead(Entry):
    """One entry as its canonical bytes say (audit/encoding.py); `pii` is revealed to security
    officers, `[withheld]` for auditors, `[erased]` after the tenant's key was erased."""

    @classmethod
    def of(cls, document: dict[str, Any]) -> EntryRead:
        return msgspec.convert(document, cls)


class PublicKey(msgspec.Struct):
    key_id: str
    vkey: str
    current: bool


class InclusionProofRead(msgspec.Struct):
    index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str]
    checkpoint: str | None

    @classmethod
    def of(cls, proof: InclusionProof) -> InclusionProofRead:
        return cls(index=proof.index, tree_size=proof.tree_size, leaf_hash=b64encode(proof.leaf_hash),
                   hashes=[b64encode(h) for h in proof.hashes], checkpoint=proof.checkpoint)


class ConsistencyProofRead(msgspec.Struct):
    first: int
    second: int
    hashes: list[str]
    first_checkpoint: str | None
    second_checkpoint: str | None

    @classmethod
    def of(cls, proof: ConsistencyProof) -> ConsistencyProofRead:
        return cls(first=proof.first, second=proof.second, hashes=[b64encode(h) for h in proof.hashes],
                   first_checkpoint=proof.first_checkpoint, second_checkpoint=proof.second_checkpoint)
