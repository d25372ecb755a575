"""Who may call what: operation id → roles allowed. Deny by default.

Each domain owns one such table in `<domain>/policy.py` (this file for tenants; `audit/policy.py`,
`siteaccess/policy.py` and `dcim/policy.py` for the others), with two names:

    POLICY: dict[str, frozenset[Role]]   # operation_id → roles that may call it
    PUBLIC: frozenset[str]               # operation ids anyone may call without a key

The sets of roles are colo.identity's named groups (OPS, STAFF_ROLES, TENANT_ROLES, …), never
spelled out again in a table.
`api/guards.py` merges the tables at start-up (an operation listed twice is an error) and refuses
any route whose operation id is in neither. `tests/security/test_policy_coverage.py` fails when a
route of the app has no entry, so adding a route means adding one line to its domain's table.
Tenant roles only pass the guard; what they may *see* is limited by tenants/scope.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from colo.identity import EVERYONE, OPS, SECURITY, STAFF_ROLES, TENANT_ADMIN, TENANT_ROLES, Role

POLICY: dict[str, frozenset[Role]] = {
    # who am I — every key may ask
    "whoami": EVERYONE,
    # applications (review by ops)
    "list_applications": OPS,
    "get_application": OPS,
    "approve_application": OPS,
    "reject_application": OPS,
    "request_application_info": OPS,
    # tenants
    "list_tenants": STAFF_ROLES | TENANT_ROLES,
    "get_tenant": STAFF_ROLES | TENANT_ROLES,
    "suspend_tenant": OPS,
    "reinstate_tenant": OPS,
    "offboard_tenant": OPS,
    "adopt_tenant": OPS,
    "link_tenant_netbox": OPS,
    # people: tenant admins manage them; ops and security read them (site access)
    "list_people": OPS | SECURITY | TENANT_ADMIN,
    "get_person": OPS | SECURITY | TENANT_ADMIN,
    "create_person": TENANT_ADMIN,
    "update_person": TENANT_ADMIN,
    "delete_person": TENANT_ADMIN,
    # API keys: tenant admins manage their tenant's keys, ops manage staff keys
    "list_keys": OPS | TENANT_ADMIN,
    "get_key": OPS | TENANT_ADMIN,
    "create_key": OPS | TENANT_ADMIN,
    "revoke_key": OPS | TENANT_ADMIN,
    "rotate_key": OPS | TENANT_ADMIN,
}

PUBLIC: frozenset[str] = frozenset({
    "liveness",
    "readiness",
    # the applicant has no key yet: these are rate-limited and guarded by the tracking secret
    "create_application",
    "get_application_status",
    "answer_application",
    "collect_application_key",
})


class PolicyError(ValueError):
    """The merged policy is inconsistent (an operation listed twice, or both public and guarded)."""


def merge_policies(
    tables: Iterable[tuple[str, Mapping[str, frozenset[Role]], frozenset[str]]],
) -> tuple[dict[str, frozenset[Role]], frozenset[str]]:
    """Merge (domain name, POLICY, PUBLIC) triples into one table and one public set."""
    merged: dict[str, frozenset[Role]] = {}
    owner: dict[str, str] = {}
    public: set[str] = set()
    for domain, policy, domain_public in tables:
        for operation, roles in [*policy.items(), *((op, frozenset()) for op in domain_public)]:
            if operation in owner:
                raise PolicyError(f"operation {operation!r} is listed by {owner[operation]} and {domain}")
            owner[operation] = domain
            if operation in domain_public:
                public.add(operation)
            else:
                merged[operation] = frozenset(Role(r) for r in roles)
    return merged, frozenset(public)


def is_allowed(policy: Mapping[str, frozenset[Role]], operation_id: str, role: Role) -> bool:
    """Deny by default: an operation not in the table allows nobody."""
    return role in policy.get(operation_id, frozenset())
