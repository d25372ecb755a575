"""One append transaction: index a batch, extend the tree, maybe sign a checkpoint, commit.

Everything happens under the head-row lock, so indexes are assigned exactly once across all
processes and the stored nodes, the head and any checkpoint agree with the entries committed.
A checkpoint is signed in the same transaction when the last one is older than the interval;
otherwise `checkpoint_if_due` signs the head later (whichever process gets there first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.encoding import EntryDraft, encode_document, entry_document, search_columns
from audit.keys import LogSigner
from audit.merkle import CompactRange, leaf_hash, node_key
from audit.store import Head, LogStore, StoredCheckpoint, Writer


@dataclass(frozen=True, slots=True)
class AppendResult:
    first_index: int
    size: int
    checkpoint_size: int
    checkpoint_at_us: int


def _entry_row(index: int, draft: EntryDraft) -> tuple[tuple[object, ...], bytes]:
    document = entry_document(index, draft)
    body = encode_document(document)
    return (index, draft.time_us, *search_columns(document), body.decode()), body


async def _sign(writer: Writer, tree: CompactRange, signer: LogSigner, now_us: int) -> Head:
    root = tree.root()
    await writer.insert_checkpoint(StoredCheckpoint(
        tree_size=tree.size, root=root, key_id=signer.key_id, signed_at_us=now_us,
        note=signer.sign(tree.size, root),
    ))
    return Head(tree.size, tree.to_bytes(), tree.size, now_us)


async def append_batch(
    store: LogStore, drafts: Sequence[EntryDraft], *, signer: LogSigner, now_us: int,
    checkpoint_interval_us: int,
) -> AppendResult:
    async with store.writing() as writer:
        head = writer.head
        tree = CompactRange.from_bytes(head.size, head.frontier)
        entries: list[tuple[object, ...]] = []
        nodes: list[tuple[int, bytes]] = []
        for draft in drafts:
            index = tree.size
            row, body = _entry_row(index, draft)
            entries.append(row)
            nodes.extend((node_key(level, i), h) for level, i, h in tree.append(leaf_hash(body)))
        await writer.insert_entries(entries)
        await writer.insert_nodes(nodes)
        if now_us - head.checkpoint_at_us >= checkpoint_interval_us:
            new_head = await _sign(writer, tree, signer, now_us)
        else:
            new_head = Head(tree.size, tree.to_bytes(), head.checkpoint_size, head.checkpoint_at_us)
        await writer.update_head(new_head)
    return AppendResult(head.size, tree.size, new_head.checkpoint_size, new_head.checkpoint_at_us)


async def checkpoint_if_due(store: LogStore, *, signer: LogSigner, now_us: int) -> int:
    """Sign the current head when no checkpoint covers it yet; returns the checkpointed size."""
    async with store.writing() as writer:
        head = writer.head
        if head.checkpoint_size >= head.size:
            return head.checkpoint_size
        tree = CompactRange.from_bytes(head.size, head.frontier)
        await writer.update_head(await _sign(writer, tree, signer, now_us))
        return tree.size
