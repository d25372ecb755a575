"""Orders in the portal: from the capacity search ("where does it fit?") to an order, its
history, answering "action required", cancelling and asking for decommission.

Each page performs the API operation it names (`acts_as`: the same roles as the API) by calling
the functions the API calls (dcim.capacity.search, dcim.orders.service, dcim.orders.store's
keyset list, the read model's port lists) with the caller's principal and the API's structs, so
the rules, the limits and the tenant isolation are the domain's: another tenant's order answers
exactly like a missing one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.pagination import Cursor, encode_cursor, keyset_request
from colo.errors import Conflict, NotFound, Unavailable, ValidationFailed
from colo.paging import PageRequest
from dcim import capacity
from dcim.orders import loas, service, store
from dcim.orders.schemas import TransitionRequest
from dcim.orders.states import OrderAction, OrderState
from dcim.readmodel import views
from dcim.readmodel.ports import own_ports, z_side_ports
from dcim.sales import rules_of
from tenants.policy import is_allowed
from web import orders_forms as forms
from web import orders_view as show
from web import timeline as drawn
from web.forms import read_form, text
from web.guard import runtime_of
from web.pages import page, see_other
from web.state import Viewer, WebRequest

PAGE_SIZE = 25
HISTORY_SIZE = 200
CHOICES_SIZE = 200  # racks and ports offered in a form: one page of the plant lists
# The list's filter form sends an empty value for "every state" / "everything".
StateFilter = Annotated[str | None, QueryParameter(name="state", required=False,
                                                   pattern=f"^({'|'.join(OrderState)})?$")]
KindFilter = Annotated[str | None, QueryParameter(name="kind", required=False,
                                                  pattern="^(space|power|cross_connect)?$")]
HistoryCursor = Annotated[str | None, QueryParameter(name="history", required=False, max_length=512,
                                                     pattern=r"^[A-Za-z0-9_-]+=*$")]


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for these operations
    return viewer


def _query(request: Request[Any, Any, Any], names: tuple[str, ...]) -> dict[str, str]:
    """A GET form's inputs, bounded like a posted form's."""
    params = dict(request.query_params)
    return {name: text(params, name, limit=100) for name in names}


async def _sites(request: Request[Any, Any, Any]) -> list[tuple[int, str]]:
    cache = runtime_of(request).services.read_cache
    names = await views.site_names(await cache.generation(), cache=cache)
    return sorted(names.items(), key=lambda pair: (pair[1], pair[0]))


def _filters(state: str, kind: str) -> str:
    """The list's filters as a query string for its page links ("" or "state=…&kind=…&")."""
    return "".join(f"{name}={quote(value)}&" for name, value in (("state", state), ("kind", kind)) if value)


