"""Ops' order queue by state: review, approve, reject, request action, fulfil now, decommission.

The queue shows what each order waits for from the datacenter's side — a review, a decision, the
Z side's LOA, the tenant's answer, or NetBox (with the next attempt the fulfilment recorded when
NetBox could not be reached). Each action posts to a route that performs its API operation
(`acts_as`: the same roles) by calling what /v1/orders calls: dcim.orders.service.act for the
moves a person makes, service.fulfil and service.decommission for the NetBox work, which hold
no transaction across NetBox calls (dcim/orders/fulfil.py). The order's facts and history are
worded by web/orders_view.py, as on the tenant's page. A power order shows the power committed on
its rack beside the rack's measured draw and 7- and 30-day peaks (api/order_power.py: the same
figures GET /v1/orders/{id} gives staff), so ops see both when approving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.order_power import power_check
from api.pagination import Cursor, encode_cursor, keyset_request
from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Principal
from colo.signed_approval import DECOMMISSIONS, required
from dcim.orders import service, store
from dcim.orders.schemas import OrderRead, TransitionRequest
from dcim.orders.states import LoaStatus, OrderAction, OrderState
from tenants.lifecycle import get_tenant
from web import orders_view as show
from web import timeline as drawn
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.problems import CONFLICT, NOT_VALID
from web.state import Viewer, WebRequest

PAGE_SIZE = 25
HISTORY_SIZE = 200
S = OrderState
# The queue's tabs: the states ops work on first, then the rest ("all": every state).
TABS: tuple[str, ...] = (S.SUBMITTED, S.IN_REVIEW, S.ACTION_REQUIRED, S.APPROVED, S.PROVISIONING, S.FAILED,
                         S.DECOMMISSION_REQUESTED, S.ACTIVE, "all")
WAITING_FOR_NETBOX = "waiting for NetBox"  # how dcim/orders/fulfil.py:_postpone words a postponed run
OPS_WAITS: dict[str, str] = {
    S.SUBMITTED: _("Review: take it into review"),
    S.IN_REVIEW: _("Your decision: approve, reject or ask the tenant"),
    S.ACTION_REQUIRED: _("The tenant's answer"),
    S.APPROVED: _("Fulfilment in NetBox"),
    S.PROVISIONING: _("NetBox: being built"),
    S.FAILED: _("A retry: NetBox or the plant refused"),
    S.DECOMMISSION_REQUESTED: _("Removal from NetBox"),
}
WAITS_LOA = _("The Z side's letter of authorization (LOA)")
WAITS_FROZEN = _("The tenant's account to be active again (frozen)")
WAITS_NETBOX = _("NetBox: it could not be reached; next attempt at %(when)s")
NOTHING = _("Nothing")
DONE: dict[str, str] = {
    OrderAction.REVIEW: _("The order is in review."),
    OrderAction.REQUEST_ACTION: _("The tenant is asked for action and sees the reason on the order."),
    OrderAction.APPROVE: _("The order is approved: fulfil it in NetBox now, or let the worker do it."),
    OrderAction.REJECT: _("The order is rejected; its held capacity is released."),
    OrderAction.CANCEL: _("The order is cancelled."),
    OrderAction.REQUEST_DECOMMISSION: _("Decommission is requested."),
    "fulfil": _("Fulfilment ran: see the order's state below."),
    "decommission": _("Decommissioning ran: see the order's state below."),
}
REASON_REQUIRED = _("Give a reason: the tenant sees it.")
SIGNED_DECOMMISSION = _("This facility requires decommissions approved with your certificate: download the "
                        "decommission PDF from the API, sign it and upload it there.")
LOA_NOT_GRANTED = _("The Z side has not granted the LOA yet: a cross-connect is approved after that.")


@dataclass(frozen=True, slots=True)
class OpsAction:
    """One move on the order page: the route segment, the API operation, its wording."""

    segment: str
    operation: str
    button: str
    reason_label: str  # "" when the operation takes no reason
    css: str = "secondary"
    required: bool = False


ACTIONS: dict[str, OpsAction] = {
    OrderAction.REVIEW: OpsAction("review", "review_order", _("Take into review"), _("Note (optional)"), ""),
    OrderAction.APPROVE: OpsAction("approve", "approve_order", _("Approve"), _("Note (optional)"), ""),
    OrderAction.REQUEST_ACTION: OpsAction("request-action", "request_order_action", _("Ask the tenant"),
                                          _("What the tenant must do"), required=True),
    OrderAction.REJECT: OpsAction("reject", "reject_order", _("Reject"), _("Why it is rejected"), "danger",
                                  required=True),
    OrderAction.CANCEL: OpsAction("cancel", "cancel_order", _("Cancel the order"), _("Why (optional)"), "danger"),
    OrderAction.REQUEST_DECOMMISSION: OpsAction("request-decommission", "request_order_decommission",
                                                _("Request decommission"), _("Why (optional)")),
    "fulfil": OpsAction("fulfil", "fulfil_order", _("Fulfil in NetBox now"), "", ""),
    "decommission": OpsAction("decommission", "decommission_order", _("Remove from NetBox now"), "", "danger"),
}
FULFILLABLE = frozenset({S.APPROVED, S.FAILED, S.PROVISIONING})

StateTab = Annotated[str | None, QueryParameter(name="state", required=False, pattern=f"^({'|'.join(TABS)})?$")]
Done = Annotated[str | None, QueryParameter(name="done", required=False, pattern=f"^({'|'.join(DONE)})?$")]
HistoryCursor = Annotated[str | None, QueryParameter(name="history", required=False, max_length=512,
                                                     pattern=r"^[A-Za-z0-9_-]+=*$")]


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for these operations
    return viewer


def waits_for(order: OrderRead) -> tuple[str, datetime | None]:
    """What the order waits for, seen from the datacenter: (message, the next NetBox attempt)."""
    if order.frozen:
        return WAITS_FROZEN, None
    if order.last_error.startswith(WAITING_FOR_NETBOX) and order.next_attempt_at is not None:
        return WAITS_NETBOX, order.next_attempt_at
    if order.kind == "cross_connect" and order.loa_status == LoaStatus.PENDING and order.state in (
            S.SUBMITTED, S.IN_REVIEW):
        return WAITS_LOA, None
    return OPS_WAITS.get(order.state, NOTHING), None


def ops_actions(order: OrderRead) -> list[tuple[str, OpsAction]]:
    """The moves open in the order's state, in the order ops take them."""
    if order.frozen:
        return []
    out = [(action, ACTIONS[action]) for action in ACTIONS
           if action in order.allowed_actions and action not in ("fulfil", "decommission")]
    if order.state in FULFILLABLE:
        out.append(("fulfil", ACTIONS["fulfil"]))
    if order.state == S.DECOMMISSION_REQUESTED:
        out.append(("decommission", ACTIONS["decommission"]))
    return out


