"""Registering Colo's webhook and event rule in NetBox, so plant changes reach the read model.

NetBox signs each delivery with `X-Hook-Signature` = hex HMAC-SHA512 of the body, keyed with
the webhook's secret; Colo verifies it (api/controllers/netbox_webhook.py).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlparse

from dcim.netbox.gateway import NetBoxGateway

WEBHOOK_NAME = "colo-read-model"
WEBHOOK_PATH = "/v1/netbox/webhook"
EVENT_TYPES = ["object_created", "object_updated", "object_deleted"]


def payload_url(colo_base_url: str) -> str:
    """The URL NetBox posts to, for a Colo base URL."""
    return colo_base_url.rstrip("/") + WEBHOOK_PATH


def is_loopback(url: str) -> bool:
    """Whether a URL points at this machine only (right for NetBox only when both run here)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def register_webhook(gateway: NetBoxGateway, *, colo_base_url: str, secret: str,
                           object_types: list[str], name: str = WEBHOOK_NAME) -> dict[str, int]:
    """Create or update the webhook + event rule (idempotent); returns their NetBox ids."""
    url = payload_url(colo_base_url)
    webhook_fields = {"name": name, "payload_url": url, "http_method": "POST",
                      "http_content_type": "application/json", "secret": secret,
                      "ssl_verification": url.startswith("https:"), "timeout": 10,
                      "description": "Colo read model: plant changes"}

    def apply(api: Any) -> dict[str, int]:
        hook = api.extras.webhooks.get(name=name)
        if hook is None:
            hook = api.extras.webhooks.create(webhook_fields)
        else:
            hook.update(webhook_fields)  # URL or secret may have changed; a PATCH either way
        rule_fields = {"name": name, "enabled": True, "object_types": object_types,
                       "event_types": EVENT_TYPES, "action_type": "webhook",
                       "action_object_type": "extras.webhook", "action_object_id": hook.id,
                       "description": "Colo read model: plant changes"}
        rule = api.extras.event_rules.get(name=name)
        if rule is None:
            rule = api.extras.event_rules.create(rule_fields)
        else:
            rule.update(rule_fields)
        return {"webhook": int(hook.id), "event_rule": int(rule.id)}

    return await gateway.call(apply, what="register webhook")


async def unregister_webhook(gateway: NetBoxGateway, *, name: str = WEBHOOK_NAME) -> None:
    def remove(api: Any) -> None:
        for endpoint in (api.extras.event_rules, api.extras.webhooks):
            found = endpoint.get(name=name)
            if found is not None:
                found.delete()

    await gateway.call(remove, what="unregister webhook")
