"""SLA clocks, one module for both kinds of ticket. Pure: every figure is computed for an
explicit `now`, so tests move a clock instead of sleeping.

A clock runs from `started_at` (submission, or the reopen) towards `due_base`: the target of the
ticket's scheduling class (hands: time to start the work) or priority (trouble: time to resolve),
or a scheduled window's start plus a grace. Waiting for the customer (action_required) pauses it:
the paused time is added to the due time, so time left stands still. The clock stops when the
clocked step happens (hands: work started; trouble: completed) or the ticket is cancelled; it is
met when it stopped before it was due.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from servicedesk.status import Priority, SchedulingClass, TicketKind


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """The configured targets (colo/settings.py: COLO_SLA_*)."""

    hands: dict[SchedulingClass, timedelta]  # standard and expedited: submission → work started
    trouble: dict[Priority, timedelta]  # submission → resolved
    scheduled_grace: timedelta  # a scheduled window: work starts by the window's start plus this
    warn_percent: int  # an "approaching" alert once this share of the target is used

    def due_base(self, *, kind: TicketKind, scheduling: SchedulingClass | None, priority: Priority | None,
                 window_start: datetime | None, started_at: datetime) -> datetime:
        if kind is TicketKind.TROUBLE:
            return started_at + self.trouble[priority or Priority.NORMAL]
        if scheduling is SchedulingClass.SCHEDULED and window_start is not None and window_start > started_at:
            return window_start + self.scheduled_grace
        chosen = scheduling if scheduling in self.hands else SchedulingClass.STANDARD
        return started_at + self.hands[chosen or SchedulingClass.STANDARD]


def stops_clock(kind: TicketKind, action: str) -> bool:
    """Whether this lifecycle action is the step the clock measures (or ends it: cancel)."""
    if action == "cancel":
        return True
    return action in ("start", "complete") if kind is TicketKind.HANDS else action == "complete"


@dataclass(frozen=True, slots=True)
class Clock:
    started_at: datetime
    due_base: datetime
    paused_seconds: int = 0
    paused_since: datetime | None = None
    stopped_at: datetime | None = None

    @property
    def target(self) -> timedelta:
        return self.due_base - self.started_at

    def due(self, now: datetime) -> datetime:
        """When it is due: the base plus every pause so far (an open pause up to now, or to the stop)."""
        open_pause = timedelta(0)
        if self.paused_since is not None:
            open_pause = max(timedelta(0), (self.stopped_at or now) - self.paused_since)
        return self.due_base + timedelta(seconds=self.paused_seconds) + open_pause

    def time_left(self, now: datetime) -> timedelta:
        """Due time minus now (or minus the stop): negative once breached."""
        return self.due(now) - (self.stopped_at or now)

    def used(self, now: datetime) -> float:
        """The share of the target used so far (1.0 = due now)."""
        total = self.target.total_seconds()
        return 1.0 if total <= 0 else 1.0 - self.time_left(now).total_seconds() / total

    @property
    def paused(self) -> bool:
        return self.paused_since is not None and self.stopped_at is None

    def met(self, now: datetime) -> bool | None:
        """None while running; once stopped, whether it stopped in time."""
        return None if self.stopped_at is None else self.time_left(now) >= timedelta(0)

    def pause(self, now: datetime) -> Clock:
        if self.paused_since is not None or self.stopped_at is not None:
            return self
        return replace(self, paused_since=now)

    def resume(self, now: datetime) -> Clock:
        if self.paused_since is None or self.stopped_at is not None:
            return self
        waited = int(max(timedelta(0), now - self.paused_since).total_seconds())
        return replace(self, paused_since=None, paused_seconds=self.paused_seconds + waited)

    def stop(self, now: datetime) -> Clock:
        if self.stopped_at is not None:
            return self
        return replace(self.resume(now), stopped_at=now)
