"""Capacity search over the read model of the demo datacenter."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from dcim.netbox import NetBoxGateway
from devtools.demo.plan import DemoPlant

pytestmark = pytest.mark.usefixtures("seeded")


@pytest_asyncio.fixture(scope="module")
async def synced(client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway, seeded: DemoPlant) -> None:
    response = await client.post("/v1/netbox/sync", headers=ops_key.headers)
    assert response.status_code == 200, response.text
    DEMO_SITE["id"] = await gateway.call(lambda api: api.dcim.sites.get(slug=seeded.site_slug).id)


DEMO_SITE: dict[str, int] = {}  # other sites (other tests' private ones) may come and go


async def _search(client: AsyncTestClient, key: Any, **query: Any) -> dict[str, Any]:
    query.setdefault("site_id", DEMO_SITE.get("id"))
    response = await client.post("/v1/capacity/search", json=query, headers=key.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.usefixtures("synced")
async def test_every_placement_is_free_powered_and_ranked(client: AsyncTestClient, ops_key: Any) -> None:
    answer = await _search(client, ops_key, units=4, kw=2.0, mmr_ports=2, media="smf", limit=50)
    placements = answer["placements"]
    assert placements and answer["freshness"]["data_age_seconds"] is not None
    # Tightest first; racks holding the house's own kit after all others (dcim.capacity).
    ranks = [(p["facility"], p["score"]) for p in placements]
    assert ranks == sorted(ranks)
    for place in placements[:5]:
        detail = (await client.get(f"/v1/racks/{place['rack_id']}", headers=ops_key.headers)).json()
        states = {u["unit"]: u["state"] for u in detail["units"]}
        assert all(states[u] == "free" for u in range(place["first_unit"], place["last_unit"] + 1))
        assert place["last_unit"] - place["first_unit"] == 3
        assert detail["rack"]["power"]["free_va"] >= 2000 and detail["rack"]["status"] == "active"
        assert place["mmr_free_ports"] >= 2


@pytest.mark.usefixtures("synced")
async def test_height_power_and_hall_constraints_filter(client: AsyncTestClient, ops_key: Any) -> None:
    tall = await _search(client, ops_key, units=43, limit=100)
    assert tall["placements"] and {p["hall"] for p in tall["placements"]} == {"Data Hall 2"}
    heavy = await _search(client, ops_key, units=1, kw=10, limit=100)
    # Only 400 V / 32 A three-phase rows (DH1 row B, DH2 row C) carry 10 kW on one side.
    assert heavy["placements"] and {p["row"] for p in heavy["placements"]} <= {"DH1 Row B", "DH2 Row C"}
    assert (await _search(client, ops_key, units=1, kw=18))["placements"] == []
    hall1 = await _search(client, ops_key, units=1, hall="Data Hall 1", limit=100)
    assert {p["hall"] for p in hall1["placements"]} == {"Data Hall 1"}


@pytest.mark.usefixtures("synced")
async def test_meet_me_room_ports_follow_the_trunks_to_each_hall(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway, seeded: DemoPlant,
) -> None:
    def free_fronts(api: Any, panel: str) -> int:
        device = api.dcim.devices.get(name=panel, site=seeded.site_slug)
        return sum(1 for p in api.dcim.front_ports.filter(device_id=device.id, limit=1000) if p.cable is None)

    dh1 = await gateway.call(lambda api: free_fronts(api, "MMR-DH1-SMF"), what="count ports")
    answer = await _search(client, ops_key, units=1, mmr_ports=1, media="smf", hall="Data Hall 1", limit=3)
    assert {p["mmr_free_ports"] for p in answer["placements"]} == {dh1}
    too_many = await _search(client, ops_key, units=1, mmr_ports=dh1 + 1, media="smf", limit=100)
    assert "Data Hall 1" not in {p["hall"] for p in too_many["placements"]}


async def test_bad_queries_are_4xx_naming_the_field(client: AsyncTestClient, ops_key: Any) -> None:
    for body, field in (({"units": 0}, "units"), ({"units": 2, "kw": -1}, "kw"),
                        ({"units": 2, "colour": "red"}, "colour"), ({"kw": 1}, "units")):
        response = await client.post("/v1/capacity/search", json=body, headers=ops_key.headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["field"] == field
    lonely = await client.post("/v1/capacity/search", json={"units": 1, "media": "smf"}, headers=ops_key.headers)
    assert lonely.status_code == 422 and lonely.json()["field"] == "media"
    assert (await client.post("/v1/capacity/search", json={"units": 1})).status_code == 401
