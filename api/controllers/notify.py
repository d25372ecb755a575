"""Notifications over HTTP: a tenant administrator's webhook endpoints (the secret answered once,
rotation with overlap, the delivery log and redelivery), a tenant's inbox of its events, the
notices affecting a tenant, and ops' notices — published and updated with the impact
api/notice_impact.py works out from the plant, previewed before publishing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from api.controllers.problem_docs import problems
from api.notice_impact import audience_of
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from colo.outbox import EventType
from colo.paging import Keyset, slice_page
from notify import email, endpoints, inbox, notices
from notify.email import SubscriptionCreate, SubscriptionRead
from notify.inbox import InboxEventRead
from notify.notices import Audience, MyNoticeRead, NoticeCreate, NoticeRead, NoticeTargets, NoticeUpdate
from notify.schemas import DeliveryRead, EndpointCreate, EndpointRead, EndpointSecret

ENDPOINT_KEYS = Keyset("webhook_endpoints", (datetime, UUID))
DELIVERY_KEYS = Keyset("webhook_deliveries", (datetime, UUID), descending=True)
SUBSCRIPTION_KEYS = Keyset("notification_subscriptions", (datetime, UUID))


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ["notifications"]

    @post("/", operation_id="create_webhook_endpoint", status_code=201,
          summary="Register an endpoint for some event types; the signing secret is in this answer only",
          responses=problems(400, 401, 403, 409, 422))
    async def create(self, request: ColoRequest,
                     data: JSONBody[EndpointCreate]) -> EndpointSecret:
        return await endpoints.create_endpoint(principal=request.principal, data=data,
                                               master_key=request.services.keys.master_key)

    @get("/", operation_id="list_webhook_endpoints", summary="Your tenant's webhook endpoints",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_endpoints(self, request: ColoRequest,
                             limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[Page[EndpointRead]]:
        page = keyset_request(cursor, limit=limit, keyset=ENDPOINT_KEYS)
        rows = await endpoints.list_endpoints(principal=request.principal)
        return respond(request, slice_page(rows, key=lambda e: (e.created_at, e.id), keyset=ENDPOINT_KEYS, page=page))

    @post("/{endpoint_id:uuid}/rotate-secret", operation_id="rotate_webhook_secret", status_code=200,
          summary="A new signing secret (answered once); the old one keeps signing beside it for 24 hours",
          responses=problems(401, 403, 404))
    async def rotate(self, request: ColoRequest,
                     endpoint_id: FromPath[UUID]) -> EndpointSecret:
        return await endpoints.rotate_secret(principal=request.principal, endpoint_id=endpoint_id,
                                             master_key=request.services.keys.master_key)

    @post("/{endpoint_id:uuid}/enable", operation_id="enable_webhook_endpoint", status_code=200,
          summary="Take a disabled endpoint back into service", responses=problems(401, 403, 404))
    async def enable(self, request: ColoRequest, endpoint_id: FromPath[UUID]) -> EndpointRead:
        return await endpoints.enable_endpoint(principal=request.principal, endpoint_id=endpoint_id)

    @delete("/{endpoint_id:uuid}", operation_id="delete_webhook_endpoint", status_code=204,
            summary="Remove an endpoint and its delivery log", responses=problems(401, 403, 404))
    async def remove(self, request: ColoRequest, endpoint_id: FromPath[UUID]) -> None:
        await endpoints.delete_endpoint(principal=request.principal, endpoint_id=endpoint_id)

    @get("/{endpoint_id:uuid}/deliveries", operation_id="list_webhook_deliveries",
         summary="The endpoint's delivery log, newest first: status, attempts, latency, answer code, next attempt",
         responses=problems(400, 401, 403, 404, 422), **PAGED)
    async def deliveries(self, request: ColoRequest,
                         endpoint_id: FromPath[UUID], limit: PageSize = DEFAULT_LIMIT,
                         cursor: Cursor = None) -> Response[Page[DeliveryRead]]:
        page = keyset_request(cursor, limit=limit, keyset=DELIVERY_KEYS)
        rows = await endpoints.list_deliveries(principal=request.principal, endpoint_id=endpoint_id)
        return respond(request, slice_page(rows, key=lambda d: (d.created_at, d.id), keyset=DELIVERY_KEYS, page=page))

    @post("/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/redeliver", operation_id="redeliver_webhook",
          status_code=200, summary="Send a delivery again now, under the same webhook-id",
          responses=problems(401, 403, 404, 409))
    async def redeliver(self, request: ColoRequest, endpoint_id: FromPath[UUID],
                        delivery_id: FromPath[UUID]) -> DeliveryRead:
        return await endpoints.redeliver(principal=request.principal, endpoint_id=endpoint_id, delivery_id=delivery_id)


class SubscriptionController(Controller):
    path = "/v1/notification-subscriptions"
    tags = ["notifications"]

    @post("/", operation_id="subscribe_notifications", status_code=200,
          summary="Have one of your people e-mailed about some event types, in Azerbaijani or English "
                  "(replaces what they received before)", responses=problems(400, 401, 403, 404, 422))
    async def subscribe(self, request: ColoRequest, data: JSONBody[SubscriptionCreate]) -> SubscriptionRead:
        return await email.subscribe(principal=request.principal, data=data)

    @get("/", operation_id="list_notification_subscriptions", summary="Who of your people is e-mailed about what",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_subscriptions(self, request: ColoRequest,
                                 limit: PageSize = DEFAULT_LIMIT,
                                 cursor: Cursor = None) -> Response[Page[SubscriptionRead]]:
        page = keyset_request(cursor, limit=limit, keyset=SUBSCRIPTION_KEYS)
        rows = await email.list_subscriptions(principal=request.principal)
        return respond(request, slice_page(rows, key=lambda s: (s.created_at, s.id), keyset=SUBSCRIPTION_KEYS,
                                           page=page))

    @delete("/{subscription_id:uuid}", operation_id="unsubscribe_notifications", status_code=204,
            summary="Stop e-mailing this person", responses=problems(401, 403, 404))
    async def unsubscribe(self, request: ColoRequest, subscription_id: FromPath[UUID]) -> None:
        await email.unsubscribe(principal=request.principal, subscription_id=subscription_id)


class EventController(Controller):
    path = "/v1/events"
    tags = ["notifications"]

    @get("/mine", operation_id="list_my_events",
         summary="Your tenant's events, newest first: the same events and data your webhooks carry",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def mine(
        self, request: ColoRequest,
        event_type: Annotated[EventType | None, QueryParameter(name="type")] = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[InboxEventRead]]:
        page = keyset_request(cursor, limit=limit, keyset=inbox.INBOX_KEYS)
        return respond(request, await inbox.list_my_events(principal=request.principal, page=page,
                                                           event_type=event_type))


class NoticeController(Controller):
    path = "/v1/notices"
    tags = ["notifications"]

    @get("/mine", operation_id="list_my_notices",
         summary="Maintenance and incident notices affecting your tenant, with your affected racks and "
                 "cross-connects only", responses=problems(400, 401, 403, 422), **PAGED)
    async def mine(self, request: ColoRequest,
                   limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[Page[MyNoticeRead]]:
        page = keyset_request(cursor, limit=limit, keyset=notices.MY_NOTICE_KEYS)
        return respond(request, await notices.my_notices(principal=request.principal, page=page))

    @get("/", operation_id="list_notices", summary="Every notice, newest first (ops)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_all(self, request: Request[Any, Any, Any], limit: PageSize = DEFAULT_LIMIT,
                       cursor: Cursor = None) -> Response[Page[NoticeRead]]:
        page = keyset_request(cursor, limit=limit, keyset=notices.NOTICE_KEYS)
        return respond(request, await notices.list_notices(page=page))

    @post("/", operation_id="publish_notice", status_code=201,
          summary="Publish a notice on plant objects; every affected tenant is told its own share",
          responses=problems(400, 401, 403, 422))
    async def publish(self, request: ColoRequest, data: JSONBody[NoticeCreate]) -> NoticeRead:
        return await notices.publish_notice(principal=request.principal, data=data,
                                            audience=await audience_of(data.targets))

    @patch("/{notice_id:uuid}", operation_id="update_notice",
           summary="Change a notice's status, window, summary or plant objects; the tenants affected before "
                   "or after are told", responses=problems(400, 401, 403, 404, 422))
    async def update(self, request: ColoRequest, notice_id: FromPath[UUID],
                     data: JSONBody[NoticeUpdate]) -> NoticeRead:
        targets = data.targets if data.targets is not None else await notices.notice_targets(notice_id)
        return await notices.update_notice(principal=request.principal, notice_id=notice_id, data=data,
                                           audience=await audience_of(targets))

    @post("/impact", operation_id="preview_notice_impact", status_code=200,
          summary="Which tenants a notice on these plant objects would reach, and how (nothing is published)",
          responses=problems(400, 401, 403, 422))
    async def preview(self, data: JSONBody[NoticeTargets]) -> list[Audience]:
        return await audience_of(data)
