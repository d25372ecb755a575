"""The one state machine of both ticket kinds: which action leads from which states to which.

    submitted → accepted → in_progress → completed | cancelled
    (submitted | accepted | in_progress | customer_updated) → action_required → customer_updated
    completed → submitted again (reopen, within COLO_SERVICEDESK_REOPEN_DAYS of completion)

An action from any other state is refused with a Conflict (409) naming the state. Who may take
each action is the policy table's matter (servicedesk/policy.py), not this module's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from colo.errors import Conflict
from servicedesk.status import TicketState

S = TicketState


class Action(StrEnum):
    ACCEPT = "accept"
    START = "start"
    COMPLETE = "complete"
    REQUEST_ACTION = "request_action"  # ops ask the customer for something
    ANSWER = "answer"  # the customer answers
    CANCEL = "cancel"
    REOPEN = "reopen"


TRANSITIONS: dict[Action, tuple[frozenset[TicketState], TicketState]] = {
    Action.ACCEPT: (frozenset({S.SUBMITTED, S.CUSTOMER_UPDATED}), S.ACCEPTED),
    Action.START: (frozenset({S.ACCEPTED, S.CUSTOMER_UPDATED}), S.IN_PROGRESS),
    Action.COMPLETE: (frozenset({S.IN_PROGRESS, S.CUSTOMER_UPDATED}), S.COMPLETED),
    Action.REQUEST_ACTION: (frozenset({S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.CUSTOMER_UPDATED}),
                            S.ACTION_REQUIRED),
    Action.ANSWER: (frozenset({S.ACTION_REQUIRED}), S.CUSTOMER_UPDATED),
    Action.CANCEL: (frozenset({S.SUBMITTED, S.ACCEPTED, S.ACTION_REQUIRED, S.CUSTOMER_UPDATED}), S.CANCELLED),
    Action.REOPEN: (frozenset({S.COMPLETED}), S.SUBMITTED),
}


def next_state(action: Action, current: TicketState, *, completed_at: datetime | None = None,
               reopen_days: int = 7, now: datetime | None = None) -> TicketState:
    """The state `action` leads to from `current`, or Conflict when it is not allowed."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(f"cannot {action.value.replace('_', ' ')} a ticket that is {current.value.replace('_', ' ')}",
                       state=current.value)
    if action is Action.REOPEN and completed_at is not None and now is not None \
            and now - completed_at > timedelta(days=reopen_days):
        raise Conflict(f"a ticket can be reopened only within {reopen_days} days of its completion",
                       state=current.value)
    return target


def allowed_actions(current: TicketState) -> list[str]:
    """The actions the state machine allows now (the caller's role may allow fewer)."""
    return [action.value for action, (sources, _) in TRANSITIONS.items() if current in sources]
