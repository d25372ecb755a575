"""Rack and power views over the read model, synced from the real NetBox's demo datacenter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from devtools.demo.plan import DemoPlant
from tenants.schemas import TenantRead

pytestmark = pytest.mark.usefixtures("seeded")


@pytest_asyncio.fixture(scope="module")
async def demo_racks(client: AsyncTestClient, ops_key: Any, seeded: DemoPlant,
                     gateway: NetBoxGateway) -> dict[str, dict[str, Any]]:
    """A full sync through the API, then the demo site's racks by name (ops view)."""
    synced = await client.post("/v1/netbox/sync", headers=ops_key.headers)
    assert synced.status_code == 200, synced.text
    assert synced.json()["objects"] > 500
    site = await gateway.call(lambda api: api.dcim.sites.get(slug=seeded.site_slug).id)
    listed = await client.get("/v1/racks", params={"site_id": site, "limit": 200}, headers=ops_key.headers)
    assert listed.status_code == 200, listed.text
    return {r["name"]: r for r in listed.json()["items"]}


async def _elevation_occupied(gateway: NetBoxGateway, rack_id: int) -> set[int]:
    """Whole units NetBox's own elevation shows as occupied, on either face."""

    def read(api: Any) -> set[int]:
        units: set[int] = set()
        for face in ("front", "rear"):
            url = f"{api.base_url}/dcim/racks/{rack_id}/elevation/?face={face}&limit=1000"
            body = api.http_session.get(url, headers={"Authorization": f"Bearer {api.token}"}).json()
            units |= {int(entry["id"]) for entry in body["results"] if entry["occupied"]}
        return units

    return await gateway.call(read, what="elevation")


async def test_ops_see_every_demo_rack_with_its_age(demo_racks: dict[str, dict[str, Any]],
                                                    seeded: DemoPlant, gateway: NetBoxGateway) -> None:
    assert set(demo_racks) == {r.name for r in seeded.racks}
    for rack in demo_racks.values():
        assert rack["freshness"]["data_age_seconds"] is not None
        assert 0 <= rack["freshness"]["data_age_seconds"] < 600
        assert rack["power"]["redundant"] is True
    # Acme's 20 reserved units, plus whatever orders placed on a used NetBox since (make run).
    reserved = await gateway.call(lambda api: {u for r in api.dcim.rack_reservations.filter(
        rack_id=demo_racks["DH1-A03"]["netbox_id"]) for u in r.units}, what="reservations")
    assert set(range(1, 21)) <= reserved
    assert demo_racks["DH1-A03"]["reserved_units"] == len(reserved)
    assert demo_racks["DH1-B02"]["free_units"] == 0


async def test_ops_filters_by_hall_status_and_free_units(
    client: AsyncTestClient, ops_key: Any, demo_racks: dict[str, dict[str, Any]],
) -> None:
    site = demo_racks["DH1-A01"]["site_id"]
    hall2 = await client.get("/v1/racks", params={"site_id": site, "hall": "Data Hall 2"},
                             headers=ops_key.headers)
    assert {r["name"][:3] for r in hall2.json()["items"]} == {"DH2"}
    planned = await client.get("/v1/racks", params={"site_id": site, "status": "planned"},
                               headers=ops_key.headers)
    assert sorted(r["name"] for r in planned.json()["items"]) == ["DH1-B11", "DH1-B12", "DH2-D09", "DH2-D10"]
    roomy = await client.get("/v1/racks", params={"site_id": site, "min_free_units": 43},
                             headers=ops_key.headers)
    assert roomy.json()["items"] and all(r["u_height"] == 47 for r in roomy.json()["items"])


async def test_rack_detail_matches_netbox_elevation_and_reservations(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway, demo_racks: dict[str, dict[str, Any]],
) -> None:
    for name in ("DH1-A03", "DH1-A05", "DH1-A01"):
        rack_id = demo_racks[name]["netbox_id"]
        detail = await client.get(f"/v1/racks/{rack_id}", headers=ops_key.headers)
        assert detail.status_code == 200, detail.text
        units = detail.json()["units"]
        occupied = {u["unit"] for u in units if u["state"] in ("occupied", "reserved_occupied")}
        assert occupied == await _elevation_occupied(gateway, rack_id), name
    units = {u["unit"]: u for u in detail_units(await client.get(
        f"/v1/racks/{demo_racks['DH1-A03']['netbox_id']}", headers=ops_key.headers))}
    assert all(units[u]["tenant"]["name"] == "Acme Bank" for u in range(1, 21))
    assert units[1]["state"] == "reserved_occupied" and units[1]["device"] == "DH1-A03-ACME-01"
    assert units[10]["state"] == "reserved" and units[30]["state"] == "free"
    legacy = {u["unit"]: u for u in detail_units(await client.get(
        f"/v1/racks/{demo_racks['DH1-A05']['netbox_id']}", headers=ops_key.headers))}
    assert legacy[12]["state"] == "occupied" and "tenant" not in legacy[12]  # nobody reserved it


