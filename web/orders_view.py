"""How the portal words an order: its state, what it is waiting for and what it is for, in the
person's language — messages are marked here and translated by the templates, so the order
pages, the list and the detail say the same thing about the same order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dcim.orders.schemas import OrderEventRead, OrderRead
from dcim.orders.states import LoaStatus, OrderAction, OrderState
from web.i18n import marker as _

KIND_NAMES = {
    "space": _("Rack space"),
    "power": _("Power"),
    "cross_connect": _("Cross-connect"),
}
S = OrderState
STATE_NAMES: dict[str, str] = {
    S.SUBMITTED: _("Submitted"),
    S.IN_REVIEW: _("In review"),
    S.ACTION_REQUIRED: _("Action required"),
    S.APPROVED: _("Approved"),
    S.PROVISIONING: _("Provisioning"),
    S.ACTIVE: _("Fulfilled: in service"),
    S.DECOMMISSION_REQUESTED: _("Decommission requested"),
    S.DECOMMISSIONED: _("Decommissioned"),
    S.REJECTED: _("Rejected"),
    S.CANCELLED: _("Cancelled"),
    S.FAILED: _("Failed"),
}
GOOD, BAD = frozenset({S.ACTIVE}), frozenset({S.REJECTED, S.CANCELLED, S.FAILED})
WAITS_FOR: dict[str, str] = {
    S.SUBMITTED: _("The datacenter to review it"),
    S.IN_REVIEW: _("The datacenter's decision"),
    S.ACTION_REQUIRED: _("You: the datacenter needs more from you"),
    S.APPROVED: _("Provisioning to start"),
    S.PROVISIONING: _("The datacenter to build it in the plant"),
    S.ACTIVE: _("Nothing: it is in service"),
    S.DECOMMISSION_REQUESTED: _("The datacenter to remove it"),
    S.DECOMMISSIONED: _("Nothing: it is closed"),
    S.REJECTED: _("Nothing: it is closed"),
    S.CANCELLED: _("Nothing: it is closed"),
    S.FAILED: _("The datacenter to retry provisioning"),
}
WAITS_FOR_LOA = _("The other side's letter of authorization (LOA)")
WAITS_FOR_TENANT = _("Your company's account to be active again")
ACTION_NAMES: dict[str, str] = {
    "submit": _("Submitted"),
    OrderAction.REVIEW: _("Taken into review"),
    OrderAction.REQUEST_ACTION: _("Asked for action"),
    OrderAction.RESUBMIT: _("Answered and resubmitted"),
    OrderAction.APPROVE: _("Approved"),
    OrderAction.REJECT: _("Rejected"),
    OrderAction.CANCEL: _("Cancelled"),
    OrderAction.START_PROVISIONING: _("Building started"),
    OrderAction.ACTIVATE: _("Built: in service"),
    OrderAction.FAIL: _("Building failed"),
    OrderAction.REQUEST_DECOMMISSION: _("Decommission requested"),
    OrderAction.DECOMMISSION: _("Decommissioned"),
}
LOA_NAMES: dict[str, str] = {
    LoaStatus.PENDING: _("Waiting for the other side"),
    LoaStatus.GRANTED: _("Granted"),
    LoaStatus.REFUSED: _("Refused"),
    LoaStatus.EXPIRED: _("Expired"),
}
# (The dashboard, web/dashboard.py, words open orders with the same messages.)
# The moves a tenant makes from the order page: action → (path segment, the API operation).
TENANT_ACTIONS: dict[str, tuple[str, str]] = {
    OrderAction.RESUBMIT: ("resubmit", "resubmit_order"),
    OrderAction.CANCEL: ("cancel", "cancel_order"),
    OrderAction.REQUEST_DECOMMISSION: ("request-decommission", "request_order_decommission"),
}
ACTION_BUTTONS: dict[str, str] = {
    OrderAction.RESUBMIT: _("Send the answer and resubmit"),
    OrderAction.CANCEL: _("Cancel the order"),
    OrderAction.REQUEST_DECOMMISSION: _("Request decommission"),
}
ACTION_REASON_LABELS: dict[str, str] = {
    OrderAction.RESUBMIT: _("Your answer"),
    OrderAction.CANCEL: _("Why (optional)"),
    OrderAction.REQUEST_DECOMMISSION: _("Why (optional)"),
}


def state_name(state: str) -> str:
    return STATE_NAMES.get(state, state)  # a StrEnum member is found by its value


def state_class(state: str) -> str:
    """The colo.css badge class: good (in service), bad (closed without service), wait."""
    return "good" if state in GOOD else "bad" if state in BAD else "wait"


def waits_for(order: OrderRead) -> str:
    if order.frozen:
        return WAITS_FOR_TENANT
    if (order.kind == "cross_connect" and order.loa_status == LoaStatus.PENDING
            and order.state in (S.SUBMITTED, S.IN_REVIEW)):
        return WAITS_FOR_LOA
    return WAITS_FOR.get(order.state, "")


# Codes the API stores, as people read them (the order form offers the same words).
REDUNDANCY_NAMES = {"a+b": _("A and B feeds"), "single": _("A single feed")}
PHASE_NAMES = {"single-phase": _("Single-phase"), "three-phase": _("Three-phase")}
MEDIA_NAMES = {"smf": _("Single-mode fibre"), "mmf": _("Multi-mode fibre"), "copper": _("Copper")}


@dataclass(frozen=True, slots=True)
class Fact:
    """One line of what an order is for: a label (a msgid) and a value, shown as it is or, when
    `named` (a code's name from the maps above), translated."""

    label: str
    value: str
    named: bool = False

    def shown(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.value) if self.named else self.value


def media_name(code: str) -> str:
    """A port media code's name (a msgid), or the code itself when it is not one Colo knows."""
    return MEDIA_NAMES.get(code, code)


def _units(units: object) -> str:
    if isinstance(units, list) and units and all(isinstance(u, int) for u in units):
        return f"U{min(units)}-U{max(units)}" if len(units) > 1 else f"U{units[0]}"
    return ""


def _port(port: object) -> str:
    if isinstance(port, dict):
        return f"{port.get('device', '')}:{port.get('name', '')}"
    return ""


def facts(order: OrderRead) -> list[Fact]:
    """What the order asks for, from its spec (the values as the domain stored them)."""
    spec = order.spec
    out: list[Fact] = []

    def add(label: str, value: object, names: dict[str, str] | None = None) -> None:
        if value not in (None, "", [], {}):
            name = names.get(str(value)) if names else None
            out.append(Fact(label, name, named=True) if name else Fact(label, str(value)))

    if order.kind == "space":
        add(_("Rack"), spec.get("rack_name") or spec.get("rack_id"))
        add(_("Units"), spec.get("units"))
        add(_("Position"), _units(spec.get("units_assigned")))
        if spec.get("kw"):
            add(_("Power headroom (kW)"), spec.get("kw"))
    elif order.kind == "power":
        add(_("Rack"), spec.get("rack_id"))
        add(_("Load (kW)"), spec.get("kw"))
        add(_("Redundancy"), spec.get("redundancy"), REDUNDANCY_NAMES)
        add(_("Phase"), spec.get("phase"), PHASE_NAMES)
        add(_("Circuit"), f"{spec.get('voltage', '')} V, {spec.get('amperage', '')} A")
    else:
        add(_("A side (your port)"), _port(spec.get("a_port")))
        add(_("Z side"), _port(spec.get("z_port")))
        add(_("Media"), spec.get("media"), MEDIA_NAMES)
        add(_("Speed"), spec.get("speed"))
    add(_("Note"), spec.get("note"))
    return out


def asked(events: list[OrderEventRead]) -> str:
    """What the datacenter last asked for, while the order waits for the tenant's answer."""
    for event in reversed(events):
        if event.to_state == S.ACTION_REQUIRED:
            return event.reason
    return ""


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)
