"""Who may call the access-log routes (format: tenants/policy.py). Site access (visits, the gate,
alerts) has its own table in siteaccess/policy.py."""

from __future__ import annotations

from colo.identity import LOG_REVIEWERS, Role

POLICY: dict[str, frozenset[Role]] = {
    # the access log: security officers and auditors
    "search_access_log": LOG_REVIEWERS,
    "get_access_log_entry": LOG_REVIEWERS,
    "export_access_log": LOG_REVIEWERS,
    "get_access_log_checkpoint": LOG_REVIEWERS,
    "get_access_log_keys": LOG_REVIEWERS,
    "get_inclusion_proof": LOG_REVIEWERS,
    "get_consistency_proof": LOG_REVIEWERS,
    # the log as C2SP tlog-tiles (api/controllers/tiles.py): the same readers
    "get_tlog_checkpoint": LOG_REVIEWERS,
    "get_tlog_tile": LOG_REVIEWERS,
}

PUBLIC: frozenset[str] = frozenset()
