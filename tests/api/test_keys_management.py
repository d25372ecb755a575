"""Tenant admins manage their tenant's keys: list, create, revoke — but never lock themselves out."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from colo.identity import Role


async def test_tenant_admin_key_management(client: AsyncTestClient, make_tenant, make_key, ops_key) -> None:
    tenant = await make_tenant()
    first = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="first admin")
    created = await client.post("/v1/keys", headers=first.headers, json={
        "name": "second admin", "role": "tenant_admin", "allowed_networks": ["10.0.0.0/8"],
        "expires_at": "2099-01-01T00:00:00Z"})
    assert created.status_code == 201, created.text
    second = created.json()["key"]
    assert second["tenant_id"] == str(tenant.id) and second["allowed_networks"] == ["10.0.0.0/8"]
    assert second["created_by"] == first.principal.key_id

    listed = (await client.get("/v1/keys", headers=first.headers)).json()
    assert {k["name"] for k in listed["items"]} == {"first admin", "second admin"} and listed["next_cursor"] is None

    # revoking the other admin key is fine; then the caller's own key is the last one left
    assert (await client.post(f"/v1/keys/{second['id']}/revoke", headers=first.headers)).status_code == 200
    last = await client.post(f"/v1/keys/{first.principal.key_id}/revoke", headers=first.headers, json={})
    assert last.status_code == 409
    assert (await client.get("/v1/auth/whoami", headers=first.headers)).status_code == 200
    # ops may still revoke it (an incident), and it stops at once
    forced = await client.post(f"/v1/keys/{first.principal.key_id}/revoke", headers=ops_key.headers,
                               json={"reason": "leaked"})
    assert forced.status_code == 200 and forced.json()["revoked_reason"] == "leaked"
    assert (await client.get("/v1/auth/whoami", headers=first.headers)).status_code == 401


async def test_revoked_keys_are_hidden_unless_asked_for(client: AsyncTestClient, tenant_admin) -> None:
    created = (await client.post("/v1/keys", headers=tenant_admin.headers,
                                 json={"name": "temp", "role": "tenant_member"})).json()["key"]
    await client.post(f"/v1/keys/{created['id']}/revoke", headers=tenant_admin.headers)
    active = {k["id"] for k in (await client.get("/v1/keys?limit=200", headers=tenant_admin.headers)).json()["items"]}
    every = {k["id"] for k in (await client.get("/v1/keys?include_revoked=true&limit=200",
                                                 headers=tenant_admin.headers)).json()["items"]}
    assert created["id"] not in active and created["id"] in every
