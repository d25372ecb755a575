"""An order's timeline as the order pages draw it: its states left to right in the order they
happened, each with its time, the state it is in now highlighted with what it waits for, failed
NetBox runs marked, the next attempt of a postponed run, and the steps still to come.

Why a module of its own: the tenant's order page and ops' order page draw the same picture from
the same facts (the order and its history from dcim.orders.service, exactly what
GET /v1/orders/{id} and /events answer), and the geometry is pure, so it is unit-tested without a
browser (tests/unit/test_portal_timeline.py). Steps are spaced evenly, not by elapsed time: an
approval, a build and an activation seconds apart stay readable next to a review days later; the
time of each step is written under it. Only the latest MAX_STEPS steps are drawn (the history table
beside the drawing, its text alternative, has every change). Labels are message ids the template
translates; no style attributes (the portal's CSP): colours are SVG presentation attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar, Literal

from dcim.orders.schemas import OrderEventRead, OrderRead
from dcim.orders.states import LoaStatus, OrderAction, OrderState
from web.i18n import marker as _
from web.orders_view import BAD, GOOD, STATE_NAMES

StepKind = Literal["done", "failed", "attempt", "planned"]
Tone = Literal["good", "bad", "wait"]

STEP_W = 170  # one step's width (viewBox units = CSS pixels: the drawing scrolls in its frame)
PAD = 12  # left and right of the first and last step
HEIGHT = 124
LABEL_Y = 26  # the state's name
AXIS_Y = 50  # the axis line and the steps' marks
TIME_Y = 76  # the step's date; its time of day under it
CLOCK_Y = 90
NOTE_Y = 108  # "now", "attempt 2", "next attempt"
MAX_STEPS = 10  # past steps drawn; earlier ones are in the history table

S = OrderState
# What is still to come from each state on the way to service (nothing from a closed order).
AHEAD: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: (S.IN_REVIEW, S.APPROVED, S.PROVISIONING, S.ACTIVE),
    S.IN_REVIEW: (S.APPROVED, S.PROVISIONING, S.ACTIVE),
    S.ACTION_REQUIRED: (S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.PROVISIONING, S.ACTIVE),
    S.APPROVED: (S.PROVISIONING, S.ACTIVE),
    S.PROVISIONING: (S.ACTIVE,),
    S.FAILED: (S.PROVISIONING, S.ACTIVE),
    S.DECOMMISSION_REQUESTED: (S.DECOMMISSIONED,),
}
LOA_STEP = "loa"  # a planned step of a cross-connect waiting for the Z side's LOA
LOA_LABEL = _("The Z side's LOA")
NEXT_ATTEMPT_LABEL = _("Next attempt")
# Postponed runs (NetBox unreachable) leave the order in its state with the next attempt's time.
RETRYING = frozenset({S.PROVISIONING, S.DECOMMISSION_REQUESTED})
# Marks: a filled circle (done), a red circle with a cross (failed), a dashed ring (to come, and the
# next attempt); the step the order is in now is drawn larger, on a band of its state's colour.
FILL: dict[StepKind, str] = {"done": "#0b5cad", "failed": "#a4161a", "attempt": "#ffffff", "planned": "#ffffff"}
STROKE: dict[StepKind, str] = {"done": "#0b5cad", "failed": "#a4161a", "attempt": "#8a4b00", "planned": "#5f6b78"}
HIGHLIGHT: dict[Tone, tuple[str, str]] = {  # the current step's band: (fill, border); ink stays #1b1f24
    "wait": ("#fff3c4", "#8a5a00"), "good": ("#e3f4e8", "#1e6b37"), "bad": ("#fde8e8", "#a4161a")}


def tone(state: str) -> Tone:
    return "good" if state in GOOD else "bad" if state in BAD else "wait"  # as web/orders_view.py's badges


@dataclass(frozen=True, slots=True)
class Step:
    """One mark on the axis. `label` is a message id: a state's name, LOA_LABEL or NEXT_ATTEMPT_LABEL."""

    kind: StepKind
    state: str  # the order state it stands for ("loa" / "attempt" for those steps)
    label: str
    at: datetime | None  # when it happened (or, for the next attempt, will); None ahead
    x: int  # centre of the mark
    attempt: int = 0  # provisioning steps: which run (1, 2, …); 0 otherwise
    actor: str = ""
    now: bool = False  # the state the order is in now (the last step that happened)

    @property
    def left(self) -> int:
        return self.x - STEP_W // 2 + 3


