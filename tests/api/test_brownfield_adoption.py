"""A NetBox that already has customers: ops adopt one, and it holds what NetBox says it holds.

Built on tests/brownfield.py: a NetBox tenant that owns racks, has a device in a rack it does
not own and a reservation made by hand, racks named the same at two sites, infrastructure
racks and unnamed devices — the shape of a facility that ran NetBox for years before Colo.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from tenants.schemas import TenantRead
from tests.brownfield import BrownfieldPlant, brownfield_plant

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
MakeKey = Callable[..., Awaitable[Any]]


@pytest_asyncio.fixture(scope="module")
async def plant(gateway: NetBoxGateway, client: AsyncTestClient, ops_key: Any) -> AsyncIterator[BrownfieldPlant]:
    """The brownfield plant, with the read model synced after it was built."""
    async with brownfield_plant(gateway) as built:
        synced = await client.post("/v1/netbox/sync", headers=ops_key.headers)
        assert synced.status_code == 200, synced.text
        yield built


@pytest_asyncio.fixture(scope="module")
async def adopted(client: AsyncTestClient, ops_key: Any, plant: BrownfieldPlant, make_key: MakeKey) -> dict[str, Any]:
    """Ops adopt the plant's customer (no credential in the answer); the tenant gets a key."""
    body = {"netbox_tenant_id": plant.customer.netbox_tenant_id, "registration_number": f"HRB{plant.suffix[:6]}",
            "country": "DE"}
    response = await client.post("/v1/tenants/adopt", json=body, headers=ops_key.headers)
    assert response.status_code == 201, response.text
    assert "api_key" not in response.text and "colo_" not in response.text
    key = await make_key(Role.TENANT_ADMIN, tenant_id=uuid.UUID(response.json()["id"]))
    return {"tenant": response.json(), "body": body, "headers": key.headers}


def unique_body(legal_name: str) -> dict[str, Any]:
    unique = uuid.uuid4().hex[:10].upper()
    return {
        "legal_name": legal_name, "registration_number": f"HRB{unique[:8]}", "country": "DE",
        "address": {"street": "Hauptstrasse 1", "postal_code": "10115", "city": "Berlin"},
        "billing_contact": {"name": "Eva Muster", "email": "billing@example.com", "phone": "+49 30 1234567"},
        "technical_contact": {"name": "Max Muster", "email": "noc@example.com", "phone": "+49 30 7654321"},
        "services_of_interest": ["rack_space"],
    }


async def test_approval_refuses_a_name_clash_until_ops_link_the_existing_netbox_tenant(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway,
) -> None:
    name = f"Altbestand Hosting {uuid.uuid4().hex[:8]} GmbH"
    existing = await gateway.call(lambda api: api.tenancy.tenants.create(name=name, slug=f"alt-{uuid.uuid4().hex}").id)
    try:
        applied = await client.post("/v1/applications", json=unique_body(name))
        assert applied.status_code == 201, applied.text
        approve = f"/v1/applications/{applied.json()['id']}/approve"
        clash = await client.post(approve, headers=ops_key.headers)
        assert clash.status_code == 409, clash.text
        problem = clash.json()
        assert problem["field"] == "netbox_tenant_id"
        assert [(t["id"], t["name"]) for t in problem["netbox_tenants"]] == [(existing, name)]
        assert str(existing) in problem["detail"]
        # Nothing was created behind the refusal: no "<name> (<hex>)" twin, the application still open.
        twins = await gateway.call(lambda api: [t.id for t in api.tenancy.tenants.filter(name__isw=name)])
        assert twins == [existing]
        assert (await client.get(f"/v1/applications/{applied.json()['id']}", headers=ops_key.headers)
                ).json()["status"] == "submitted"

        linked = await client.post(approve, json={"netbox_tenant_id": existing}, headers=ops_key.headers)
        assert linked.status_code == 200, linked.text
        assert linked.json()["tenant"]["netbox_tenant_id"] == existing
        assert linked.json()["tenant"]["status"] == "active"
        again = await client.post(approve, json={"netbox_tenant_id": existing}, headers=ops_key.headers)
        assert again.status_code == 200 and again.json()["tenant"] == linked.json()["tenant"]
        twins = await gateway.call(lambda api: [t.id for t in api.tenancy.tenants.filter(name__isw=name)])
        assert twins == [existing]
    finally:
        await gateway.call(lambda api: api.tenancy.tenants.delete([existing]))


