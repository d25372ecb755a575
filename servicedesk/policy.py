"""Who may call the service-desk routes (format: tenants/policy.py). Tenants open and follow
their own tickets (answer, cancel, reopen, attach); ops work every tenant's tickets and see the
SLA alerts. Which tickets a tenant reaches is the data layer's matter (servicedesk/service.py)."""

from __future__ import annotations

from colo.identity import OPS, TENANT_ROLES, Role

TENANTS_AND_OPS: frozenset[Role] = TENANT_ROLES | OPS

POLICY: dict[str, frozenset[Role]] = {
    "get_service_catalogue": TENANTS_AND_OPS,
    "create_hands_request": TENANT_ROLES,
    "create_trouble_ticket": TENANT_ROLES,
    "list_service_tickets": TENANTS_AND_OPS,
    "get_service_ticket": TENANTS_AND_OPS,
    "list_service_ticket_events": TENANTS_AND_OPS,
    # the customer's side of the lifecycle
    "answer_service_ticket": TENANT_ROLES,
    "cancel_service_ticket": TENANTS_AND_OPS,
    "reopen_service_ticket": TENANT_ROLES,
    # ops work the ticket
    "accept_service_ticket": OPS,
    "start_service_ticket": OPS,
    "complete_service_ticket": OPS,
    "request_service_ticket_action": OPS,
    "add_service_ticket_note": OPS,
    "log_service_ticket_time": OPS,
    # attachments: both sides add photos and documents; downloads are tenant-scoped
    "upload_service_attachment": TENANTS_AND_OPS,
    "download_service_attachment": TENANTS_AND_OPS,
    # SLA alerts and the monthly report
    "list_service_sla_alerts": OPS,
    "acknowledge_service_sla_alert": OPS,
    "get_service_report": TENANTS_AND_OPS,
}

PUBLIC: frozenset[str] = frozenset()
