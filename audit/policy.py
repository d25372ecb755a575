"""Who may call the access-log and site-access routes (format: tenants/policy.py).

Site visits live in tenants/visits but their routes are listed here, with the rest of site
access, so the whole physical-security surface is reviewed in one table.
"""

from __future__ import annotations

from colo.identity import GATE_STAFF, LOG_REVIEWERS, SECURITY, TENANT_ROLES, Role

POLICY: dict[str, frozenset[Role]] = {
    # the access log: security officers and auditors
    "search_access_log": LOG_REVIEWERS,
    "get_access_log_entry": LOG_REVIEWERS,
    "export_access_log": LOG_REVIEWERS,
    "get_access_log_checkpoint": LOG_REVIEWERS,
    "get_access_log_keys": LOG_REVIEWERS,
    "get_inclusion_proof": LOG_REVIEWERS,
    "get_consistency_proof": LOG_REVIEWERS,
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
    # alerts
    "list_alerts": SECURITY,
    "acknowledge_alert": SECURITY,
}

PUBLIC: frozenset[str] = frozenset()
