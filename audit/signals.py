"""Signals security wants from the access log itself: sources failing authentication in bursts."""

from __future__ import annotations

from audit.store import LogStore


async def failed_authentication_bursts(*, store: LogStore, since_us: int, threshold: int) -> list[tuple[str, int]]:
    """(source address, count) of sources with at least `threshold` 401s since `since_us`."""
    rows = await store.fetch(
        "SELECT source, count(*) FROM audit_entry WHERE time_us >= ? AND outcome = 'unauthenticated' "
        "AND source IS NOT NULL GROUP BY source HAVING count(*) >= ? ORDER BY count(*) DESC",
        since_us, threshold,
    )
    return [(str(source), int(count)) for source, count in rows]