async def test_a_different_company_of_the_same_name_is_created_only_when_ops_say_so(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway,
) -> None:
    name = f"Namesake {uuid.uuid4().hex[:8]} AG"
    existing = await gateway.call(lambda api: api.tenancy.tenants.create(name=name, slug=f"ns-{uuid.uuid4().hex}").id)
    try:
        applied = await client.post("/v1/applications", json=unique_body(name))
        approve = f"/v1/applications/{applied.json()['id']}/approve"
        assert (await client.post(approve, headers=ops_key.headers)).status_code == 409
        both = await client.post(approve, json={"netbox_tenant_id": existing, "create_netbox_tenant": True},
                                 headers=ops_key.headers)
        assert both.status_code == 422 and both.json()["field"] == "create_netbox_tenant"
        created = await client.post(approve, json={"create_netbox_tenant": True}, headers=ops_key.headers)
        assert created.status_code == 200, created.text
        own = created.json()["tenant"]["netbox_tenant_id"]
        assert own != existing
        await gateway.call(lambda api: api.tenancy.tenants.delete([own]))
    finally:
        await gateway.call(lambda api: api.tenancy.tenants.delete([existing]))


async def test_adopting_is_idempotent_and_a_netbox_tenant_belongs_to_one_colo_tenant(
    client: AsyncTestClient, ops_key: Any, plant: BrownfieldPlant, adopted: dict[str, Any], make_tenant: Any,
) -> None:
    tenant = adopted["tenant"]
    assert tenant["netbox_tenant_id"] == plant.customer.netbox_tenant_id
    assert tenant["legal_name"] == plant.customer.name and tenant["status"] == "active"
    again = await client.post("/v1/tenants/adopt", json=adopted["body"], headers=ops_key.headers)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == tenant["id"]
    other_company = {**adopted["body"], "registration_number": f"HRB{uuid.uuid4().int % 10**8:08d}"}
    taken = await client.post("/v1/tenants/adopt", json=other_company, headers=ops_key.headers)
    assert taken.status_code == 409 and taken.json()["field"] == "netbox_tenant_id"

    link = f"/v1/tenants/{tenant['id']}/netbox-link"
    same = await client.post(link, json={"netbox_tenant_id": plant.customer.netbox_tenant_id},
                             headers=ops_key.headers)
    assert same.status_code == 200 and same.json()["updated_at"] == tenant["updated_at"]
    newcomer = await make_tenant()
    stolen = await client.post(f"/v1/tenants/{newcomer.id}/netbox-link",
                               json={"netbox_tenant_id": plant.customer.netbox_tenant_id, "replace": True},
                               headers=ops_key.headers)
    assert stolen.status_code == 409, stolen.text
    assert tenant["id"] in stolen.json()["detail"]
    missing = await client.post(link, json={"netbox_tenant_id": 2**31 - 3, "replace": True}, headers=ops_key.headers)
    assert missing.status_code == 422 and missing.json()["field"] == "netbox_tenant_id"


