"""Who may call the site-access routes (format: tenants/policy.py): visits, the gate and alerts,
the whole physical-security surface in one table."""

from __future__ import annotations

from colo.identity import GATE_STAFF, SECURITY, TENANT_ROLES, Role

POLICY: dict[str, frozenset[Role]] = {
    # site visits: tenants request, security decides, the gate reads the day's visits
    "request_visit": TENANT_ROLES,
    "list_visits": TENANT_ROLES | GATE_STAFF,
    "get_visit": TENANT_ROLES | GATE_STAFF,
    "cancel_visit": TENANT_ROLES,
    "approve_visit": SECURITY,
    "deny_visit": SECURITY,
    # the gate
    "gate_check_in": GATE_STAFF,
    "gate_check_out": GATE_STAFF,
    "list_on_site": GATE_STAFF,
    # alerts
    "list_alerts": SECURITY,
    "acknowledge_alert": SECURITY,
}

PUBLIC: frozenset[str] = frozenset()
