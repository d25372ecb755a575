"""A cross-connect plant for the portal's LOA tests, built in the real NetBox around a running
`colo serve`: two tenants made the way companies become tenants (they apply, ops approve), each
with a patch panel of its own in the data hall, the meet-me room's facility panel trunked to the
hall's zone panel (the order integration tests' plant, tests/integration/orders/plant.py), and an
API key of the A side's to order cross-connects with. Removed from NetBox afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pynetbox

from devtools.netbox.paths import NetBoxState
from tests.integration.orders.plant import PORT_COUNT, OrdersPlant, _build, _teardown
from tests.web.browser import Portal, client_headers, new_tenant


@dataclass
class LoaPlant:
    portal: Portal
    plant: OrdersPlant
    a_tenant: str
    z_tenant: str
    a_name: str
    z_name: str
    a_headers: dict[str, str]
    used: int = 0

    def a_api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The API as the A side's company administrator (a key of its own)."""
        return httpx.request(method, self.portal.url + path, headers=self.a_headers, timeout=30, **kwargs)

    def order_cross_connect(self) -> tuple[str, str]:
        """A new cross-connect order from the A side's next free port to the Z side's: (order id, LOA id)."""
        assert self.used < PORT_COUNT, "every port of the plant has an order"
        index = self.used
        self.used += 1
        body = {"spec": {"kind": "cross_connect", "a_port_id": self.plant.ports["a"][index],
                         "z_port_id": self.plant.ports["z"][index], "media": "copper", "speed": "10G"}}
        created = self.a_api("POST", "/v1/orders", json=body)
        assert created.status_code == 201, created.text
        order_id = str(created.json()["id"])
        loa = self.a_api("GET", f"/v1/orders/{order_id}/loa")
        assert loa.status_code == 200 and loa.json()["status"] == "loa_pending", loa.text
        return order_id, str(loa.json()["id"])


def _netbox_tenant(portal: Portal, tenant_id: str) -> int:
    found = portal.api("GET", f"/v1/tenants/{tenant_id}")
    assert found.status_code == 200 and found.json()["netbox_tenant_id"], found.text
    return int(found.json()["netbox_tenant_id"])


@contextmanager
def loa_plant(portal: Portal, netbox: NetBoxState) -> Iterator[LoaPlant]:
    suffix = uuid.uuid4().hex[:8]
    a_name, z_name = f"Loa Side A {suffix} MMC", f"Loa Side Z {suffix} QSC"
    a_tenant, z_tenant = new_tenant(portal, a_name), new_tenant(portal, z_name)
    api = pynetbox.api(netbox.url, token=netbox.token)
    carrier = api.tenancy.tenants.create(name=f"Carrier {suffix}", slug=f"carrier-{suffix}").id
    ids = {"a": _netbox_tenant(portal, a_tenant), "z": _netbox_tenant(portal, z_tenant), "carrier": carrier}
    plant = _build(api, suffix, ids)
    try:
        key = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", a_tenant, "--name", "loa tests")
        yield LoaPlant(portal=portal, plant=plant, a_tenant=a_tenant, z_tenant=z_tenant, a_name=a_name,
                       z_name=z_name, a_headers={"Authorization": f"Bearer {key}", **client_headers()})
    finally:
        _teardown(api, plant.site_id)
        api.tenancy.tenants.delete([carrier])