async def test_a_linked_tenant_holds_its_netbox_racks_and_sees_them_apart_by_site(
    client: AsyncTestClient, plant: BrownfieldPlant, adopted: dict[str, Any],
) -> None:
    mine = await client.get("/v1/racks", headers=adopted["headers"])
    assert mine.status_code == 200, mine.text
    listed = {r["netbox_id"]: r for r in mine.json()["items"]}
    assert set(listed) == {plant.racks[k] for k in plant.held_by_customer}
    owned = listed[plant.racks["owned_north"]]
    assert owned["site"] == plant.site_names["north"] and owned["hall"] == plant.location_names["north_hall"]
    assert owned["my_units"] == list(range(1, 43))  # the whole rack is the customer's
    assert listed[plant.racks["device_only"]]["my_units"] == [20]
    assert listed[plant.racks["reserved"]]["my_units"] == [1, 2, 3, 4]
    for key in plant.held_by_customer:
        detail = await client.get(f"/v1/racks/{plant.racks[key]}", headers=adopted["headers"])
        assert detail.status_code == 200, (key, detail.text)
    # The rack of the same name at the other site, and another customer's rack, are not its own.
    missing = await client.get(f"/v1/racks/{2**31 - 11}", headers=adopted["headers"])
    for key in ("twin_south", "other_owned", "infra"):
        refused = await client.get(f"/v1/racks/{plant.racks[key]}", headers=adopted["headers"])
        assert refused.status_code == 404
        assert {k: v for k, v in refused.json().items() if k not in ("instance", "request_id")} == {
            k: v for k, v in missing.json().items() if k not in ("instance", "request_id")}


async def test_ops_filter_racks_by_colo_tenant_id_and_tell_twins_apart(
    client: AsyncTestClient, ops_key: Any, plant: BrownfieldPlant, adopted: dict[str, Any],
) -> None:
    filtered = await client.get("/v1/racks", params={"tenant_id": adopted["tenant"]["id"], "limit": 200},
                                headers=ops_key.headers)
    assert filtered.status_code == 200, filtered.text
    assert {r["netbox_id"] for r in filtered.json()["items"]} == {plant.racks[k] for k in plant.held_by_customer}
    unknown = await client.get("/v1/racks", params={"tenant_id": str(uuid.uuid4())}, headers=ops_key.headers)
    assert unknown.status_code == 200 and unknown.json()["items"] == []
    netbox_id = await client.get("/v1/racks", params={"tenant_id": plant.customer.netbox_tenant_id},
                                 headers=ops_key.headers)
    assert netbox_id.status_code == 400 and netbox_id.json()["field"] == "tenant_id"
    twins = []
    for site in plant.sites.values():
        page = await client.get("/v1/racks", params={"site_id": site, "limit": 200}, headers=ops_key.headers)
        twins += [r for r in page.json()["items"] if r["name"] == plant.rack_names["owned_north"]]
    assert sorted(r["site"] for r in twins) == sorted(plant.site_names.values())
    report = await client.get("/v1/power/utilization", params={"site_id": plant.sites["north"]},
                              headers=ops_key.headers)
    assert {r["site"] for r in report.json()["racks"]} == {plant.site_names["north"]}


async def test_unnamed_devices_are_shown_by_type_and_position(
    client: AsyncTestClient, ops_key: Any, plant: BrownfieldPlant,
) -> None:
    for rack, unit, label in (("owned_north", 12, f"Dell {plant.suffix} R650 @ U12"),
                              ("infra", 40, f"Dell {plant.suffix} S5248 @ U40"),
                              ("device_only", 20, f"cust-fw-{plant.suffix}")):
        detail = await client.get(f"/v1/racks/{plant.racks[rack]}", headers=ops_key.headers)
        units = {u["unit"]: u for u in detail.json()["units"]}
        assert units[unit]["device"] == label