def detail_units(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return response.json()["units"]


async def test_rack_power_budget_is_one_side_derated(
    client: AsyncTestClient, ops_key: Any, demo_racks: dict[str, dict[str, Any]],
) -> None:
    single = demo_racks["DH1-A03"]["power"]
    assert single["sellable_va"] == 2944 and single["nominal_va"] == 3680
    assert single["committed_va"] == 2400 and single["free_va"] == 544
    three = demo_racks["DH1-B02"]["power"]
    assert three["sellable_va"] == 17736 and three["committed_va"] == 5000
    detail = await client.get(f"/v1/racks/{demo_racks['DH1-A03']['netbox_id']}", headers=ops_key.headers)
    # The facility's A and B feeds; circuits sold on this rack (make run's orders, say) are not supply.
    feeds = [f for f in detail.json()["feeds"] if not f["tenant_circuit"]]
    assert sorted(f["side"] for f in feeds) == ["primary", "redundant"]
    assert {f["available_va"] for f in feeds} == {2944} and {f["allocated_w"] for f in feeds} == {1200}


async def test_available_power_equals_netbox_own_computation(
    gateway: NetBoxGateway, client: AsyncTestClient, ops_key: Any, demo_racks: dict[str, dict[str, Any]],
) -> None:
    feeds = []
    for name in ("DH1-A03", "DH1-B02", "DH2-C04", "DH2-D01"):
        detail = await client.get(f"/v1/racks/{demo_racks[name]['netbox_id']}", headers=ops_key.headers)
        feeds.extend(detail.json()["feeds"])
    query = "{" + " ".join(f"f{f['netbox_id']}: power_feed(id: {f['netbox_id']}) {{ available_power }}"
                           for f in feeds) + "}"

    def graphql(api: Any) -> dict[str, Any]:
        response = api.http_session.post(api.base_url.removesuffix("/api") + "/graphql/",
                                         json={"query": query},
                                         headers={"Authorization": f"Bearer {api.token}"})
        return response.json()["data"]

    netbox = await gateway.call(graphql, what="graphql")
    for feed in feeds:
        assert feed["available_va"] == netbox[f"f{feed['netbox_id']}"]["available_power"], feed["name"]


async def test_utilization_report_names_tenants_for_ops(
    client: AsyncTestClient, ops_key: Any, demo_racks: dict[str, dict[str, Any]],
) -> None:
    site = demo_racks["DH1-A03"]["site_id"]
    report = await client.get("/v1/power/utilization", params={"hall": "Data Hall 1", "site_id": site},
                              headers=ops_key.headers)
    assert report.status_code == 200, report.text
    racks = {r["name"]: r for r in report.json()["racks"]}
    acme = racks["DH1-A03"]
    assert (acme["derated_va"], acme["committed_va"], acme["available_va"]) == (2944, 2400, 544)
    assert acme["nominal_va"] == 3680
    # Acme's line; a used NetBox may show other tenants' orders in this rack beside it.
    [usage] = [t for t in acme["tenants"] if t["tenant"] and t["tenant"]["name"] == "Acme Bank"]
    assert usage["reserved_units"] == 20
    assert usage["committed_va"] == 2400
    assert "DH2-C04" not in racks  # other hall filtered out
    assert {r["name"][:4] for r in report.json()["racks"]} == {"DH1-"}  # and other sites


async def test_unknown_rack_and_bad_filters_are_4xx(client: AsyncTestClient, ops_key: Any) -> None:
    missing = await client.get("/v1/racks/987654321", headers=ops_key.headers)
    assert missing.status_code == 404 and missing.json()["status"] == 404
    bad = await client.get("/v1/racks", params={"limit": 0}, headers=ops_key.headers)
    assert bad.status_code == 400 and "limit" in bad.json()["detail"]
    anonymous = await client.get("/v1/racks")
    assert anonymous.status_code == 401


async def test_tenant_may_not_filter_by_another_tenant(
    client: AsyncTestClient, make_tenant: Callable[..., Awaitable[TenantRead]],
    make_key: Callable[..., Awaitable[Any]],
) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    key = await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id)
    response = await client.get("/v1/racks", params={"tenant_id": str(other.id)}, headers=key.headers)
    assert response.status_code == 422 and response.json()["field"] == "tenant_id"
