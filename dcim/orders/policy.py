"""Who may call the order, LOA and reconciliation operations (format: tenants/policy.py).

Tenant roles only pass the guard here; which orders and LOAs they see is decided in the data
layer (dcim/orders/store.py, dcim/orders/loas.py). Which moves a role may make on an order is
this table too: `roles_for(action)` reads the row of the operation that makes the move, and
dcim/orders/service.py:act checks it, so the route and the service cannot disagree.
"""

from __future__ import annotations

from colo.identity import OPS, STAFF_ROLES, TENANT_ADMIN, TENANT_ROLES, Role
from dcim.orders.states import OrderAction

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
    # signed approvals (COLO_SIGNED_APPROVALS=decommissions): the PDF to sign, and the signed approval
    "get_decommission_pdf": OPS,
    "decommission_order_signed": OPS,
    "list_loas": STAFF_ROLES | TENANT_ROLES,
    "get_loa": STAFF_ROLES | TENANT_ROLES,
    "get_loa_terms": STAFF_ROLES | TENANT_ROLES,
    "get_order_loa": STAFF_ROLES | TENANT_ROLES,
    "get_loa_text": STAFF_ROLES | TENANT_ROLES,
    "grant_loa": TENANT_ADMIN | OPS,
    "refuse_loa": TENANT_ADMIN | OPS,
    "grant_loa_signed": TENANT_ADMIN | OPS,
    "get_loa_pdf": STAFF_ROLES | TENANT_ROLES,
    "run_reconciliation": OPS | frozenset({Role.AUDITOR}),
}

# Anyone holding an LOA must be able to check it offline with the facility's public key.
PUBLIC: frozenset[str] = frozenset({"loa_public_keys", "loa_signing_certificates"})

# The moves a person makes through dcim/orders/service.py:act, by the operation that makes each.
# Fulfilment's own moves (start_provisioning, activate, fail, decommission) are not among them.
ACTION_OPERATIONS: dict[OrderAction, str] = {
    OrderAction.REVIEW: "review_order",
    OrderAction.REQUEST_ACTION: "request_order_action",
    OrderAction.RESUBMIT: "resubmit_order",
    OrderAction.APPROVE: "approve_order",
    OrderAction.REJECT: "reject_order",
    OrderAction.CANCEL: "cancel_order",
    OrderAction.REQUEST_DECOMMISSION: "request_order_decommission",
}


def roles_for(action: OrderAction) -> frozenset[Role]:
    """The roles that may take `action` on an order (none for fulfilment's own moves)."""
    operation = ACTION_OPERATIONS.get(action)
    return POLICY[operation] if operation is not None else frozenset()
