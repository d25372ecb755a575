"""Who may call the order, LOA and reconciliation operations (format: tenants/policy.py).

Tenant roles only pass the guard here; which orders and LOAs they see is decided in the data
layer (dcim/orders/store.py, dcim/orders/loas.py), and which moves they may make by
dcim/orders/service.py:ACTION_ROLES.
"""

from __future__ import annotations

from colo.identity import Role
from tenants.policy import OPS, STAFF, TENANT_ADMIN, TENANT_ANY

POLICY: dict[str, frozenset[Role]] = {
    "create_order": TENANT_ANY | OPS,
    "list_orders": STAFF | TENANT_ANY,
    "get_order": STAFF | TENANT_ANY,
    "list_order_events": STAFF | TENANT_ANY,
    "review_order": OPS,
    "request_order_action": OPS,
    "resubmit_order": TENANT_ANY | OPS,
    "approve_order": OPS,
    "reject_order": OPS,
    "cancel_order": TENANT_ANY | OPS,
    "fulfil_order": OPS,
    "request_order_decommission": TENANT_ADMIN | OPS,
    "decommission_order": OPS,
    "list_loas": STAFF | TENANT_ANY,
    "get_loa": STAFF | TENANT_ANY,
    "get_order_loa": STAFF | TENANT_ANY,
    "get_loa_text": STAFF | TENANT_ANY,
    "grant_loa": TENANT_ADMIN | OPS,
    "refuse_loa": TENANT_ADMIN | OPS,
    "run_reconciliation": OPS | frozenset({Role.AUDITOR}),
}

# Anyone holding an LOA must be able to check it offline with the facility's public key.
PUBLIC: frozenset[str] = frozenset({"loa_public_keys"})
