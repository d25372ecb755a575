"""Database tables of audit: the access log, its Merkle nodes, tree head and checkpoints.

The hot path (the sequencer) writes these with batched raw SQL (audit/store.py); Piccolo
declares them for migrations. Entries, nodes and checkpoints are append-only: triggers added by
the migration refuse UPDATE and DELETE on PostgreSQL and SQLite (entries older than 365 days
may be deleted by retention pruning, nothing younger).
"""

from piccolo.columns import BigInt, Bytea, Integer, Text, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """One entry; `body` holds the canonical bytes (audit/encoding.py), the rest is for search."""

    idx = BigInt(primary_key=True)
    time_us = BigInt(index=True)
    kind = Varchar(length=16)
    request_id = Varchar(length=128, null=True, default=None)
    actor_key_id = Varchar(length=256, null=True, default=None, index=True)
    actor_person_id = Varchar(length=64, null=True, default=None)
    tenant_id = Varchar(length=64, null=True, default=None, index=True)
    role = Varchar(length=32, null=True, default=None)
    action = Varchar(length=256, index=True)
    object_ids = Text(default="")
    outcome = Varchar(length=24)
    status = Integer(null=True, default=None)
    source = Varchar(length=256, null=True, default=None)
    body = Text()


class AuditNode(Table, tablename="audit_node"):
    """Hash of a perfect subtree (leaves are level 0); key = level·2^48 + index (merkle.node_key)."""

    node_key = BigInt(primary_key=True)
    hash = Bytea()


class AuditHead(Table, tablename="audit_head"):
    """The single row every sequencer locks: current size, right frontier, last checkpoint."""

    id = Integer(primary_key=True)
    size = BigInt(default=0)
    frontier = Bytea()
    checkpoint_size = BigInt(default=0)
    checkpoint_at_us = BigInt(default=0)


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """Every signed checkpoint the log published (C2SP signed note in `note`)."""

    tree_size = BigInt(primary_key=True)
    root = Bytea()
    key_id = Varchar(length=64)
    signed_at_us = BigInt()
    note = Text()


TABLES: list[type[Table]] = [AuditEntry, AuditNode, AuditHead, AuditCheckpoint]
