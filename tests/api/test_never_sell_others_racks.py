"""Never sell another customer's rack: capacity search offers exactly the racks a space order
accepts (dcim.sales), and an auto-placed order reserves the units the search ranked.

Built in the real NetBox: the brownfield plant (tests/brownfield.py: a rack owned by another
tenant, a `network` and a `meet-me-room` rack, an `available` rack) plus, per test, a small site
of its own; the read model is refreshed for exactly those racks.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.netbox import NetBoxGateway
from dcim.readmodel.sync import refresh_racks
from devtools.demo.seed import authenticated_user_id
from tenants.schemas import TenantRead
from tests.brownfield import BrownfieldPlant, brownfield  # noqa: F401 - the module's plant fixture
from tests.conftest import IssuedTestKey
from tests.netbox_cleanup import remove_sites

Run = Callable[..., Awaitable[Any]]


@pytest_asyncio.fixture(scope="module")
async def buyer(
    app: Litestar, run_in_app: Run, brownfield: BrownfieldPlant,  # noqa: F811 - fixture
    make_tenant: Callable[..., Awaitable[TenantRead]], make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> dict[str, Any]:
    """A Colo tenant of its own (not the plant's customer) with an admin key; the plant synced."""
    await run_in_app(refresh_racks, app.state.services.netbox, brownfield.rack_ids)
    tenant = await make_tenant()
    return {"tenant": tenant, "key": await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="buyer")}


async def _offered(client: AsyncTestClient, key: IssuedTestKey, **query: Any) -> dict[int, dict[str, Any]]:
    query = {"units": 1, "kw": 0, "redundant": False, "limit": 100, **query}
    answer = await client.post("/v1/capacity/search", json=query, headers=key.headers)
    assert answer.status_code == 200, answer.text
    return {p["rack_id"]: p for p in answer.json()["placements"]}


async def _order_space(client: AsyncTestClient, key: IssuedTestKey, **spec: Any) -> Any:
    return await client.post("/v1/orders", json={"spec": {"kind": "space", "units": 1, **spec}}, headers=key.headers)


async def _cancel(client: AsyncTestClient, key: IssuedTestKey, order_id: str) -> None:
    cancelled = await client.post(f"/v1/orders/{order_id}/cancel", headers=key.headers)
    assert cancelled.status_code == 200, cancelled.text


async def test_another_tenants_rack_is_never_offered_nor_accepted(
    client: AsyncTestClient, brownfield: BrownfieldPlant, buyer: dict[str, Any],  # noqa: F811 - fixture
) -> None:
    key = buyer["key"]
    offered = await _offered(client, key, site_id=brownfield.sites["south"])
    assert brownfield.racks["twin_south"] in offered  # the control: an empty rack nobody owns
    for owned in ("other_owned", "owned_south"):
        assert brownfield.racks[owned] not in offered, owned
    refused = await _order_space(client, key, rack_id=brownfield.racks["other_owned"])
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert "belongs to another tenant" in problem["detail"] and problem["field"] == "rack_id"
    assert brownfield.other.name not in refused.text  # says why, never whose


async def test_house_racks_are_never_offered_nor_accepted(
    client: AsyncTestClient, brownfield: BrownfieldPlant, buyer: dict[str, Any],  # noqa: F811 - fixture
) -> None:
    key = buyer["key"]
    offered = await _offered(client, key, site_id=brownfield.sites["north"])
    assert brownfield.racks["device_only"] in offered  # the control: a shared rack, no house role
    assert brownfield.racks["infra"] not in offered and brownfield.racks["mmr"] not in offered
    for rack, role in (("infra", "network"), ("mmr", "meet-me-room")):
        refused = await _order_space(client, key, rack_id=brownfield.racks[rack])
        assert refused.status_code == 409, refused.text
        assert f"rack role '{role}' is not sold" in refused.json()["detail"]


async def test_search_offers_a_status_exactly_when_an_order_accepts_it(
    app: Litestar, client: AsyncTestClient, gateway: NetBoxGateway, run_in_app: Run,
    brownfield: BrownfieldPlant, buyer: dict[str, Any],  # noqa: F811 - fixture
) -> None:
    key = buyer["key"]
    site = brownfield.sites["south"]
    planned = await gateway.call(lambda api: api.dcim.racks.create(
        name=f"Planned {brownfield.suffix}", site=site, location=brownfield.locations["south_hall"],
        status="planned", u_height=42).id, what="planned rack")
    await run_in_app(refresh_racks, app.state.services.netbox, [planned])
    offered = await _offered(client, key, site_id=site)
    # `available`: empty, powered, for sale — offered, and an order into it is accepted.
    assert brownfield.racks["available"] in offered
    accepted = await _order_space(client, key, rack_id=brownfield.racks["available"])
    assert accepted.status_code == 201, accepted.text
    await _cancel(client, key, accepted.json()["id"])
    # `planned`: not built yet — neither offered nor accepted.
    assert planned not in offered
    refused = await _order_space(client, key, rack_id=planned)
    assert refused.status_code == 409 and "rack status 'planned' is not sold" in refused.json()["detail"]


