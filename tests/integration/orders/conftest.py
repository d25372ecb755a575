"""Fixtures of the order tests: a private plant in the real NetBox and the app's provisioner."""

from tests.integration.orders.plant import orders_plant, power_holders, provisioner

__all__ = ["orders_plant", "power_holders", "provisioner"]
