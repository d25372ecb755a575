"""Visit areas name racks by NetBox id: rack names with spaces, repeated across two sites.

The plant is built in the real NetBox for this module (unique suffix): two sites, each with a
rack called "Row A Rack <suffix>" held by the tenant, a uniquely named rack with spaces held by
the tenant, and a rack nobody holds.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from dcim.readmodel.sync import refresh_racks
from devtools.demo.seed import authenticated_user_id
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey
from tests.netbox_cleanup import remove_sites

Run = Callable[..., Awaitable[Any]]


def _build(api: Any, suffix: str, netbox_tenant: int) -> dict[str, Any]:
    sites = [api.dcim.sites.create(name=f"Visits {suffix} {n}", slug=f"visits-{suffix}-{n}") for n in (1, 2)]
    same = [api.dcim.racks.create(name=f"Row A Rack {suffix}", site=site.id, u_height=42).id for site in sites]
    unique = api.dcim.racks.create(name=f"Cage Row B {suffix}", site=sites[0].id, u_height=42).id
    nobodys = api.dcim.racks.create(name=f"Spare Rack {suffix}", site=sites[1].id, u_height=42).id
    user = authenticated_user_id(api)
    for rack in [*same, unique]:
        api.dcim.rack_reservations.create(rack=rack, units=[1], user=user, tenant=netbox_tenant,
                                          description=f"visits test {suffix}")
    return {"sites": [s.id for s in sites], "same": same, "unique": unique, "nobodys": nobodys}


def _teardown(api: Any, sites: list[int]) -> None:
    remove_sites(api, sites)


@pytest_asyncio.fixture(scope="module")
async def plant(
    app: Litestar, gateway: NetBoxGateway, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
    make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> AsyncIterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    tenant = await make_tenant()
    built = await gateway.call(lambda api: _build(api, suffix, tenant.netbox_tenant_id), what="visit racks")
    await run_in_app(refresh_racks, app.state.services.netbox, [*built["same"], built["unique"], built["nobodys"]])
    built["suffix"] = suffix
    built["admin"] = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="visit areas admin")
    try:
        yield built
    finally:
        await gateway.call(lambda api: _teardown(api, built["sites"]), what="remove visit racks")


def body(*areas: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"starts_at": (now + timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(hours=4)).isoformat(),
            "areas": list(areas), "purpose": "install",
            "visitors": [{"guest": {"name": "Aysel Mammadova", "company": "Fiber Works",
                                    "id_document_type": "passport", "id_number": "C01X00T47"}}]}


async def test_racks_are_named_by_id_even_when_names_repeat_across_sites_and_contain_spaces(
    client: AsyncTestClient, plant: dict[str, Any],
) -> None:
    headers = plant["admin"].headers
    first, second = plant["same"]
    by_id = await client.post("/v1/visits", json=body("meet-me-room", f"rack:{second}"), headers=headers)
    assert by_id.status_code == 201, by_id.text
    assert sorted(by_id.json()["areas"]) == sorted(["meet-me-room", f"rack:{second}"])

    by_unique_name = await client.post("/v1/visits", json=body(f"rack:Cage Row B {plant['suffix']}"), headers=headers)
    assert by_unique_name.status_code == 201, by_unique_name.text
    assert by_unique_name.json()["areas"] == [f"rack:{plant['unique']}"]  # stored by id

    ambiguous = await client.post("/v1/visits", json=body("meet-me-room", f"rack:Row A Rack {plant['suffix']}"),
                                  headers=headers)
    assert ambiguous.status_code == 422, ambiguous.text
    problem = ambiguous.json()
    assert problem["field"] == "areas[1]"
    assert str(first) in problem["detail"] and str(second) in problem["detail"]


async def test_a_rack_the_tenant_does_not_hold_is_refused_by_id_and_by_name(
    client: AsyncTestClient, plant: dict[str, Any],
) -> None:
    headers = plant["admin"].headers
    for area in (f"rack:{plant['nobodys']}", f"rack:Spare Rack {plant['suffix']}", "rack:999999999"):
        response = await client.post("/v1/visits", json=body(area), headers=headers)
        assert response.status_code == 422, (area, response.text)
        assert response.json()["field"] == "areas[0]"
        assert "not a rack your tenant holds" in response.json()["detail"]