class OrdersController(Controller):
    path = "/"

    # ---- where does it fit? ----------------------------------------------------------------

    @get("/capacity", operation_id="portal_capacity", opt={"acts_as": "search_capacity"})
    async def capacity(self, request: Request[Any, Any, Any]) -> Template:
        viewer, services = _viewer(request), runtime_of(request).services
        values = _query(request, forms.CAPACITY_FIELDS)
        asked = "units" in request.query_params
        redundant = request.query_params.get("redundant") == "true" if asked else True
        answer, errors, status = None, {}, 200
        if asked:
            try:
                query = forms.capacity_query(values, redundant=redundant)
                buyer = await views.caller_netbox_tenant(viewer.principal, cache=services.read_cache)
                answer = await capacity.search(query=query, rules=rules_of(services.settings), buyer=buyer,
                                               cache=services.read_cache)
            except msgspec.ValidationError as exc:
                errors, status = forms.struct_errors(exc, inputs=forms.CAPACITY_FIELDS), 422
            except ValidationFailed as exc:
                errors, status = forms.refusal_errors(exc, inputs=forms.CAPACITY_FIELDS), 422
        return page(request, "capacity.html", status=status, values=values, redundant=redundant, asked=asked,
                    answer=answer, errors=errors, sites=await _sites(request))

    # ---- a new order ------------------------------------------------------------------------

    @get("/orders/new", operation_id="portal_order_form", opt={"acts_as": "create_order"})
    async def new_form(self, request: Request[Any, Any, Any]) -> Template:
        kind = request.query_params.get("kind", "space")
        kind = kind if kind in forms.KINDS else "space"
        values = _query(request, (*forms.SPEC_FIELDS[kind], "rack"))
        redundant = request.query_params.get("redundant", "true") == "true"
        return await self._form(request, kind, values, redundant=redundant, errors={})

    @post("/orders/new", operation_id="portal_create_order", opt={"acts_as": "create_order"}, status_code=303)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        viewer, services = _viewer(request), runtime_of(request).services
        form = await read_form(request)
        kind = text(form, "kind", limit=20)
        kind = kind if kind in forms.KINDS else "space"
        values = {name: text(form, name, limit=100) for name in (*forms.SPEC_FIELDS[kind], "rack")}
        values["note"] = text(form, "note", limit=1001, strip=False).strip()
        redundant = text(form, "redundant", limit=10) == "true"
        key = forms.idempotency_key(text(form, "idempotency_key", limit=130))
        inputs = (*forms.SPEC_FIELDS[kind], "note")
        try:
            body = forms.order_create(kind, values, redundant=redundant)
            order, _created = await service.create_order(
                principal=viewer.principal, body=body, idempotency_key=key,
                provisioner=services.orders.provisioner, cache=services.read_cache, rules=rules_of(services.settings))
        except msgspec.ValidationError as exc:
            return await self._form(request, kind, values, redundant=redundant, status=422, key=key,
                                    errors=forms.struct_errors(exc, inputs=inputs))
        except (ValidationFailed, Conflict, NotFound) as exc:
            return await self._form(request, kind, values, redundant=redundant, key=key,
                                    errors=forms.refusal_errors(exc, inputs=inputs),
                                    status=409 if isinstance(exc, Conflict) else 422)
        except Unavailable:  # NetBox, read live before anything is stored: keep what was typed
            return await self._form(request, kind, values, redundant=redundant, key=key, status=503,
                                    errors={"form": forms.PLANT_UNREACHABLE})
        return see_other(f"/orders/{order.id}")

    async def _form(self, request: Request[Any, Any, Any], kind: str, values: dict[str, str], *,
                    redundant: bool, errors: dict[str, str], status: int = 200, key: str | None = None) -> Template:
        """The order form of one kind, with what it offers to choose from (the caller's racks for
        power, the caller's free ports and the free Z-side ports for a cross-connect)."""
        viewer, services = _viewer(request), runtime_of(request).services
        choices: dict[str, Any] = {}
        first = PageRequest(limit=CHOICES_SIZE)
        if kind == "power":
            racks = await views.list_racks(principal=viewer.principal, page=first, cache=services.read_cache)
            choices["racks"] = racks.items
        elif kind == "cross_connect":
            mine = await own_ports(principal=viewer.principal, free_only=True, page=first, cache=services.read_cache)
            theirs = await z_side_ports(principal=viewer.principal, page=first, cache=services.read_cache)
            choices["a_ports"], choices["z_ports"] = mine.items, theirs.items
        elif kind == "space":
            choices["sites"] = await _sites(request)
        return page(request, "orders_new.html", status=status, kind=kind, values=values, redundant=redundant,
                    errors=errors, key=key or uuid.uuid4().hex, kinds=show.KIND_NAMES, **choices)

    # ---- the tenant's orders ----------------------------------------------------------------

    @get("/orders", operation_id="portal_orders", opt={"acts_as": "list_orders"})
    async def orders(self, request: Request[Any, Any, Any], in_state: StateFilter = None, kind: KindFilter = None,
                     cursor: Cursor = None) -> Template:
        viewer = _viewer(request)
        result = await store.list_for(principal=viewer.principal, state=in_state or None, kind=kind or None,
                                      tenant_id=None,
                                      page=keyset_request(cursor, limit=PAGE_SIZE, keyset=store.ORDER_KEYS))
        return page(request, "orders.html", orders=result.items, next_cursor=encode_cursor(result),
                    in_state=in_state or "", states=show.STATE_NAMES, show=show,
                    kind=kind or "", filters=_filters(in_state or "", kind or ""),
                    first_page=cursor is None)

    # ---- one order --------------------------------------------------------------------------

    @get("/orders/{order_id:uuid}", operation_id="portal_order", opt={"acts_as": "get_order"})
    async def order(self, request: Request[Any, Any, Any], order_id: FromPath[UUID],
                    history: HistoryCursor = None) -> Template:
        return await self._detail(request, order_id, history=history)

    async def _detail(self, request: Request[Any, Any, Any], order_id: UUID, *, history: str | None = None,
                      errors: dict[str, str] | None = None, failed_action: str = "", status: int = 200) -> Template:
        viewer, runtime = _viewer(request), runtime_of(request)
        order = await service.get_order(principal=viewer.principal, order_id=order_id)
        events = await service.order_events(
            principal=viewer.principal, order_id=order_id,
            page=keyset_request(history, limit=HISTORY_SIZE, keyset=store.EVENT_KEYS))
        loa = None
        if order.kind == "cross_connect":  # its LOA's page (/loas/{id}): the same readers as the order
            try:
                loa = await loas.for_order(principal=viewer.principal, order_id=order_id)
            except NotFound:
                loa = None
        actions = [(action, *show.TENANT_ACTIONS[action]) for action in order.allowed_actions
                   if action in show.TENANT_ACTIONS
                   and is_allowed(runtime.policy.roles, show.TENANT_ACTIONS[action][1], viewer.principal.role)]
        return page(request, "orders_detail.html", status=status, order=order, events=events.items,
                    more_history=encode_cursor(events), timeline=drawn.draw(order, events.items),
                    facts=show.facts(order), asked=show.asked(events.items),
                    actions=actions, errors=errors or {}, failed_action=failed_action, show=show, loa=loa)

    async def _act(self, request: Request[Any, Any, Any], order_id: UUID, action: OrderAction) -> Template | Redirect:
        viewer = _viewer(request)
        form = await read_form(request)
        try:
            data = msgspec.convert({"reason": text(form, "reason", limit=1001, strip=False).strip()},
                                   TransitionRequest)
            await service.act(principal=viewer.principal, order_id=order_id, action=action, reason=data.reason)
        except msgspec.ValidationError:
            return await self._detail(request, order_id, errors={"reason": forms.INPUT_MESSAGES["reason"]},
                                      failed_action=action.value, status=422)
        except (ValidationFailed, Conflict) as exc:
            return await self._detail(request, order_id, errors=forms.refusal_errors(exc, inputs=forms.REASON),
                                      failed_action=action.value,
                                      status=409 if isinstance(exc, Conflict) else 422)
        return see_other(f"/orders/{order_id}")

    @post("/orders/{order_id:uuid}/resubmit", operation_id="portal_resubmit_order",
          opt={"acts_as": "resubmit_order"}, status_code=303)
    async def resubmit(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.RESUBMIT)

    @post("/orders/{order_id:uuid}/cancel", operation_id="portal_cancel_order",
          opt={"acts_as": "cancel_order"}, status_code=303)
    async def cancel(self, request: Request[Any, Any, Any], order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.CANCEL)

    @post("/orders/{order_id:uuid}/request-decommission", operation_id="portal_request_order_decommission",
          opt={"acts_as": "request_order_decommission"}, status_code=303)
    async def request_decommission(self, request: Request[Any, Any, Any],
                                   order_id: FromPath[UUID]) -> Template | Redirect:
        return await self._act(request, order_id, OrderAction.REQUEST_DECOMMISSION)
