"""Who may call the access-log and site-access routes (format: tenants/policy.py)."""

from __future__ import annotations

from colo.identity import Role

SECURITY = frozenset({Role.SECURITY})
REVIEWERS = frozenset({Role.SECURITY, Role.AUDITOR})

POLICY: dict[str, frozenset[Role]] = {
    # the access log: security officers and auditors
    "search_access_log": REVIEWERS,
    "get_access_log_entry": REVIEWERS,
    "export_access_log": REVIEWERS,
    "get_access_log_checkpoint": REVIEWERS,
    "get_access_log_keys": REVIEWERS,
    "get_inclusion_proof": REVIEWERS,
    "get_consistency_proof": REVIEWERS,
}

PUBLIC: frozenset[str] = frozenset()
