"""The order lifecycle table: legal moves, refused moves, and the sets derived from it."""

from __future__ import annotations

import pytest

from colo.errors import Conflict
from dcim.orders.states import (
    FREEZABLE,
    HOLDS_CAPACITY,
    TERMINAL,
    TRANSITIONS,
    OrderAction,
    OrderState,
    allowed_actions,
    next_state,
)

HAPPY_PATH = [
    (OrderState.SUBMITTED, OrderAction.REVIEW, OrderState.IN_REVIEW),
    (OrderState.IN_REVIEW, OrderAction.APPROVE, OrderState.APPROVED),
    (OrderState.APPROVED, OrderAction.START_PROVISIONING, OrderState.PROVISIONING),
    (OrderState.PROVISIONING, OrderAction.ACTIVATE, OrderState.ACTIVE),
    (OrderState.ACTIVE, OrderAction.REQUEST_DECOMMISSION, OrderState.DECOMMISSION_REQUESTED),
    (OrderState.DECOMMISSION_REQUESTED, OrderAction.DECOMMISSION, OrderState.DECOMMISSIONED),
]


@pytest.mark.parametrize(("state", "action", "expected"), HAPPY_PATH)
def test_happy_path_moves(state: OrderState, action: OrderAction, expected: OrderState) -> None:
    assert next_state(state, action) is expected


def test_action_required_round_trip() -> None:
    assert next_state("in_review", "request_action") is OrderState.ACTION_REQUIRED
    assert next_state("action_required", "resubmit") is OrderState.SUBMITTED


def test_failed_is_retryable_and_can_be_decommissioned() -> None:
    assert next_state("provisioning", "fail") is OrderState.FAILED
    assert next_state("failed", "start_provisioning") is OrderState.PROVISIONING
    assert next_state("failed", "request_decommission") is OrderState.DECOMMISSION_REQUESTED


def test_refused_move_names_state_action_and_the_allowed_ones() -> None:
    with pytest.raises(Conflict) as caught:
        next_state("active", "approve")
    assert caught.value.extra["state"] == "active"
    assert caught.value.extra["action"] == "approve"
    assert caught.value.extra["allowed_actions"] == ["request_decommission"]
    assert "cannot approve an order that is active" in caught.value.detail


def test_cannot_skip_review_or_provisioning() -> None:
    for state, action in [("submitted", "approve"), ("approved", "activate"), ("submitted", "activate")]:
        with pytest.raises(Conflict):
            next_state(state, action)


def test_cancel_only_before_anything_is_built() -> None:
    for state in ("submitted", "in_review", "action_required", "approved"):
        assert next_state(state, "cancel") is OrderState.CANCELLED
    for state in ("provisioning", "active", "failed", "decommission_requested"):
        with pytest.raises(Conflict):
            next_state(state, "cancel")


def test_terminal_states_have_no_way_out() -> None:
    for state in TERMINAL:
        assert allowed_actions(state) == []
    assert {s for (s, _a) in TRANSITIONS} & TERMINAL == set()


def test_every_non_terminal_state_is_reachable_and_leavable() -> None:
    reachable = {OrderState.SUBMITTED} | set(TRANSITIONS.values())
    assert reachable == set(OrderState)
    for state in set(OrderState) - TERMINAL:
        assert allowed_actions(state), state


def test_capacity_is_held_until_a_terminal_state() -> None:
    assert OrderState.ACTIVE in HOLDS_CAPACITY
    assert OrderState.FAILED in HOLDS_CAPACITY
    assert HOLDS_CAPACITY.isdisjoint(TERMINAL)
    assert OrderState.PROVISIONING not in FREEZABLE  # a running fulfilment finishes its step


def test_unknown_values_are_rejected() -> None:
    with pytest.raises(ValueError):
        next_state("bogus", "approve")
    with pytest.raises(ValueError):
        next_state("submitted", "teleport")
