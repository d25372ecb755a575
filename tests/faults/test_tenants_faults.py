"""Faults and races in onboarding: NetBox down during approval, concurrent approvals,
concurrent duplicate applications, concurrent key collection."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from colo.errors import Unavailable
from colo.identity import Principal, Role
from dcim.netbox import NetBoxGateway
from dcim.netbox.tenancy import ensure_netbox_tenant, netbox_tenant_slug
from tenants.applications import approve_application, collect_first_key, submit_application
from tenants.keys import KeyRing
from tenants.schemas import ApplicationCreate
from tenants.tables import ApiKey, Application, Tenant
from tests.api.test_tenants_onboarding import application_body, tracking

OPS = Principal(key_id="faults", role=Role.OPS, name="faults")


# Every test starts with empty rate-limit buckets: all test requests share one address.
pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


def linker(gateway: NetBoxGateway):
    async def link(tenant_id: uuid.UUID, legal_name: str) -> int:
        return await ensure_netbox_tenant(gateway, colo_tenant_id=tenant_id, legal_name=legal_name)
    return link


async def test_netbox_down_during_approval_leaves_a_pending_tenant_that_a_retry_finishes(
    client: AsyncTestClient, ops_key, gateway, run_in_app, app,
) -> None:
    submitted = (await client.post("/v1/applications", json=application_body())).json()
    app_id = uuid.UUID(submitted["id"])
    dead = NetBoxGateway(url="http://127.0.0.1:9", token="nbt_x.y", connect_timeout=0.5, read_timeout=0.5)
    with pytest.raises(Unavailable):
        await run_in_app(approve_application, principal=OPS, application_id=app_id,
                         master_key=app.state.services.keys.master_key, link_netbox=linker(dead))
    tenant = await run_in_app(Tenant.select().where(Tenant.id == app_id).first().run)
    assert tenant["status"] == "pending" and tenant["netbox_tenant_id"] is None
    # the applicant cannot collect a key for a tenant that is not active yet
    early = await client.post(f"/v1/applications/{app_id}/key", headers=tracking(submitted["tracking_secret"]))
    assert early.status_code == 409
    # approving again, with NetBox back, finishes the job
    retried = await client.post(f"/v1/applications/{app_id}/approve", headers=ops_key.headers)
    assert retried.status_code == 200, retried.text
    assert retried.json()["tenant"]["status"] == "active"
    collected = await client.post(f"/v1/applications/{app_id}/key", headers=tracking(submitted["tracking_secret"]))
    assert collected.status_code == 201


async def gather_in_app(run_in_app, *coroutine_functions):
    """Run the calls truly concurrently on the app's event loop (the test client itself serialises
    requests), returning results or exceptions."""
    async def together():
        return await asyncio.gather(*(fn() for fn in coroutine_functions), return_exceptions=True)
    return await run_in_app(together)


def outcome(result: object) -> str:
    return type(result).__name__ if isinstance(result, BaseException) else "ok"


async def test_concurrent_approvals_create_one_netbox_tenant(
    client: AsyncTestClient, gateway, run_in_app, app,
) -> None:
    submitted = (await client.post("/v1/applications", json=application_body())).json()
    app_id = uuid.UUID(submitted["id"])
    master = app.state.services.keys.master_key
    results = await gather_in_app(run_in_app, *[
        lambda: approve_application(principal=OPS, application_id=app_id, master_key=master,
                                    link_netbox=linker(gateway))
    ] * 3)
    outcomes = [outcome(r) for r in results]
    assert "ok" in outcomes and set(outcomes) <= {"ok", "Conflict"}, results
    found = await gateway.call(lambda api: list(api.tenancy.tenants.filter(slug=netbox_tenant_slug(app_id))))
    assert len(found) == 1
    tenant = await run_in_app(Tenant.select().where(Tenant.id == app_id).first().run)
    assert tenant["status"] == "active" and tenant["netbox_tenant_id"] == found[0].id


async def test_concurrent_duplicate_applications_store_one(app, run_in_app) -> None:
    body = msgspec.convert(application_body(), ApplicationCreate)
    ring = KeyRing.of(app.state.services.keys.api_key_peppers)
    master = app.state.services.keys.master_key
    results = await gather_in_app(run_in_app, *[
        lambda: submit_application(data=body, ring=ring, master_key=master)
    ] * 4)
    assert sorted(outcome(r) for r in results) == ["Conflict", "Conflict", "Conflict", "ok"], results
    stored = await run_in_app(Application.count().where(
        Application.registration_number == body.registration_number).run)
    assert stored == 1


async def test_concurrent_key_collection_hands_out_one_key(client: AsyncTestClient, ops_key, app, run_in_app) -> None:
    submitted = (await client.post("/v1/applications", json=application_body())).json()
    approved = await client.post(f"/v1/applications/{submitted['id']}/approve", headers=ops_key.headers)
    assert approved.status_code == 200
    ring = KeyRing.of(app.state.services.keys.api_key_peppers)
    results = await gather_in_app(run_in_app, *[
        lambda: collect_first_key(application_id=uuid.UUID(submitted["id"]), secret=submitted["tracking_secret"],
                                  ring=ring)
    ] * 4)
    assert sorted(outcome(r) for r in results) == ["Conflict", "Conflict", "Conflict", "ok"], results
    keys = await run_in_app(ApiKey.count().where(ApiKey.tenant == uuid.UUID(submitted["id"])).run)
    assert keys == 1