async def tenant_names(principal: Principal, orders: list[OrderRead]) -> dict[UUID, str]:
    names: dict[UUID, str] = {}
    for tenant_id in {order.tenant_id for order in orders}:
        try:
            names[tenant_id] = (await get_tenant(principal=principal, tenant_id=tenant_id)).legal_name
        except NotFound:
            names[tenant_id] = str(tenant_id)
    return names


class OpsOrdersController(Controller):
    path = "/"

    @get("/ops/orders", operation_id="portal_ops_orders", opt={"acts_as": "review_order"})
    async def queue(self, request: Request[Any, Any, Any], in_state: StateTab = None,
                    cursor: Cursor = None) -> Template:
        viewer = _viewer(request)
        tab = in_state or S.SUBMITTED
        result = await store.list_for(principal=viewer.principal, state=None if tab == "all" else tab, kind=None,
                                      tenant_id=None,
                                      page=keyset_request(cursor, limit=PAGE_SIZE, keyset=store.ORDER_KEYS))
        return page(request, "ops_orders.html", orders=result.items, next_cursor=encode_cursor(result), tab=tab,
                    tabs=TABS, show=show, waits_for=waits_for, first_page=cursor is None,
                    tenants=await tenant_names(viewer.principal, result.items))

    @get("/ops/orders/{order_id:uuid}", operation_id="portal_ops_order", opt={"acts_as": "review_order"})
    async def order(self, request: Request[Any, Any, Any], order_id: FromPath[UUID], done: Done = None,
                    history: HistoryCursor = None) -> Template:
        return await self._detail(request, order_id, done=done or "", history=history)

    async def _detail(self, request: Request[Any, Any, Any], order_id: UUID, *, done: str = "",
                      history: str | None = None, errors: dict[str, str] | None = None, failed: str = "",
                      reason: str = "", status: int = 200) -> Template:
        viewer = _viewer(request)
        order = await service.get_order(principal=viewer.principal, order_id=order_id)
        events = await service.order_events(
            principal=viewer.principal, order_id=order_id,
            page=keyset_request(history, limit=HISTORY_SIZE, keyset=store.EVENT_KEYS))
        tenants = await tenant_names(viewer.principal, [order])
        return page(request, "ops_order.html", status=status, order=order, events=events.items,
                    more_history=encode_cursor(events), timeline=drawn.draw(order, events.items),
                    facts=show.facts(order), asked=show.asked(events.items),
                    show=show, waits=waits_for(order), actions=ops_actions(order), tenant=tenants[order.tenant_id],
                    done=DONE.get(done, ""), errors=errors or {}, failed=failed, reason=reason,
                    power_check=await power_check(viewer.principal, order))

    async def _act(self, request: Request[Any, Any, Any], order_id: UUID, action: OrderAction) -> Template | Redirect:
        viewer = _viewer(request)
        form = await read_form(request)
        reason = text(form, "reason", limit=1001, strip=False).strip()
        key = action.value
        try:
            data = msgspec.convert({"reason": reason}, TransitionRequest)
            await service.act(principal=viewer.principal, order_id=order_id, action=action, reason=data.reason)
        except msgspec.ValidationError:
            return await self._detail(request, order_id, errors={key: NOT_VALID}, failed=key, reason=reason,
                                      status=422)
        except ValidationFailed:
            return await self._detail(request, order_id, errors={key: REASON_REQUIRED}, failed=key, reason=reason,
                                      status=422)
        except Conflict as exc:
            message = LOA_NOT_GRANTED if "loa_status" in exc.extra else CONFLICT
            return await self._detail(request, order_id, errors={"form": message}, failed=key, status=409)
        return see_other(f"/ops/orders/{order_id}?done={key}")

    @post("/ops/orders/{order_id:uuid}/review", operation_id="portal_ops_review_order",
          opt={"acts_as": "review_order"}, status_code=303)
    async def review(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.REVIEW)

    @post("/ops/orders/{order_id:uuid}/approve", operation_id="portal_ops_approve_order",
          opt={"acts_as": "approve_order"}, status_code=303)
    async def approve(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.APPROVE)

    @post("/ops/orders/{order_id:uuid}/reject", operation_id="portal_ops_reject_order",
          opt={"acts_as": "reject_order"}, status_code=303)
    async def reject(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.REJECT)

    @post("/ops/orders/{order_id:uuid}/request-action", operation_id="portal_ops_request_order_action",
          opt={"acts_as": "request_order_action"}, status_code=303)
    async def request_action(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.REQUEST_ACTION)

    @post("/ops/orders/{order_id:uuid}/cancel", operation_id="portal_ops_cancel_order",
          opt={"acts_as": "cancel_order"}, status_code=303)
    async def cancel(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.CANCEL)

    @post("/ops/orders/{order_id:uuid}/request-decommission", operation_id="portal_ops_request_order_decommission",
          opt={"acts_as": "request_order_decommission"}, status_code=303)
    async def request_decommission(self, request: Request[Any, Any, Any],
                                   order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.REQUEST_DECOMMISSION)

    @post("/ops/orders/{order_id:uuid}/fulfil", operation_id="portal_ops_fulfil_order",
          opt={"acts_as": "fulfil_order"}, status_code=303)
    async def fulfil(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        viewer, services = _viewer(request), runtime_of(request).services
        try:  # NetBox being down is not an error here: the order records it and shows the next attempt
            await service.fulfil(principal=viewer.principal, order_id=order_id,
                                 provisioner=services.orders.provisioner)
        except Conflict:
            return await self._detail(request, order_id, errors={"form": CONFLICT}, failed="fulfil", status=409)
        return see_other(f"/ops/orders/{order_id}?done=fulfil")

    @post("/ops/orders/{order_id:uuid}/decommission", operation_id="portal_ops_decommission_order",
          opt={"acts_as": "decommission_order"}, status_code=303)
    async def decommission(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        viewer, services = _viewer(request), runtime_of(request).services
        try:
            await service.decommission(principal=viewer.principal, order_id=order_id,
                                       provisioner=services.orders.provisioner,
                                       require_signature=required(services.settings, DECOMMISSIONS))
        except Conflict as exc:
            problem = SIGNED_DECOMMISSION if exc.detail.startswith(service.SIGNATURE_REQUIRED) else CONFLICT
            return await self._detail(request, order_id, errors={"form": problem}, failed="decommission",
                                      status=409)
        return see_other(f"/ops/orders/{order_id}?done=decommission")
