"""Shipments are the tenant's own: a delivery goes only to a rack the tenant holds in the real
NetBox (another tenant's rack, by id or by name, is refused exactly like a missing one), and
another tenant's shipment can be neither read, cancelled nor found in a list — the same answer
as a shipment that does not exist."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
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


def _build(api: Any, suffix: str, holders: dict[str, int]) -> dict[str, Any]:
    site = api.dcim.sites.create(name=f"Dock {suffix}", slug=f"dock-{suffix}")
    user = authenticated_user_id(api)
    racks = {}
    for name, netbox_tenant in holders.items():
        rack = api.dcim.racks.create(name=f"Dock {name} {suffix}", site=site.id, u_height=42).id
        api.dcim.rack_reservations.create(rack=rack, units=[1], user=user, tenant=netbox_tenant,
                                          description=f"shipments test {suffix}")
        racks[name] = rack
    return {"site": site.id, "racks": racks}


@pytest_asyncio.fixture(scope="module")
async def world(
    app: Litestar, gateway: NetBoxGateway, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
    make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> AsyncIterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    tenants = {"a": await make_tenant(), "b": await make_tenant()}
    built = await gateway.call(lambda api: _build(api, suffix, {n: t.netbox_tenant_id for n, t in tenants.items()}),
                               what="dock racks")
    await run_in_app(refresh_racks, app.state.services.netbox, list(built["racks"].values()))
    built.update(suffix=suffix, **{f"{n}_admin": await make_key(Role.TENANT_ADMIN, tenant_id=t.id, name=f"dock {n}")
                                   for n, t in tenants.items()})
    built["dock"] = await make_key(Role.GATE, name="dock isolation gate")
    try:
        yield built
    finally:
        await gateway.call(lambda api: remove_sites(api, [built["site"]]), what="remove dock racks")


def announcement(deliver_to: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"carrier": "FedEx", "tracking_numbers": [f"ISO{uuid.uuid4().hex[:12].upper()}"],
                            "boxes": 1, "expected_on": date.today().isoformat()}
    return {**body, "deliver_to": deliver_to} if deliver_to else body


def problem(response: Any, reference: str) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["detail"].replace(reference, "<ref>"), body.get("field")


async def test_a_delivery_goes_only_to_a_rack_the_tenant_holds(client: AsyncTestClient, world: dict[str, Any]) -> None:
    a, b = world["a_admin"].headers, world["b_admin"].headers
    own_id, own_name = world["racks"]["a"], f"Dock a {world['suffix']}"
    by_id = await client.post("/v1/shipments/inbound", json=announcement(f"rack:{own_id}"), headers=a)
    assert by_id.status_code == 201 and by_id.json()["deliver_to"] == f"rack:{own_id}", by_id.text
    by_name = await client.post("/v1/shipments/inbound", json=announcement(f"rack:{own_name}"), headers=a)
    assert by_name.status_code == 201 and by_name.json()["deliver_to"] == f"rack:{own_id}", by_name.text

    for theirs, missing in ((str(own_id), str(2**31 - 11)), (own_name, f"Dock z {world['suffix']}")):
        refused = await client.post("/v1/shipments/inbound", json=announcement(f"rack:{theirs}"), headers=b)
        absent = await client.post("/v1/shipments/inbound", json=announcement(f"rack:{missing}"), headers=b)
        assert refused.status_code == 422 and refused.json()["field"] == "deliver_to", refused.text
        assert problem(refused, theirs) == problem(absent, missing)


async def test_another_tenants_shipment_answers_like_a_missing_one(
    client: AsyncTestClient, world: dict[str, Any],
) -> None:
    a, b = world["a_admin"].headers, world["b_admin"].headers
    mine = (await client.post("/v1/shipments/inbound", json=announcement(), headers=a)).json()
    missing = str(uuid.uuid4())
    for path in ("/v1/shipments/{}",):
        theirs, absent = await client.get(path.format(mine["id"]), headers=b), await client.get(
            path.format(missing), headers=b)
        assert theirs.status_code == absent.status_code == 404
        assert problem(theirs, mine["id"])[1:] == problem(absent, missing)[1:]
    cancel = await client.post(f"/v1/shipments/{mine['id']}/cancel", headers=b)
    assert cancel.status_code == 404
    listed = await client.get("/v1/shipments", params={"limit": 200}, headers=b)
    assert mine["id"] not in listed.text
    # The dock sees every tenant's; the owner still finds it, unchanged.
    assert (await client.get(f"/v1/shipments/{mine['id']}", headers=world["dock"].headers)).status_code == 200
    owned = await client.get(f"/v1/shipments/{mine['id']}", headers=a)
    assert owned.status_code == 200 and owned.json()["status"] == "expected"
