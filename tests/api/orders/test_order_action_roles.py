"""Who may move an order has one source: the policy table. The service (dcim/orders/service.py:act)
reads the row of the operation that makes each move, so the guard and the service cannot disagree."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from colo.identity import OPS, TENANT_ADMIN, TENANT_ROLES
from dcim.orders.policy import ACTION_OPERATIONS, POLICY, roles_for
from dcim.orders.states import OrderAction


async def test_each_move_is_the_route_its_operation_names(client: AsyncTestClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    routes = {op["operationId"]: path for path, item in document["paths"].items() for op in item.values()
              if isinstance(op, dict) and "operationId" in op}
    for action, operation in ACTION_OPERATIONS.items():
        assert routes[operation] == "/v1/orders/{order_id}/" + action.value.replace("_", "-"), action
        assert roles_for(action) is POLICY[operation]


def test_the_moves_and_who_makes_them() -> None:
    expected: dict[OrderAction, Any] = {
        OrderAction.REVIEW: OPS, OrderAction.REQUEST_ACTION: OPS, OrderAction.APPROVE: OPS,
        OrderAction.REJECT: OPS, OrderAction.RESUBMIT: TENANT_ROLES | OPS, OrderAction.CANCEL: TENANT_ROLES | OPS,
        OrderAction.REQUEST_DECOMMISSION: TENANT_ADMIN | OPS,
    }
    assert {action: roles_for(action) for action in OrderAction} == {
        action: expected.get(action, frozenset()) for action in OrderAction}
