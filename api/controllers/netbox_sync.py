"""NetBox → Colo: the signed webhook endpoint, and read-model sync status / trigger for ops."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Literal

import msgspec
from litestar import Controller, get, post

from api.controllers.problem_docs import example, problems
from api.request import ColoRequest
from colo.errors import AuthenticationFailed, ValidationFailed
from dcim.readmodel import store
from dcim.readmodel.sync import WATCHED_TYPES, full_sync, plan_event
from dcim.readmodel.webhook_health import check_webhooks, current_health, event_time, record_webhook

SIGNATURE_HEADER = "x-hook-signature"


class WebhookAccepted(msgspec.Struct):
    object_type: str
    event: str
    objects_to_refresh: int
    racks_to_refresh: list[int]
    full_sync_queued: bool


class SyncStatus(msgspec.Struct):
    last_full_sync: datetime | None
    last_event_refresh: datetime | None
    # Whether NetBox's webhooks reach Colo (judged from NetBox's changelog at each full sync).
    webhooks: Literal["arriving", "not_arriving", "unknown"] = "unknown"
    last_webhook_event: datetime | None = None
    last_netbox_change: datetime | None = None
    webhooks_detail: str = ""


class SyncRun(msgspec.Struct):
    objects: int
    seconds: float
    objects_per_second: float


def signature_ok(secret: bytes, body: bytes, presented: str | None) -> bool:
    """NetBox's X-Hook-Signature: hex HMAC-SHA512 of the raw body with the webhook's secret."""
    if not presented or not secret:
        return False
    expected = hmac.new(secret, body, hashlib.sha512).hexdigest()
    return hmac.compare_digest(expected, presented.strip().lower())



class NetBoxSyncController(Controller):
    path = "/v1/netbox"
    tags = ["netbox"]

    @post("/webhook", operation_id="receive_netbox_webhook", status_code=202,
          summary="NetBox event (signed with X-Hook-Signature); updates the read model",
          description="Authenticated by the HMAC-SHA512 signature NetBox computes with the "
          "webhook secret (COLO_WEBHOOK_SECRET), not by an API key. The body is only a hint of "
          "what changed: Colo re-reads those objects from NetBox in the background, so a replayed "
          "or stale body cannot put old data into the read model. Answers at once.",
          responses={**example(WebhookAccepted, {"object_type": "dcim.rackreservation", "event": "created",
                                 "objects_to_refresh": 0, "racks_to_refresh": [5],
                                 "full_sync_queued": False}, status=202),
                     **problems(400, 401, 422)},
          security=[{}])
    async def receive(self, request: ColoRequest, ) -> WebhookAccepted:
        body = await request.body()
        if not signature_ok(request.services.keys.webhook_secret, body, request.headers.get(SIGNATURE_HEADER)):
            raise AuthenticationFailed("missing or invalid X-Hook-Signature")
        try:
            payload = msgspec.json.decode(body)
        except msgspec.DecodeError:
            raise ValidationFailed("body", "not valid JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise ValidationFailed("data", "a NetBox webhook body has an object in `data`")
        received = datetime.now(UTC)  # webhooks do arrive: /readyz and freshness say so
        await record_webhook(at=event_time(payload, received_at=received), received_at=received)
        plan = await plan_event(payload)
        await request.services.read_model.enqueue(plan)  # into the database: the read-model leader applies it
        return WebhookAccepted(
            object_type=str(payload.get("object_type", "")), event=str(payload.get("event", "")),
            objects_to_refresh=len(plan.objects), racks_to_refresh=sorted(plan.rack_ids),
            full_sync_queued=plan.full_sync,
        )

    @get("/sync", operation_id="sync_status",
         summary="When the read model was last synced, and whether NetBox's webhooks reach Colo",
         responses={**example(SyncStatus, {"last_full_sync": "2026-11-22T03:30:00Z",
                                "last_event_refresh": "2026-11-22T03:31:12Z", "webhooks": "arriving",
                                "last_webhook_event": "2026-11-22T03:31:11Z",
                                "last_netbox_change": "2026-11-22T03:31:11Z",
                                "webhooks_detail": "NetBox announced its changes"}),
                    **problems(401, 403)})
    async def status(self, request: ColoRequest) -> SyncStatus:
        last = await store.last_sync()
        hooks = await current_health()
        return SyncStatus(last_full_sync=last.get("full"), last_event_refresh=last.get("event"),
                          webhooks=hooks.status, last_webhook_event=hooks.last_webhook_at,
                          last_netbox_change=hooks.last_change_at, webhooks_detail=hooks.detail)

    @post("/sync", operation_id="trigger_sync", status_code=200,
          summary="Run a full sync of the read model from NetBox now (ops)",
          responses={**example(SyncRun, {"objects": 612, "seconds": 1.3, "objects_per_second": 470.8}),
                     **problems(401, 403, 503)})
    async def trigger(self, request: ColoRequest, ) -> SyncRun:
        result = await full_sync(request.services.netbox)
        await check_webhooks(request.services.netbox, grace_seconds=request.services.settings.webhook_grace_seconds,
                             object_types=WATCHED_TYPES, since=request.services.read_model.started_at)
        return SyncRun(objects=result.objects, seconds=round(result.seconds, 3),
                       objects_per_second=round(result.objects_per_second, 1))
