"""The portal's navigation: each entry names the operation whose policy entry decides who sees it,
so a person is offered exactly the pages the guard would let them open (one rule, web/guard.py).

A screen account (the gate's tablet at the entrance, KIOSK_SCREENS) is offered its screens and its
own account page, of what the policy lets it open, and lands on the first of its screens: the gate
tablet is offered the gate and the loading dock (the gate role does the dock's work,
siteaccess/policy.py). What else the gate role may read (the visits list) is for the gate's key,
not offered on a screen at the door."""

from __future__ import annotations

from dataclasses import dataclass

from api.guards import AccessPolicy
from colo.identity import Role
from tenants.policy import is_allowed
from web.i18n import marker as _


@dataclass(frozen=True, slots=True)
class NavItem:
    path: str
    label: str
    operation: str


NAV: tuple[NavItem, ...] = (
    NavItem("/", _("Dashboard"), "portal_index"),
    NavItem("/orders", _("Orders"), "list_orders"),
    NavItem("/capacity", _("Order"), "search_capacity"),
    NavItem("/loas", _("LOAs"), "list_loas"),
    NavItem("/visits", _("Visits"), "list_visits"),
    NavItem("/shipments", _("Shipments"), "announce_shipment"),
    NavItem("/service-desk", _("Service desk"), "create_hands_request"),
    NavItem("/notifications", _("Notifications"), "list_my_events"),
    NavItem("/people", _("People"), "list_people"),
    NavItem("/keys", _("API keys"), "list_keys"),
    # the security officer's console
    NavItem("/security/visits", _("Visit queue"), "approve_visit"),
    NavItem("/gate", _("Gate"), "gate_check_in"),
    NavItem("/dock", _("Loading dock"), "receive_shipment"),
    NavItem("/security/shipments", _("Outbound approvals"), "approve_shipment"),
    NavItem("/alerts", _("Alerts"), "list_alerts"),
    NavItem("/access-log", _("Access log"), "search_access_log"),
    NavItem("/access-review", _("Access review"), "portal_access_review"),
    # the ops console
    NavItem("/ops/applications", _("Applications"), "list_applications"),
    NavItem("/ops/orders", _("Order queue"), "review_order"),
    NavItem("/ops/service-desk", _("Service desk queue"), "accept_service_ticket"),
    NavItem("/ops/capacity", _("Capacity map"), "portal_capacity_map"),
    NavItem("/ops/reconciliation", _("Reconciliation"), "run_reconciliation"),
    NavItem("/ops/tenants", _("Tenants"), "portal_ops_tenants"),
    NavItem("/staff/accounts", _("Staff accounts"), "portal_staff_accounts"),
    NavItem("/account", _("Your account"), "portal_account"),
)


# role → the screens its account is offered; it lands on the first
KIOSK_SCREENS: dict[Role, tuple[str, ...]] = {Role.GATE: ("/gate", "/dock")}


def visible(policy: AccessPolicy, role: Role) -> list[NavItem]:
    """The entries `role` may open; the start page is everyone's but a screen account's."""
    screens = KIOSK_SCREENS.get(role)
    if screens is not None:
        return [item for item in NAV if item.path in (*screens, "/account")
                and is_allowed(policy.roles, item.operation, role)]
    return [item for item in NAV if item.operation == "portal_index" or is_allowed(policy.roles, item.operation, role)]
