"""The order timeline's geometry (web/timeline.py) from an order and its history: steps left to
right in the order they happened, the state it is in now marked, failed runs and the next attempt
of a postponed run drawn, the steps still to come dashed, and only the latest steps when the
history is long. Pure; the last test renders the macro as the order pages do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from jinja2 import Environment, FileSystemLoader

from dcim.orders.schemas import OrderEventRead, OrderRead
from web import orders_view
from web.i18n import Languages
from web.timeline import MAX_STEPS, PAD, STEP_W, draw

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ORDER_ID = UUID("00000000-0000-4000-8000-000000000001")


def order(state: str, *, kind: str = "space", loa: str = "not_required", next_attempt: datetime | None = None,
          frozen: bool = False) -> OrderRead:
    return OrderRead(id=ORDER_ID, tenant_id=ORDER_ID, kind=kind, state=state, frozen=frozen, spec={},
                     loa_status=loa, netbox={}, attempts=0, last_error="", next_attempt_at=next_attempt,
                     created_by="someone", created_at=T0, updated_at=T0, allowed_actions=[])


def history(*moves: tuple[str, str]) -> list[OrderEventRead]:
    """(action, to_state) pairs, an hour apart, from "submitted"."""
    events, previous = [], ""
    for index, (action, to_state) in enumerate(moves):
        events.append(OrderEventRead(at=T0 + timedelta(hours=index), actor=f"actor-{index}", actor_role="ops",
                                     action=action, from_state=previous, to_state=to_state, reason=""))
        previous = to_state
    return events


FULFILLED = (("submit", "submitted"), ("review", "in_review"), ("approve", "approved"),
             ("start_provisioning", "provisioning"), ("activate", "active"))


def test_a_fulfilled_order_is_every_step_done_and_the_last_one_now() -> None:
    line = draw(order("active"), history(*FULFILLED))
    assert [s.state for s in line.steps] == ["submitted", "in_review", "approved", "provisioning", "active"]
    assert [s.kind for s in line.steps] == ["done"] * 5
    assert [s.now for s in line.steps] == [False, False, False, False, True]
    assert line.current is not None and line.current.label == "Fulfilled: in service" and line.tone == "good"
    assert [s.x for s in line.steps] == [PAD + i * STEP_W + STEP_W // 2 for i in range(5)]  # evenly spaced
    assert line.width == 2 * PAD + 5 * STEP_W and line.axis == (line.steps[0].x, line.steps[-1].x)
    assert [s.at for s in line.steps] == [T0 + timedelta(hours=i) for i in range(5)]
    assert line.steps[3].attempt == 1 and line.failed_runs == 0 and line.next_attempt is None


def test_an_order_in_review_shows_what_is_still_to_come_dashed() -> None:
    line = draw(order("in_review"), history(*FULFILLED[:2]))
    assert [(s.state, s.kind, s.now) for s in line.steps] == [
        ("submitted", "done", False), ("in_review", "done", True), ("approved", "planned", False),
        ("provisioning", "planned", False), ("active", "planned", False)]
    assert all(s.at is None for s in line.steps if s.kind == "planned") and line.tone == "wait"


def test_a_cross_connect_waiting_for_its_loa_has_the_loa_ahead() -> None:
    line = draw(order("submitted", kind="cross_connect", loa="loa_pending"), history(FULFILLED[0]))
    assert [s.state for s in line.steps] == ["submitted", "loa", "in_review", "approved", "provisioning", "active"]
    granted = draw(order("submitted", kind="cross_connect", loa="loa_granted"), history(FULFILLED[0]))
    assert "loa" not in [s.state for s in granted.steps]


def test_failed_runs_are_marked_numbered_and_the_retry_counts_on() -> None:
    moves = (*FULFILLED[:4], ("fail", "failed"), ("start_provisioning", "provisioning"), ("fail", "failed"))
    line = draw(order("failed"), history(*moves))
    assert [(s.state, s.kind, s.attempt) for s in line.steps[3:]] == [
        ("provisioning", "done", 1), ("failed", "failed", 0), ("provisioning", "done", 2), ("failed", "failed", 0),
        ("provisioning", "planned", 0), ("active", "planned", 0)]
    assert line.current is line.steps[6] and line.current.kind == "failed" and line.tone == "bad"
    assert line.failed_runs == 2


def test_a_postponed_run_shows_its_next_attempt_before_the_rest() -> None:
    retry = T0 + timedelta(days=1)
    line = draw(order("provisioning", next_attempt=retry), history(*FULFILLED[:4]))
    assert [(s.state, s.kind) for s in line.steps[3:]] == [
        ("provisioning", "done"), ("attempt", "attempt"), ("active", "planned")]
    assert line.steps[4].at == retry and line.next_attempt == retry
    # a stale next attempt on an order that is no longer being built is not drawn
    assert draw(order("active", next_attempt=retry), history(*FULFILLED)).next_attempt is None


def test_closed_and_frozen_orders_have_nothing_ahead() -> None:
    rejected = draw(order("rejected"), history(FULFILLED[0], ("reject", "rejected")))
    assert [(s.state, s.kind) for s in rejected.steps] == [("submitted", "done"), ("rejected", "done")]
    assert rejected.tone == "bad"
    frozen = draw(order("approved", frozen=True), history(*FULFILLED[:3]))
    assert [s.kind for s in frozen.steps] == ["done"] * 3


def test_a_long_history_draws_its_latest_steps_and_counts_the_rest() -> None:
    moves = [FULFILLED[0]] + [("request_action", "action_required"), ("resubmit", "submitted")] * 8
    line = draw(order("submitted"), history(*moves))
    past = [s for s in line.steps if s.kind != "planned"]
    assert len(past) == MAX_STEPS and line.earlier == len(moves) - MAX_STEPS
    assert past[-1].now and past[-1].at == T0 + timedelta(hours=len(moves) - 1)


def test_a_history_page_that_ends_early_still_ends_in_the_orders_state() -> None:
    line = draw(order("active"), history(*FULFILLED[:2]))
    assert [s.state for s in line.steps] == ["submitted", "in_review", "active"]
    assert line.steps[-1].now and line.steps[-1].at == T0  # the order's updated_at


def _render(line: Any, language: str) -> str:
    root = Path(__file__).resolve().parents[2] / "web" / "templates"
    env = Environment(loader=FileSystemLoader(root), autoescape=True)
    lang = Languages("Asia/Baku").get(language)
    template = env.from_string('{% from "_order.html" import timeline with context %}{{ timeline(line, waiting) }}')
    return template.render(line=line, waiting=lang.gettext("Nothing: it is in service"), lang=lang,
                           _=lang.gettext, ngettext=lang.ngettext, show=orders_view)


def test_the_drawing_is_an_image_with_its_state_in_words_in_both_languages() -> None:
    retry = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    line = draw(order("provisioning", next_attempt=retry),
                history(*FULFILLED[:4], ("fail", "failed"), ("start_provisioning", "provisioning")))
    english = _render(line, "en")
    assert 'role="img"' in english and "<title id=" in english
    assert "Now: Provisioning." in english and "1 building run failed." in english
    assert "Next attempt at Dec 1, 2026, 10:00:00" in english  # the facility's clock (Asia/Baku)
    assert "Still to come: Fulfilled: in service." in english
    assert english.count('class="step') == len(line.steps) and 'data-now="true"' in english
    azerbaijani = _render(line, "az")
    assert "1 dek 2026" in azerbaijani and "Now: Provisioning." not in azerbaijani
