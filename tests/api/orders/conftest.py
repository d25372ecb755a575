"""Fixtures of the order API tests: the private NetBox plant of the order integration tests."""

from tests.integration.orders.plant import orders_plant, power_holders, provisioner

__all__ = ["orders_plant", "power_holders", "provisioner"]