async def test_power_goes_only_where_the_tenant_holds_space_and_reveals_nothing_elsewhere(
    client: AsyncTestClient, plant: BrownfieldPlant, adopted: dict[str, Any], make_tenant: Any, make_key: MakeKey,
) -> None:
    outsider = await make_tenant()
    outsider_key = await make_key(Role.TENANT_ADMIN, tenant_id=outsider.id)
    rack = plant.racks["owned_north"]

    def power(rack_id: int, kw: float) -> dict[str, Any]:
        return {"spec": {"kind": "power", "rack_id": rack_id, "kw": kw}}

    mine = await client.post("/v1/orders", json=power(rack, 1.0), headers=adopted["headers"])
    assert mine.status_code == 201, mine.text
    try:
        nowhere = await client.post("/v1/orders", json=power(2**31 - 5, 1.0), headers=outsider_key.headers)
        assert nowhere.status_code == 404, nowhere.text
        assert nowhere.json()["field"] == "rack_id" and "Select a valid choice" not in nowhere.text
        for kw in (1.0, 2.9):  # someone else's rack: the same 404, with no figure of the holder's
            theirs = await client.post("/v1/orders", json=power(rack, kw), headers=outsider_key.headers)
            assert theirs.status_code == 404
            assert {k: v for k, v in theirs.json().items() if k not in ("instance", "request_id")} == {
                k: v for k, v in nowhere.json().items() if k not in ("instance", "request_id")}
            assert "_kw" not in theirs.text
        # Nothing of the outsider's stands in the holder's way: its own next order fits as before.
        second = await client.post("/v1/orders", json=power(rack, 1.0), headers=adopted["headers"])
        assert second.status_code == 201, second.text
        await client.post(f"/v1/orders/{second.json()['id']}/cancel", headers=adopted["headers"])
    finally:
        await client.post(f"/v1/orders/{mine.json()['id']}/cancel", headers=adopted["headers"])


async def test_capacity_placements_name_the_site_of_each_rack(
    client: AsyncTestClient, ops_key: Any, plant: BrownfieldPlant,
) -> None:
    for key, site in (("north", plant.sites["north"]), ("south", plant.sites["south"])):
        found = await client.post("/v1/capacity/search", json={"units": 1, "redundant": False, "site_id": site},
                                  headers=ops_key.headers)
        assert found.status_code == 200, found.text
        placements = found.json()["placements"]
        assert placements and {p["site"] for p in placements} == {plant.site_names[key]}


async def test_visits_go_to_racks_held_through_netbox_tenancy_only(
    client: AsyncTestClient, plant: BrownfieldPlant, adopted: dict[str, Any],
) -> None:
    now = datetime.now(UTC)

    def visit(area: str) -> dict[str, Any]:
        return {"starts_at": (now + timedelta(minutes=5)).isoformat(),
                "ends_at": (now + timedelta(hours=2)).isoformat(), "areas": [area], "purpose": "inspect our kit",
                "visitors": [{"guest": {"name": "Rauf Aliyev", "company": "Field Works",
                                        "id_document_type": "passport", "id_number": "C01X00T48"}}]}

    for key in ("owned_north", "device_only"):  # its rack in NetBox; a rack holding its device
        held = await client.post("/v1/visits", json=visit(f"rack:{plant.racks[key]}"), headers=adopted["headers"])
        assert held.status_code == 201, (key, held.text)
        await client.post(f"/v1/visits/{held.json()['id']}/cancel", headers=adopted["headers"])
    refused = await client.post("/v1/visits", json=visit(f"rack:{plant.racks['twin_south']}"),
                                headers=adopted["headers"])
    assert refused.status_code == 422 and refused.json()["field"] == "areas[0]"


async def test_two_concurrent_links_of_one_netbox_tenant_leave_exactly_one_holder(
    client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway, make_tenant: Any,
) -> None:
    first, second = await make_tenant(), await make_tenant()
    shared = await gateway.call(lambda api: api.tenancy.tenants.create(
        name=f"Contested {uuid.uuid4().hex[:8]}", slug=f"contested-{uuid.uuid4().hex}").id)
    answers: list[Any] = []

    async def link(tenant: TenantRead) -> None:
        answers.append(await client.post(f"/v1/tenants/{tenant.id}/netbox-link",
                                         json={"netbox_tenant_id": shared, "replace": True}, headers=ops_key.headers))

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(link, first)
            group.start_soon(link, second)
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        holders = [t for t in (first, second) if (await client.get(f"/v1/tenants/{t.id}", headers=ops_key.headers)
                                                  ).json()["netbox_tenant_id"] == shared]
        assert len(holders) == 1
    finally:
        for tenant in (first, second):  # give the NetBox tenant back before deleting it
            await client.post(f"/v1/tenants/{tenant.id}/netbox-link", headers=ops_key.headers,
                              json={"netbox_tenant_id": tenant.netbox_tenant_id, "replace": True})
        await gateway.call(lambda api: api.tenancy.tenants.delete([shared]))
