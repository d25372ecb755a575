"""BOLA: tenant A can neither see nor change anything of tenant B on any tenants endpoint.
Another tenant's object answers exactly like a missing one (404, same body)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from colo.identity import Role


def body_without_location(response: Any) -> dict[str, Any]:
    """The problem body minus the parts that name the request (path, request id)."""
    return {k: v for k, v in response.json().items() if k not in ("instance", "request_id")}


@pytest.fixture(scope="module")
async def two_tenants(client: AsyncTestClient, make_tenant, make_key) -> dict[str, Any]:
    tenant_a, tenant_b = await make_tenant(), await make_tenant()
    admin_a = await make_key(Role.TENANT_ADMIN, tenant_id=tenant_a.id, name="a admin")
    admin_b = await make_key(Role.TENANT_ADMIN, tenant_id=tenant_b.id, name="b admin")
    member_a = await make_key(Role.TENANT_MEMBER, tenant_id=tenant_a.id, name="a member")
    person_b = await client.post("/v1/people", headers=admin_b.headers, json={
        "name": "Bea B", "email": "bea@b.example", "phone": "+4930111222", "site_access": True,
        "id_document_type": "national_id", "id_number": "B99887766"})
    assert person_b.status_code == 201, person_b.text
    key_b = await client.post("/v1/keys", headers=admin_b.headers, json={"name": "b robot", "role": "tenant_member"})
    assert key_b.status_code == 201
    return {"a": tenant_a, "b": tenant_b, "admin_a": admin_a, "admin_b": admin_b, "member_a": member_a,
            "person_b": person_b.json(), "key_b": key_b.json()["key"]}


def requests_on_b(t: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    person, key, tenant = t["person_b"]["id"], t["key_b"]["id"], t["b"].id
    return [
        ("GET", f"/v1/people/{person}", None),
        ("PATCH", f"/v1/people/{person}", {"name": "taken over"}),
        ("DELETE", f"/v1/people/{person}", None),
        ("GET", f"/v1/keys/{key}", None),
        ("POST", f"/v1/keys/{key}/revoke", {"reason": "x"}),
        ("POST", f"/v1/keys/{key}/rotate", {"overlap_seconds": 0}),
        ("GET", f"/v1/tenants/{tenant}", None),
    ]


def same_request_on_missing(method: str, path: str, t: dict[str, Any]) -> str:
    missing = str(uuid.uuid4())
    for real in (t["person_b"]["id"], t["key_b"]["id"], str(t["b"].id)):
        path = path.replace(real, missing)
    return path


async def test_another_tenants_objects_answer_like_missing_ones(client: AsyncTestClient, two_tenants) -> None:
    t = two_tenants
    for method, path, body in requests_on_b(t):
        theirs = await client.request(method, path, json=body, headers=t["admin_a"].headers)
        missing = await client.request(method, same_request_on_missing(method, path, t), json=body,
                                       headers=t["admin_a"].headers)
        assert theirs.status_code == 404, (method, path, theirs.status_code, theirs.text)
        assert missing.status_code == 404
        assert body_without_location(theirs) == body_without_location(missing), (method, path)


async def test_b_is_unchanged_after_a_tried_everything(client: AsyncTestClient, two_tenants) -> None:
    t = two_tenants
    for method, path, body in requests_on_b(t):
        await client.request(method, path, json=body, headers=t["admin_a"].headers)
    person = await client.get(f"/v1/people/{t['person_b']['id']}", headers=t["admin_b"].headers)
    assert person.status_code == 200 and person.json()["name"] == "Bea B"
    key = await client.get(f"/v1/keys/{t['key_b']['id']}", headers=t["admin_b"].headers)
    assert key.json()["revoked_at"] is None
    assert (await client.get("/v1/auth/whoami", headers=t["admin_b"].headers)).status_code == 200


async def test_lists_only_show_the_callers_tenant(client: AsyncTestClient, two_tenants, ops_key) -> None:
    t = two_tenants
    a_id, b_id = str(t["a"].id), str(t["b"].id)
    tenants = (await client.get("/v1/tenants", headers=t["member_a"].headers)).json()
    assert [x["id"] for x in tenants["items"]] == [a_id] and tenants["next_cursor"] is None
    # asking for B's people by filter still yields only A's (none)
    people = (await client.get(f"/v1/people?tenant_id={b_id}", headers=t["admin_a"].headers)).json()["items"]
    assert all(p["tenant_id"] == a_id for p in people)
    assert t["person_b"]["id"] not in {p["id"] for p in people}
    keys = (await client.get("/v1/keys?include_revoked=true", headers=t["admin_a"].headers)).json()["items"]
    assert keys and all(k["tenant_id"] == a_id for k in keys)
    # staff see across tenants (this is what the tenant filter is compared against)
    staff_people = (await client.get(f"/v1/people?tenant_id={b_id}", headers=ops_key.headers)).json()["items"]
    assert t["person_b"]["id"] in {p["id"] for p in staff_people}


async def test_fields_that_would_widen_access_are_refused(client: AsyncTestClient, two_tenants) -> None:
    t = two_tenants
    headers = t["admin_a"].headers
    with_tenant = await client.post("/v1/keys", headers=headers, json={
        "name": "sneaky", "role": "tenant_admin", "tenant_id": str(t["b"].id)})
    assert with_tenant.status_code == 400 and with_tenant.json()["field"] == "tenant_id"
    staff_role = await client.post("/v1/keys", headers=headers, json={"name": "sneaky", "role": "ops"})
    assert staff_role.status_code == 422 and staff_role.json()["field"] == "role"
    other_person = await client.post("/v1/keys", headers=headers, json={
        "name": "sneaky", "role": "tenant_member", "person_id": t["person_b"]["id"]})
    assert other_person.status_code == 422 and other_person.json()["field"] == "person_id"
    person_in_b = await client.post("/v1/people", headers=headers, json={
        "name": "X", "email": "x@a.example", "tenant_id": str(t["b"].id)})
    assert person_in_b.status_code == 400 and person_in_b.json()["field"] == "tenant_id"
    status = await client.patch(f"/v1/people/{t['person_b']['id']}", headers=headers, json={"status": "active"})
    assert status.status_code == 400 and status.json()["field"] == "status"
    b_people = (await client.get("/v1/people", headers=t["admin_b"].headers)).json()
    assert [p["name"] for p in b_people["items"]] == ["Bea B"] and b_people["next_cursor"] is None


async def test_ops_cannot_mint_or_rotate_tenant_credentials(client: AsyncTestClient, two_tenants, ops_key) -> None:
    t = two_tenants
    tenant_role = await client.post("/v1/keys", headers=ops_key.headers, json={"name": "x", "role": "tenant_admin"})
    assert tenant_role.status_code == 422 and tenant_role.json()["field"] == "role"
    rotate = await client.post(f"/v1/keys/{t['key_b']['id']}/rotate", headers=ops_key.headers, json={})
    assert rotate.status_code == 403


async def test_scope_helpers_every_domain_uses(two_tenants, run_in_app, ops_key) -> None:
    from colo.errors import NotFound
    from tenants.scope import fetch_or_404, scoped, select_one_or_404
    from tenants.tables import Person

    t = two_tenants
    person_id = uuid.UUID(t["person_b"]["id"])
    common = {"object_id": person_id, "resource": "person", "tenant_column": Person.tenant}
    own = await run_in_app(fetch_or_404, Person, principal=t["admin_b"].principal, **common)
    assert own.id == person_id
    staff = await run_in_app(select_one_or_404, Person, principal=ops_key.principal, columns=(Person.name,), **common)
    assert staff == {"name": "Bea B"}
    for helper in (fetch_or_404, select_one_or_404):
        with pytest.raises(NotFound) as theirs:
            await run_in_app(helper, Person, principal=t["admin_a"].principal, **common)
        with pytest.raises(NotFound) as missing:
            await run_in_app(helper, Person, principal=t["admin_a"].principal,
                             **{**common, "object_id": uuid.uuid4()})
        assert str(theirs.value) == str(missing.value)
    count_a = await run_in_app(scoped(Person.count(), principal=t["member_a"].principal, column=Person.tenant).run)
    count_b = await run_in_app(scoped(Person.count(), principal=t["admin_b"].principal, column=Person.tenant).run)
    assert count_a == 0 and count_b == 1
