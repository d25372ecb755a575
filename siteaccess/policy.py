"""Who may call the site-access routes (format: tenants/policy.py): visits, the gate, alerts,
shipments and the loading dock, the whole physical-security surface in one table."""

from __future__ import annotations

from colo.identity import GATE_STAFF, OPS, SECURITY, TENANT_ROLES, Role

POLICY: dict[str, frozenset[Role]] = {
    # site visits: tenants request, security decides, the gate reads the day's visits
    "request_visit": TENANT_ROLES,
    "list_visits": TENANT_ROLES | GATE_STAFF,
    "get_visit": TENANT_ROLES | GATE_STAFF,
    "cancel_visit": TENANT_ROLES,
    "approve_visit": SECURITY,
    "deny_visit": SECURITY,
    # signed approvals (COLO_SIGNED_APPROVALS=visits): the PDF to sign, and the signed approval
    "get_visit_approval_pdf": SECURITY,
    "approve_visit_signed": SECURITY,
    # the gate
    "gate_check_in": GATE_STAFF,
    "gate_check_out": GATE_STAFF,
    "list_on_site": GATE_STAFF,
    # alerts: security handles them; ops read them too (a delivery held at the dock too long is theirs)
    "list_alerts": SECURITY | OPS,
    "acknowledge_alert": SECURITY,
    # shipments: tenants announce and request, security or ops let equipment leave; the dock
    # (the gate role, security, ops) receives, stores, delivers and hands over
    "announce_shipment": TENANT_ROLES,
    "request_outbound_shipment": TENANT_ROLES,
    "list_shipments": TENANT_ROLES | GATE_STAFF | OPS,
    "get_shipment": TENANT_ROLES | GATE_STAFF | OPS,
    "cancel_shipment": TENANT_ROLES,
    "approve_shipment": SECURITY | OPS,
    "refuse_shipment": SECURITY | OPS,
    "receive_shipment": GATE_STAFF | OPS,
    "store_shipment": GATE_STAFF | OPS,
    "deliver_shipment": GATE_STAFF | OPS,
    "hand_over_shipment": GATE_STAFF | OPS,
}

PUBLIC: frozenset[str] = frozenset()
