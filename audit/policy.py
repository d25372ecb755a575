"""Who may call the access-log and site-access routes (format: tenants/policy.py).

Site visits live in tenants/visits but their routes are listed here, with the rest of site
access, so the whole physical-security surface is reviewed in one table.
"""

from __future__ import annotations

from colo.identity import Role

SECURITY = frozenset({Role.SECURITY})
REVIEWERS = frozenset({Role.SECURITY, Role.AUDITOR})
GATE = frozenset({Role.GATE, Role.SECURITY})
TENANT_ANY = frozenset({Role.TENANT_ADMIN, Role.TENANT_MEMBER})

POLICY: dict[str, frozenset[Role]] = {
    # the access log: security officers and auditors
    "search_access_log": REVIEWERS,
    "get_access_log_entry": REVIEWERS,
    "export_access_log": REVIEWERS,
    "get_access_log_checkpoint": REVIEWERS,
    "get_access_log_keys": REVIEWERS,
    "get_inclusion_proof": REVIEWERS,
    "get_consistency_proof": REVIEWERS,
    # site visits: tenants request, security decides, the gate reads the day's visits
    "request_visit": TENANT_ANY,
    "list_visits": TENANT_ANY | GATE,
    "get_visit": TENANT_ANY | GATE,
    "cancel_visit": TENANT_ANY,
    "approve_visit": SECURITY,
    "deny_visit": SECURITY,
    # the gate
    "gate_check_in": GATE,
    "gate_check_out": GATE,
    # alerts
    "list_alerts": SECURITY,
    "acknowledge_alert": SECURITY,
}

PUBLIC: frozenset[str] = frozenset()
