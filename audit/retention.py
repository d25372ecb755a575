"""Retention: entries older than the retention period may be deleted; nothing younger.

Settings refuse a retention below 365 days, and the database triggers refuse deleting any entry
younger than 365 days whatever the caller asks. Pruning removes entry contents only: the leaf
hashes and every other tree node stay, so checkpoints and proofs over the pruned range still
verify (the verifier reports pruned entries as checked by hash, not by content).
"""

from __future__ import annotations

from audit.encoding import now_us as clock_us
from audit.store import LogStore
from colo.errors import ValidationFailed

MINIMUM_DAYS = 365


async def prune(*, store: LogStore, retention_days: int, dry_run: bool = False, now_us: int | None = None) -> int:
    if retention_days < MINIMUM_DAYS:
        raise ValidationFailed("retention_days", f"must be at least {MINIMUM_DAYS}")
    now = now_us if now_us is not None else clock_us()
    cutoff = now - retention_days * 86_400 * 1_000_000
    rows = await store.fetch("SELECT count(*) FROM audit_entry WHERE time_us < ?", cutoff)
    count = int(rows[0][0])
    if count and not dry_run:
        async with store.writing() as writer:
            await writer.execute("DELETE FROM audit_entry WHERE time_us < ?", cutoff)
    return count
