"""The order lifecycle as a pure transition table: (state, action) → next state.

Every order kind shares it. Who may take an action is decided by the policy table and the
service layer; this module only answers "is this move legal from here?".
"""

from __future__ import annotations

from enum import StrEnum

from colo.errors import Conflict


class OrderState(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    ACTION_REQUIRED = "action_required"
    APPROVED = "approved"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    DECOMMISSION_REQUESTED = "decommission_requested"
    DECOMMISSIONED = "decommissioned"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    FAILED = "failed"


class LoaStatus(StrEnum):
    """A cross-connect's LOA-CFA (the order's `loa_status` and the LOA's own `status`)."""

    NOT_REQUIRED = "not_required"  # orders of other kinds
    PENDING = "loa_pending"  # waiting for the Z side
    GRANTED = "loa_granted"
    REFUSED = "loa_refused"
    EXPIRED = "loa_expired"  # granted, then ran out before fulfilment


class OrderAction(StrEnum):
    REVIEW = "review"  # ops pick the order up
    REQUEST_ACTION = "request_action"  # ops need more from the tenant
    RESUBMIT = "resubmit"  # the tenant answered
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    START_PROVISIONING = "start_provisioning"  # fulfilment takes it (also the retry of a failure)
    ACTIVATE = "activate"  # every NetBox object exists
    FAIL = "fail"  # NetBox refused or stayed down; retryable
    REQUEST_DECOMMISSION = "request_decommission"
    DECOMMISSION = "decommission"  # every NetBox object is gone


S, A = OrderState, OrderAction

TRANSITIONS: dict[tuple[OrderState, OrderAction], OrderState] = {
    (S.SUBMITTED, A.REVIEW): S.IN_REVIEW,
    (S.SUBMITTED, A.REQUEST_ACTION): S.ACTION_REQUIRED,
    (S.IN_REVIEW, A.REQUEST_ACTION): S.ACTION_REQUIRED,
    (S.ACTION_REQUIRED, A.RESUBMIT): S.SUBMITTED,
    (S.IN_REVIEW, A.APPROVE): S.APPROVED,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    (S.ACTION_REQUIRED, A.REJECT): S.REJECTED,
    (S.SUBMITTED, A.CANCEL): S.CANCELLED,
    (S.IN_REVIEW, A.CANCEL): S.CANCELLED,
    (S.ACTION_REQUIRED, A.CANCEL): S.CANCELLED,
    # Nothing exists in NetBox before provisioning starts, so an approved order can still go.
    (S.APPROVED, A.CANCEL): S.CANCELLED,
    (S.APPROVED, A.START_PROVISIONING): S.PROVISIONING,
    (S.FAILED, A.START_PROVISIONING): S.PROVISIONING,
    (S.PROVISIONING, A.ACTIVATE): S.ACTIVE,
    (S.PROVISIONING, A.FAIL): S.FAILED,
    (S.ACTIVE, A.REQUEST_DECOMMISSION): S.DECOMMISSION_REQUESTED,
    # A failed order may hold half its NetBox objects: decommissioning removes whatever exists.
    (S.FAILED, A.REQUEST_DECOMMISSION): S.DECOMMISSION_REQUESTED,
    (S.DECOMMISSION_REQUESTED, A.DECOMMISSION): S.DECOMMISSIONED,
}

TERMINAL = frozenset({S.DECOMMISSIONED, S.REJECTED, S.CANCELLED})
# States in which the order holds plant capacity (units, kW): everything not yet released.
HOLDS_CAPACITY = frozenset(set(OrderState) - TERMINAL)
# States in which the order's objects are expected to exist in NetBox.
EXPECTS_NETBOX = frozenset({S.ACTIVE, S.DECOMMISSION_REQUESTED})
# States a tenant suspension freezes: nothing has been built yet, or building may resume.
FREEZABLE = frozenset({S.SUBMITTED, S.IN_REVIEW, S.ACTION_REQUIRED, S.APPROVED, S.FAILED})
REASON_REQUIRED = frozenset({A.REQUEST_ACTION, A.REJECT})


def next_state(current: OrderState | str, action: OrderAction | str) -> OrderState:
    """The state `action` leads to from `current`; Conflict naming both when it is not allowed."""
    state, move = OrderState(current), OrderAction(action)
    try:
        return TRANSITIONS[(state, move)]
    except KeyError:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s == state)
        raise Conflict(
            f"cannot {move.value} an order that is {state.value}",
            state=state.value, action=move.value, allowed_actions=allowed,
        ) from None


def allowed_actions(current: OrderState | str) -> list[str]:
    state = OrderState(current)
    return sorted(a.value for (s, a) in TRANSITIONS if s == state)
