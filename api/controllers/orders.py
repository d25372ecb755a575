"""Orders for rack space, power and cross-connects: one lifecycle, fulfilled in NetBox."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, HeaderParameter, Parameter, QueryParameter

from api.controllers.problem_docs import example, problems
from api.order_power import with_power_check
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from api.services import AppServices
from colo.identity import Principal
from colo.signed_approval import DECOMMISSIONS, required
from dcim.netbox.provisioning import Provisioner
from dcim.orders import service, store
from dcim.orders.schemas import OrderCreate, OrderEventRead, OrderRead, TransitionRequest
from dcim.orders.states import OrderAction, OrderState
from dcim.sales import rules_of

ORDER_ID = "5f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
TENANT_ID = "0b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e"
ORDER = {
    "id": ORDER_ID, "tenant_id": TENANT_ID, "kind": "space", "state": "active", "frozen": False,
    "spec": {"kind": "space", "rack_id": 12, "units": 4, "position": None, "units_assigned": [1, 2, 3, 4],
             "rack_name": "DH1-A07", "note": ""},
    "loa_status": "not_required", "netbox": {"reservation_id": 31, "rack_id": 12, "units": [1, 2, 3, 4]},
    "attempts": 1, "last_error": "", "next_attempt_at": None, "created_by": "acme admin",
    "created_at": "2026-11-22T03:30:00Z", "updated_at": "2026-11-22T03:34:10Z",
    "allowed_actions": ["request_decommission"],
}
CREATE_EXAMPLES = [
    Example(summary="4 units in rack 12", value={"spec": {"kind": "space", "rack_id": 12, "units": 4}}),
    Example(summary="2 kW A+B to rack 12", value={"spec": {"kind": "power", "rack_id": 12, "kw": 2.0,
                                                           "redundancy": "a+b", "phase": "single-phase",
                                                           "voltage": 230, "amperage": 16}}),
    Example(summary="1G copper cross-connect", value={"spec": {"kind": "cross_connect", "a_port_id": 801,
                                                                "z_port_id": 902, "media": "copper",
                                                                "speed": "1G", "z_side": "carrier"}}),
]
Reason = Annotated[TransitionRequest | None, Body(examples=[Example(summary="why", value={"reason": "rack full"})])]
IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$",
    description="Repeat the key (per tenant) to get the same order back instead of a second one")]



def provisioner_of(services: AppServices) -> Provisioner:
    return services.orders.provisioner


async def _act(principal: Principal, order_id: UUID, action: OrderAction, data: TransitionRequest | None) -> OrderRead:
    return await service.act(principal=principal, order_id=order_id, action=action,
                             reason=data.reason if data else "")


class OrderController(Controller):
    path = "/v1/orders"
    tags = ["orders"]

    @post("/", operation_id="create_order", status_code=201,
          summary="Order rack space, power or a cross-connect (Idempotency-Key honoured)",
          responses={**example(OrderRead, ORDER, description="The order, as first stored", status=201),
                     **example(OrderRead, ORDER, description="A repeated Idempotency-Key: the order it created before"),
                     **problems(400, 401, 403, 404, 409, 422, 503)})
    async def create(
        self, request: ColoRequest,
        data: Annotated[OrderCreate, Body(examples=CREATE_EXAMPLES)], idempotency_key: IdempotencyKey = None,
    ) -> Response[OrderRead]:
        order, created = await service.create_order(principal=request.principal, body=data,
                                                    idempotency_key=idempotency_key,
                                                    provisioner=provisioner_of(request.services),
                                                    cache=request.services.read_cache,
                                                    rules=rules_of(request.services.settings))
        return Response(order, status_code=201 if created else 200)

    @get("/", operation_id="list_orders", summary="Orders: the caller's tenant's, or all for staff",
         responses={200: ResponseSpec(Page[OrderRead], description="A page of orders, newest first",
                                      generate_examples=False,
                                      examples=[Example(value={"items": [ORDER], "next_cursor": None})]),
                    **problems(400, 401, 403, 422)}, **PAGED)
    async def list_orders(
        self, request: ColoRequest,
        in_state: Annotated[OrderState | None, QueryParameter(name="state",
                                                              description="only orders in this state")] = None,
        kind: Annotated[str | None, Parameter(pattern="^(space|power|cross_connect)$")] = None,
        tenant_id: Annotated[UUID | None, Parameter(description="staff only: one tenant's orders")] = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[OrderRead]]:
        page = keyset_request(cursor, limit=limit, keyset=store.ORDER_KEYS)
        return respond(request, await store.list_for(principal=request.principal,
                                                     state=in_state.value if in_state else None,
                                                     kind=kind, tenant_id=tenant_id, page=page))

    @get("/{order_id:uuid}", operation_id="get_order",
         summary="One order; for staff, a power order with its power check (committed beside measured power)",
         responses={**example(OrderRead, ORDER, description="The order"), **problems(400, 401, 403, 404)})
    async def get_order(self, request: ColoRequest, order_id: FromPath[UUID]) -> OrderRead:
        return await with_power_check(request.principal, await service.get_order(principal=request.principal,
                                                                                 order_id=order_id))

    @get("/{order_id:uuid}/events", operation_id="list_order_events",
         summary="The order's history: every transition with who, when and why",
         responses={200: ResponseSpec(Page[OrderEventRead], description="Oldest first", generate_examples=False,
                                      examples=[Example(value={"items": [{
                                          "at": "2026-11-22T03:30:00Z", "actor": "acme admin",
                                          "actor_role": "tenant_admin", "action": "submit", "from_state": "",
                                          "to_state": "submitted", "reason": ""}], "next_cursor": None})]),
                    **problems(400, 401, 403, 404, 422)}, **PAGED)
    async def events(
        self, request: ColoRequest, order_id: FromPath[UUID],
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[OrderEventRead]]:
        page = keyset_request(cursor, limit=limit, keyset=store.EVENT_KEYS)
        return respond(request, await service.order_events(principal=request.principal, order_id=order_id, page=page))

    @post("/{order_id:uuid}/review", operation_id="review_order", status_code=200,
          summary="Ops take the order into review",
          responses={**example(OrderRead, ORDER, description="Now in review"), **problems(400, 401, 403, 404, 409)})
    async def review(self, request: ColoRequest, order_id: FromPath[UUID], data: Reason = None) -> OrderRead:
        return await _act(request.principal, order_id, OrderAction.REVIEW, data)

    @post("/{order_id:uuid}/request-action", operation_id="request_order_action", status_code=200,
          summary="Ops need more from the tenant (reason required)",
          responses={**example(OrderRead, ORDER, description="Now action_required"),
                     **problems(400, 401, 403, 404, 409, 422)})
    async def request_action(self, request: ColoRequest, order_id: FromPath[UUID],
                             data: Reason = None) -> OrderRead:
        return await _act(request.principal, order_id, OrderAction.REQUEST_ACTION, data)

    @post("/{order_id:uuid}/resubmit", operation_id="resubmit_order", status_code=200,
          summary="The tenant answered; the order goes back to submitted",
          responses={**example(OrderRead, ORDER, description="Submitted again"), **problems(400, 401, 403, 404, 409)})
    async def resubmit(self, request: ColoRequest, order_id: FromPath[UUID], data: Reason = None) -> OrderRead:
        return await _act(request.principal, order_id, OrderAction.RESUBMIT, data)

    @post("/{order_id:uuid}/approve", operation_id="approve_order", status_code=200,
          summary="Ops approve; fulfilment in NetBox follows (cross-connects need a granted LOA first)",
          responses={**example(OrderRead, ORDER, description="Approved"), **problems(400, 401, 403, 404, 409)})
    async def approve(self, request: ColoRequest, order_id: FromPath[UUID], data: Reason = None) -> OrderRead:
        return await _act(request.principal, order_id, OrderAction.APPROVE, data)

    @post("/{order_id:uuid}/reject", operation_id="reject_order", status_code=200,
          summary="Ops reject (reason required); held units are released",
          responses={**example(OrderRead, ORDER, description="Rejected"), **problems(400, 401, 403, 404, 409, 422)})
    async def reject(self, request: ColoRequest, order_id: FromPath[UUID], data: Reason = None) -> OrderRead:
        return await _act(request.principal, order_id, OrderAction.REJECT, data)

    @post("/{order_id:uuid}/cancel", operation_id="cancel_order", status_code=200,
          summary="Cancel an order before anything is built",
          responses={**example(OrderRead, ORDER, description="Cancelled"), **problems(400, 401, 403, 404, 409)})
    async def cancel(self, request: ColoRequest, order_id: FromPath[UUID], data: Reason = None) -> OrderRead:
        return await _act(request.principal, order_id, OrderAction.CANCEL, data)

    @post("/{order_id:uuid}/fulfil", operation_id="fulfil_order", status_code=200,
          summary="Ops: build (or retry building) the order in NetBox now; answers with the outcome",
          description="`active` when built; `provisioning` with `last_error` and `next_attempt_at` while NetBox "
                      "is unavailable (the worker retries); `failed` when NetBox or the live plant refused.",
          responses={**example(OrderRead, ORDER, description="The order after this fulfilment run"),
                     **problems(400, 401, 403, 404, 409)})
    async def fulfil(self, request: ColoRequest, order_id: FromPath[UUID]) -> OrderRead:
        return await service.fulfil(principal=request.principal, order_id=order_id,
                                    provisioner=provisioner_of(request.services))

    @post("/{order_id:uuid}/request-decommission", operation_id="request_order_decommission", status_code=200,
          summary="Ask for a built service to be removed",
          responses={**example(OrderRead, ORDER, description="Decommission requested"),
                     **problems(400, 401, 403, 404, 409)})
    async def request_decommission(self, request: ColoRequest, order_id: FromPath[UUID],
                                   data: Reason = None) -> OrderRead:
        return await _act(request.principal, order_id, OrderAction.REQUEST_DECOMMISSION, data)

    @post("/{order_id:uuid}/decommission", operation_id="decommission_order", status_code=200,
          summary="Ops: remove the order's NetBox objects now and mark it decommissioned",
          description="409 where the facility requires signed decommission approvals (COLO_SIGNED_APPROVALS): use "
                      "POST /v1/orders/{order_id}/decommission-signed.",
          responses={**example(OrderRead, ORDER, description="The order after this run"),
                     **problems(400, 401, 403, 404, 409)})
    async def decommission(self, request: ColoRequest,
                           order_id: FromPath[UUID]) -> OrderRead:
        return await service.decommission(principal=request.principal, order_id=order_id,
                                          provisioner=provisioner_of(request.services),
                                          require_signature=required(request.services.settings, DECOMMISSIONS))