@dataclass(frozen=True, slots=True)
class Timeline:
    order_id: str
    state: str  # the order's state now
    tone: Tone
    steps: list[Step]
    earlier: int  # past steps left out (the table lists them)
    failed_runs: int  # FAIL events in the history drawn from
    next_attempt: datetime | None
    width: int
    height: int = HEIGHT
    # The geometry and colours the template places (web/templates/_order.html).
    STEP_W: ClassVar[int] = STEP_W
    LABEL_Y: ClassVar[int] = LABEL_Y
    AXIS_Y: ClassVar[int] = AXIS_Y
    TIME_Y: ClassVar[int] = TIME_Y
    CLOCK_Y: ClassVar[int] = CLOCK_Y
    NOTE_Y: ClassVar[int] = NOTE_Y
    FILL: ClassVar[dict[StepKind, str]] = FILL
    STROKE: ClassVar[dict[StepKind, str]] = STROKE

    @property
    def current(self) -> Step | None:
        return next((s for s in self.steps if s.now), None)

    @property
    def axis(self) -> tuple[int, int]:
        return (self.steps[0].x, self.steps[-1].x) if self.steps else (PAD, PAD)

    @property
    def dom_id(self) -> str:
        return f"order-{self.order_id}-timeline"

    @property
    def highlight(self) -> tuple[str, str]:
        return HIGHLIGHT[self.tone]


def _past(events: list[OrderEventRead]) -> list[Step]:
    """A step per event, oldest first (x set later); provisioning runs numbered."""
    out: list[Step] = []
    runs = 0
    for event in events:
        attempt = 0
        if event.action == OrderAction.START_PROVISIONING:
            runs += 1
            attempt = runs
        out.append(Step(kind="failed" if event.action == OrderAction.FAIL else "done", state=event.to_state,
                        label=STATE_NAMES.get(event.to_state, event.to_state), at=event.at, x=0,
                        attempt=attempt, actor=event.actor))
    return out


def draw(order: OrderRead, events: list[OrderEventRead]) -> Timeline:
    """The order's timeline from its history (oldest first, as /events lists it)."""
    past = _past(events)
    if not past or past[-1].state != order.state:  # a history page that ends before the order's state
        past.append(Step(kind="done", state=order.state, label=STATE_NAMES.get(order.state, order.state),
                         at=order.updated_at, x=0))
    earlier = max(0, len(past) - MAX_STEPS)
    past = past[earlier:]
    past[-1] = replace(past[-1], now=True)
    next_attempt = order.next_attempt_at if order.state in RETRYING else None
    ahead: list[Step] = []
    if next_attempt is not None:
        ahead.append(Step(kind="attempt", state="attempt", label=NEXT_ATTEMPT_LABEL, at=next_attempt, x=0))
    if order.kind == "cross_connect" and order.loa_status == LoaStatus.PENDING and order.state in (
            S.SUBMITTED, S.IN_REVIEW, S.ACTION_REQUIRED):
        ahead.append(Step(kind="planned", state=LOA_STEP, label=LOA_LABEL, at=None, x=0))
    if not order.frozen:
        ahead.extend(Step(kind="planned", state=s, label=STATE_NAMES[s], at=None, x=0)
                     for s in AHEAD.get(order.state, ()))
    steps = [replace(step, x=PAD + index * STEP_W + STEP_W // 2) for index, step in enumerate([*past, *ahead])]
    return Timeline(order_id=str(order.id), state=order.state, tone=tone(order.state), steps=steps,
                    earlier=earlier, failed_runs=sum(1 for e in events if e.action == OrderAction.FAIL),
                    next_attempt=next_attempt, width=2 * PAD + max(1, len(steps)) * STEP_W)
