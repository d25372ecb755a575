"""Meet-me-room panels from the read model: carriers, halls served, free ports, cabling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from devtools.demo.plan import DemoPlant
from tenants.schemas import TenantRead

pytestmark = pytest.mark.usefixtures("seeded")


async def test_panels_show_carriers_halls_and_live_port_counts(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway, seeded: DemoPlant,
    make_tenant: Callable[..., Awaitable[TenantRead]], make_key: Callable[..., Awaitable[Any]],
) -> None:
    assert (await client.post("/v1/netbox/sync", headers=ops_key.headers)).status_code == 200
    listed = await client.get("/v1/meet-me-room/panels", headers=ops_key.headers)
    assert listed.status_code == 200, listed.text
    panels = {p["name"]: p for p in listed.json()["items"]}
    nordlink = panels["MMR-NORDLINK-TELECOM-SMF"]
    assert nordlink["owner"]["name"] == "NordLink Telecom" and nordlink["media"] == "smf"
    assert nordlink["serves_hall"] is None and nordlink["ports_total"] == 24
    assert panels["MMR-DH1-SMF"]["serves_hall"] == "Data Hall 1" and panels["MMR-DH1-SMF"]["owner"] is None
    assert panels["MMR-DH2-CU"]["serves_hall"] == "Data Hall 2" and panels["MMR-DH2-CU"]["media"] == "copper"

    def free_fronts(api: Any) -> int:
        device = api.dcim.devices.get(name="MMR-DH1-SMF", site=seeded.site_slug)
        return sum(1 for p in api.dcim.front_ports.filter(device_id=device.id, limit=1000) if p.cable is None)

    assert panels["MMR-DH1-SMF"]["ports_free"] == await gateway.call(free_fronts, what="count ports")

    copper = await client.get("/v1/meet-me-room/panels", params={"media": "copper", "hall": "Data Hall 2"},
                              headers=ops_key.headers)
    assert [p["name"] for p in copper.json()["items"]] == ["MMR-DH2-CU"]

    detail = await client.get(f"/v1/meet-me-room/panels/{nordlink['netbox_id']}", headers=ops_key.headers)
    ports = detail.json()["ports"]
    assert [p["name"] for p in ports[:3]] == ["1", "2", "3"]
    assert ports[0]["free"] is False and ports[0]["cable_label"] == "XC-DEMO-0001"

    tenant = await make_tenant()
    key = await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id)
    seen = await client.get(f"/v1/meet-me-room/panels/{nordlink['netbox_id']}", headers=key.headers)
    assert seen.status_code == 200 and all("cable_label" not in p for p in seen.json()["ports"])
    racks_panel = await client.get(f"/v1/meet-me-room/panels/{panels['MMR-DH1-SMF']['netbox_id'] + 10**6}",
                                   headers=ops_key.headers)
    assert racks_panel.status_code == 404
    bad = await client.get("/v1/meet-me-room/panels", params={"media": "fibre"}, headers=ops_key.headers)
    assert bad.status_code == 400
