"""Orders in the portal: from the capacity search to an order, its history, answering
"action required", cancelling and asking for decommission — through dcim.orders.service."""

from __future__ import annotations

from litestar import Controller


class OrdersController(Controller):
    path = "/"
