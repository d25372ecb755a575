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


async def prune(*, store: LogStore, retention_days: int, dry_run: bool = False, now_us: int | None = None,
                sealed_below: int | None = None) -> int:
    """Delete entries older than the retention period; with `sealed_below` (an archive is
    configured: audit/archive.py), only those among the first `sealed_below`, which are sealed."""
    if retention_days < MINIMUM_DAYS:
        raise ValidationFailed("retention_days", f"must be at least {MINIMUM_DAYS}")
    now = now_us if now_us is not None else clock_us()
    cutoff = now - retention_days * 86_400 * 1_000_000
    bound = sealed_below if sealed_below is not None else 2**62
    rows = await store.fetch("SELECT count(*) FROM audit_entry WHERE time_us < ? AND idx < ?", cutoff, bound)
    count = int(rows[0][0])
    if count and not dry_run:
        async with store.writing() as writer:
            await writer.execute("DELETE FROM audit_entry WHERE time_us < ? AND idx < ?", cutoff, bound)
    return count