# ---- placement: what the search ranked is what the order reserves ------------------------------


def _tight_site(api: Any, s: str, other_tenant: int) -> dict[str, int]:
    """A site with two empty racks nobody owns, and a third rack:
    - `gapped`: units 4-40 reserved by another tenant; free runs U1-U3 (3) and U41-U42 (2).
    - `facility`: the house's patch panel (no tenant) at U2; free runs U1 (1) and U3-U42 (40).
    - `clean`: empty.
    """
    site = api.dcim.sites.create(name=f"Placement {s}", slug=f"placement-{s}").id
    racks = {key: api.dcim.racks.create(name=f"{key} {s}", site=site, u_height=42).id
             for key in ("gapped", "facility", "clean")}
    api.dcim.rack_reservations.create(rack=racks["gapped"], units=list(range(4, 41)), user=authenticated_user_id(api),
                                      tenant=other_tenant, description=f"placement test {s}")
    maker = api.dcim.manufacturers.create(name=f"maker {s}", slug=f"maker-{s}")
    dtype = api.dcim.device_types.create(manufacturer=maker.id, model=f"pp {s}", slug=f"pp-{s}", u_height=1)
    role = api.dcim.device_roles.create(name=f"pp {s}", slug=f"pp-{s}")
    api.dcim.devices.create(name=None, device_type=dtype.id, role=role.id, site=site, rack=racks["facility"],
                            position=2, face="front")
    return {"site": site, **racks, "maker": maker.id, "dtype": dtype.id, "role": role.id}


def _remove_tight_site(api: Any, built: dict[str, int]) -> None:
    remove_sites(api, [built["site"]], device_types=[built["dtype"]], device_roles=[built["role"]],
                 manufacturers=[built["maker"]])


@pytest_asyncio.fixture
async def tight_site(
    app: Litestar, gateway: NetBoxGateway, run_in_app: Run, brownfield: BrownfieldPlant,  # noqa: F811 - fixture
) -> AsyncIterator[dict[str, int]]:
    s = uuid.uuid4().hex[:8]
    built = await gateway.call(lambda api: _tight_site(api, s, brownfield.other.netbox_tenant_id), what="tight site")
    await run_in_app(refresh_racks, app.state.services.netbox, [built["gapped"], built["facility"], built["clean"]])
    try:
        yield built
    finally:
        await gateway.call(lambda api: _remove_tight_site(api, built), what="remove tight site")


async def test_auto_placement_reserves_the_units_the_search_ranked(
    client: AsyncTestClient, buyer: dict[str, Any], tight_site: dict[str, int],
) -> None:
    key = buyer["key"]
    query = {"units": 2, "kw": 0, "redundant": False, "site_id": tight_site["site"], "limit": 5}
    ranked = (await client.post("/v1/capacity/search", json=query, headers=key.headers)).json()["placements"]
    assert (ranked[0]["rack_id"], ranked[0]["first_unit"], ranked[0]["free_run"]) == (tight_site["gapped"], 41, 2)
    placed = await _order_space(client, key, units=2, site_id=tight_site["site"], redundant=False)
    assert placed.status_code == 201, placed.text
    spec = placed.json()["spec"]
    try:  # the 2U gap at the top, not U1-U2 (which would split the 3U run below)
        assert (spec["rack_id"], spec["units_assigned"]) == (tight_site["gapped"], [41, 42])
    finally:
        await _cancel(client, key, placed.json()["id"])


async def test_a_rack_of_the_houses_kit_never_ranks_first_for_tenant_space(
    client: AsyncTestClient, buyer: dict[str, Any], tight_site: dict[str, int],
) -> None:
    # One unit: the facility rack's U1 is the tightest fit of all, yet tenant space goes elsewhere.
    query = {"units": 1, "kw": 0, "redundant": False, "site_id": tight_site["site"], "limit": 5}
    ranked = (await client.post("/v1/capacity/search", json=query, headers=buyer["key"].headers)).json()["placements"]
    order = [p["rack_id"] for p in ranked]
    assert set(order) == {tight_site["gapped"], tight_site["clean"], tight_site["facility"]}
    assert order[-1] == tight_site["facility"]
