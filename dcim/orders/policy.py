"""Who may call the order, LOA and reconciliation operations (format: tenants/policy.py).

Tenant roles only pass the guard here; which orders and LOAs they see is decided in the data
layer (dcim/orders/store.py, dcim/orders/loas.py), and which moves they may make by
dcim/orders/service.py:ACTION_ROLES.
"""

from __future__ import annotations

from colo.identity import OPS, STAFF_ROLES, TENANT_ADMIN, TENANT_ROLES, Role

POLICY: dict[str, frozenset[Role]] = {
    "create_order": TENANT_ROLES | OPS,
    "list_orders": STAFF_ROLES | TENANT_ROLES,
    "get_order": STAFF_ROLES | TENANT_ROLES,
    "list_order_events": STAFF_ROLES | TENANT_ROLES,
    "review_order": OPS,
    "request_order_action": OPS,
    "resubmit_order": TENANT_ROLES | OPS,
    "approve_order": OPS,
    "reject_order": OPS,
    "cancel_order": TENANT_ROLES | OPS,
    "fulfil_order": OPS,
    "request_order_decommission": TENANT_ADMIN | OPS,
    "decommission_order": OPS,
    "list_loas": STAFF_ROLES | TENANT_ROLES,
    "get_loa": STAFF_ROLES | TENANT_ROLES,
    "get_order_loa": STAFF_ROLES | TENANT_ROLES,
    "get_loa_text": STAFF_ROLES | TENANT_ROLES,
    "grant_loa": TENANT_ADMIN | OPS,
    "refuse_loa": TENANT_ADMIN | OPS,
    "run_reconciliation": OPS | frozenset({Role.AUDITOR}),
}

# Anyone holding an LOA must be able to check it offline with the facility's public key.
PUBLIC: frozenset[str] = frozenset({"loa_public_keys"})
