"""The read model's webhook work, in the database (dcim_refresh_queue).

Any replica that receives NetBox's webhook enqueues what it asks for (racks, objects, a full sync);
the read-model leader (colo/leader.py) claims a batch with one UPDATE … FOR UPDATE SKIP LOCKED that
pushes a lease out, commits, re-reads NetBox (no transaction open across that call), then deletes
what it applied. A replica that dies after enqueuing loses nothing; a leader that dies mid-batch
leaves its rows to come back when their lease ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from piccolo.engine.postgres import PostgresEngine

from dcim.readmodel.sync import EventPlan
from dcim.tables import PlantRefreshQueue

LEASE = timedelta(minutes=5)
BATCH = 5000
RACK, OBJECT, FULL = "rack", "object", "full"
CLAIM = ("UPDATE dcim_refresh_queue SET claimed_until = {} WHERE id IN ("
         "SELECT id FROM dcim_refresh_queue WHERE claimed_until IS NULL OR claimed_until < {} "
         "ORDER BY id LIMIT {}%s) RETURNING id, kind, object_type, object_id")


@dataclass(slots=True)
class Claimed:
    """One claimed batch: what to re-read, and the rows to delete once that is done."""

    ids: list[int] = field(default_factory=list)
    racks: set[int] = field(default_factory=set)
    objects: set[tuple[str, int]] = field(default_factory=set)
    full: bool = False

    def __bool__(self) -> bool:
        return bool(self.ids)


def _postgres() -> bool:
    return isinstance(PlantRefreshQueue._meta.db, PostgresEngine)


async def enqueue(plan: EventPlan, *, now: datetime | None = None) -> int:
    """Queue a webhook's work; returns the rows added (0 for a plan asking nothing)."""
    moment = now or datetime.now(UTC)
    rows = [PlantRefreshQueue(kind=RACK, object_id=rack, queued_at=moment) for rack in sorted(plan.rack_ids)]
    rows += [PlantRefreshQueue(kind=OBJECT, object_type=kind, object_id=oid, queued_at=moment)
             for kind, oid in sorted(plan.objects)]
    if plan.full_sync:
        rows.append(PlantRefreshQueue(kind=FULL, queued_at=moment))
    if rows:
        await PlantRefreshQueue.insert(*rows)
    return len(rows)


async def claim(*, now: datetime | None = None, lease: timedelta = LEASE, batch: int = BATCH) -> Claimed:
    moment = now or datetime.now(UTC)
    rows = await PlantRefreshQueue.raw(CLAIM % (" FOR UPDATE SKIP LOCKED" if _postgres() else ""),
                                       moment + lease, moment, batch)
    claimed = Claimed()
    for row in rows:
        claimed.ids.append(int(row["id"]))
        if row["kind"] == RACK:
            claimed.racks.add(int(row["object_id"]))
        elif row["kind"] == OBJECT:
            claimed.objects.add((str(row["object_type"]), int(row["object_id"])))
        else:
            claimed.full = True
    return claimed


async def done(claimed: Claimed) -> None:
    """Applied: the rows leave the queue."""
    if claimed.ids:
        await PlantRefreshQueue.delete().where(PlantRefreshQueue._meta.primary_key.is_in(claimed.ids))


async def release(claimed: Claimed) -> None:
    """Not applied (NetBox away): the rows are claimable again at once."""
    if claimed.ids:
        await PlantRefreshQueue.update({PlantRefreshQueue.claimed_until: None}).where(
            PlantRefreshQueue._meta.primary_key.is_in(claimed.ids))


async def depth() -> int:
    """Rows waiting or in flight (metrics, tests)."""
    return int(await PlantRefreshQueue.count())


async def oldest(now: datetime | None = None) -> float | None:
    """Seconds the oldest queued row has waited, or None when the queue is empty (metrics)."""
    rows = await PlantRefreshQueue.select(PlantRefreshQueue.queued_at).order_by(
        PlantRefreshQueue._meta.primary_key).limit(1)
    if not rows:
        return None
    queued: datetime | str = rows[0]["queued_at"]
    if isinstance(queued, str):
        queued = datetime.fromisoformat(queued)
    if queued.tzinfo is None:
        queued = queued.replace(tzinfo=UTC)
    return max(0.0, ((now or datetime.now(UTC)) - queued).total_seconds())
