"""Who may call the notification routes (format: tenants/policy.py): a tenant's administrators
manage its webhook endpoints and their delivery log; every tenant key reads the notices that
affect its tenant and its tenant's events (the inbox); ops publish, update, list and preview
notices."""

from __future__ import annotations

from colo.identity import OPS, TENANT_ADMIN, TENANT_ROLES, Role

POLICY: dict[str, frozenset[Role]] = {
    "create_webhook_endpoint": TENANT_ADMIN,
    "list_webhook_endpoints": TENANT_ADMIN,
    "rotate_webhook_secret": TENANT_ADMIN,
    "enable_webhook_endpoint": TENANT_ADMIN,
    "delete_webhook_endpoint": TENANT_ADMIN,
    "list_webhook_deliveries": TENANT_ADMIN,
    "redeliver_webhook": TENANT_ADMIN,
    "subscribe_notifications": TENANT_ADMIN,
    "list_notification_subscriptions": TENANT_ADMIN,
    "unsubscribe_notifications": TENANT_ADMIN,
    "list_my_notices": TENANT_ROLES,
    "list_my_events": TENANT_ROLES,
    "publish_notice": OPS,
    "update_notice": OPS,
    "list_notices": OPS,
    "preview_notice_impact": OPS,
}

PUBLIC: frozenset[str] = frozenset()
