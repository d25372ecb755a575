"""A company's whole life through the API, against PostgreSQL and the real NetBox:
apply → more info → answer → approve → collect the key once → people and keys → suspend →
reinstate; rejection; offboarding with crypto-erasure."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from colo.pii import TenantKeyErased, decrypt_for_tenant
from dcim.netbox.tenancy import find_netbox_tenant
from tenants.events import TenantStatusChange
from tenants.tables import Person

# Every test starts with empty rate-limit buckets: all test requests share one address.
pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


def application_body(**overrides: Any) -> dict[str, Any]:
    unique = uuid.uuid4().hex[:10].upper()
    body = {
        "legal_name": f"Nordlys Data AS {unique}",
        "registration_number": f"NO{unique}",
        "country": "NO",
        "address": {"street": "Kongens gate 1", "postal_code": "0153", "city": "Oslo"},
        "billing_contact": {"name": "Kari Nordmann", "email": "billing@nordlys.example", "phone": "+47 22 12 34 56"},
        "technical_contact": {"name": "Ola Nordmann", "email": "noc@nordlys.example", "phone": "+47 22 65 43 21"},
        "services_of_interest": ["rack_space", "power", "cross_connect"],
    }
    body.update(overrides)
    return body


async def apply(client: AsyncTestClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/applications", json=application_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def tracking(secret: str) -> dict[str, str]:
    return {"X-Tracking-Secret": secret}


def same_problem(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keep = ("type", "title", "status", "detail")
    return {k: a.get(k) for k in keep} == {k: b.get(k) for k in keep}


async def approve(client: AsyncTestClient, ops_key, application_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/applications/{application_id}/approve", headers=ops_key.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_company_lifecycle_from_application_to_reinstatement(
    client: AsyncTestClient, ops_key, gateway, app,
) -> None:
    changes: list[TenantStatusChange] = []

    async def record(change: TenantStatusChange) -> None:
        changes.append(change)

    hooks = app.state.services.tenant_hooks
    hooks.register("tests.onboarding", record)
    try:
        submitted = await apply(client)
        app_id, secret = submitted["id"], submitted["tracking_secret"]
        assert submitted["status"] == "submitted" and secret.startswith("cat_")

        # following the application needs the secret; a wrong one looks like a missing application
        status = await client.get(f"/v1/applications/{app_id}/status", headers=tracking(secret))
        assert status.status_code == 200 and status.json()["status"] == "submitted"
        wrong = await client.get(f"/v1/applications/{app_id}/status", headers=tracking("cat_" + "x" * 32))
        missing = await client.get(f"/v1/applications/{uuid.uuid4()}/status", headers=tracking(secret))
        assert wrong.status_code == missing.status_code == 404
        assert same_problem(wrong.json(), missing.json())

        # ops ask for more; the applicant sees the question and answers; back to review
        asked = await client.post(f"/v1/applications/{app_id}/request-info", headers=ops_key.headers,
                                  json={"reason": "Please send the power estimate per rack."})
        assert asked.status_code == 200 and asked.json()["status"] == "action_required"
        status = (await client.get(f"/v1/applications/{app_id}/status", headers=tracking(secret))).json()
        assert status["status"] == "action_required" and "power estimate" in status["reason"]
        early = await client.post(f"/v1/applications/{app_id}/approve", headers=ops_key.headers)
        assert early.status_code == 409
        answered = await client.post(f"/v1/applications/{app_id}/answer", headers=tracking(secret),
                                     json={"answer": "About 4 kW per rack, two racks."})
        assert answered.status_code == 200 and answered.json()["status"] == "submitted"
        review = (await client.get(f"/v1/applications/{app_id}", headers=ops_key.headers)).json()
        assert review["applicant_answer"].startswith("About 4 kW")
        assert review["billing_contact"]["phone"] == "+4722123456"  # decrypted for ops

        # no key before approval
        too_soon = await client.post(f"/v1/applications/{app_id}/key", headers=tracking(secret))
        assert too_soon.status_code == 409

        approved = await approve(client, ops_key, app_id)
        tenant = approved["tenant"]
        assert tenant["id"] == app_id and tenant["status"] == "active"
        netbox_tenant = await find_netbox_tenant(gateway, colo_tenant_id=uuid.UUID(app_id))
        assert netbox_tenant is not None and netbox_tenant["id"] == tenant["netbox_tenant_id"]
        again = await approve(client, ops_key, app_id)  # idempotent
        assert again["tenant"]["netbox_tenant_id"] == tenant["netbox_tenant_id"]

        # the applicant collects the first key exactly once
        collected = await client.post(f"/v1/applications/{app_id}/key", headers=tracking(secret))
        assert collected.status_code == 201, collected.text
        admin = {"Authorization": f"Bearer {collected.json()['api_key']}"}
        second = await client.post(f"/v1/applications/{app_id}/key", headers=tracking(secret))
        assert second.status_code == 409
        me = (await client.get("/v1/auth/whoami", headers=admin)).json()
        assert me["role"] == "tenant_admin" and me["tenant_id"] == app_id

        # the tenant admin adds a person and a member key
        person = await client.post("/v1/people", headers=admin, json={
            "name": "Ingrid Hansen", "email": "ingrid@nordlys.example", "phone": "+47 912 34 567",
            "site_access": True, "id_document_type": "passport", "id_number": "N12345678"})
        assert person.status_code == 201, person.text
        assert person.json()["phone"].endswith("67") and "912" not in person.json()["phone"]
        assert person.json()["id_number"] == "*******78"
        member = await client.post("/v1/keys", headers=admin, json={
            "name": "ingrid laptop", "role": "tenant_member", "person_id": person.json()["id"]})
        assert member.status_code == 201, member.text
        member_headers = {"Authorization": f"Bearer {member.json()['api_key']}"}
        assert (await client.get(f"/v1/tenants/{app_id}", headers=member_headers)).status_code == 200

        # suspension: every key of the tenant fails on the very next request
        suspended = await client.post(f"/v1/tenants/{app_id}/suspend", headers=ops_key.headers,
                                      json={"reason": "unpaid invoices"})
        assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
        for headers in (admin, member_headers):
            refused = await client.get("/v1/auth/whoami", headers=headers)
            assert refused.status_code == 401
            assert refused.json()["reason"] == "tenant_suspended"

        reinstated = await client.post(f"/v1/tenants/{app_id}/reinstate", headers=ops_key.headers,
                                       json={"reason": "paid"})
        assert reinstated.status_code == 200 and reinstated.json()["status"] == "active"
        assert (await client.get("/v1/auth/whoami", headers=admin)).status_code == 200
        assert [(c.tenant_id, c.current) for c in changes] == [
            (uuid.UUID(app_id), "suspended"), (uuid.UUID(app_id), "active")]
    finally:
        hooks.unregister("tests.onboarding")


async def test_duplicate_registration_number_is_refused(client: AsyncTestClient) -> None:
    first = application_body()
    assert (await client.post("/v1/applications", json=first)).status_code == 201
    # same company, formatted differently
    again = dict(first, registration_number=" " + first["registration_number"][:5] + "-"
                 + first["registration_number"][5:].lower())
    response = await client.post("/v1/applications", json=again)
    assert response.status_code == 409
    assert response.json()["field"] == "registration_number"


async def test_rejection_frees_the_registration_number(client: AsyncTestClient, ops_key) -> None:
    body = application_body()
    submitted = (await client.post("/v1/applications", json=body)).json()
    rejected = await client.post(f"/v1/applications/{submitted['id']}/reject", headers=ops_key.headers,
                                 json={"reason": "not a legal entity"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["technical_contact"]["email"] == "[erased]"  # contacts crypto-erased
    assert rejected.json()["legal_name"] == body["legal_name"]  # the company record stays
    status = await client.get(f"/v1/applications/{submitted['id']}/status",
                              headers=tracking(submitted["tracking_secret"]))
    assert status.json()["reason"] == "not a legal entity"
    late = await client.post(f"/v1/applications/{submitted['id']}/approve", headers=ops_key.headers)
    assert late.status_code == 409
    assert (await client.post("/v1/applications", json=body)).status_code == 201


async def test_offboarding_revokes_keys_fires_hooks_and_erases_personal_data(
    client: AsyncTestClient, ops_key, app, run_in_app,
) -> None:
    changes: list[TenantStatusChange] = []

    async def record(change: TenantStatusChange) -> None:
        changes.append(change)

    body = application_body()
    submitted = await apply(client, **{k: body[k] for k in ("legal_name", "registration_number")})
    app_id, secret = submitted["id"], submitted["tracking_secret"]
    await approve(client, ops_key, app_id)
    collected = await client.post(f"/v1/applications/{app_id}/key", headers=tracking(secret))
    admin = {"Authorization": f"Bearer {collected.json()['api_key']}"}
    person = (await client.post("/v1/people", headers=admin, json={
        "name": "Per Berg", "email": "per@nordlys.example", "phone": "+4799887766"})).json()
    hooks = app.state.services.tenant_hooks
    hooks.register("tests.offboarding", record)
    try:
        offboarded = await client.post(f"/v1/tenants/{app_id}/offboard", headers=ops_key.headers,
                                       json={"reason": "contract ended"})
    finally:
        hooks.unregister("tests.offboarding")
    assert offboarded.status_code == 200 and offboarded.json()["status"] == "offboarded"
    assert [c.current for c in changes] == ["offboarded"]
    refused = await client.get("/v1/auth/whoami", headers=admin)
    assert refused.status_code == 401 and refused.json()["reason"] == "revoked"

    row = await run_in_app(Person.select().where(Person.id == uuid.UUID(person["id"])).first().run)
    assert row["name"] == "[erased]" and row["phone_masked"] == "[erased]"
    with pytest.raises(TenantKeyErased):
        await run_in_app(decrypt_for_tenant, master_key=app.state.services.keys.master_key,
                         tenant_id=uuid.UUID(app_id), ciphertext=row["phone_ciphertext"])
    review = (await client.get(f"/v1/applications/{app_id}", headers=ops_key.headers)).json()
    assert review["billing_contact"]["email"] == "[erased]"
    # cannot come back from offboarding; but the company may apply afresh
    back = await client.post(f"/v1/tenants/{app_id}/reinstate", headers=ops_key.headers, json={"reason": "x"})
    assert back.status_code == 409
    assert (await client.post("/v1/applications", json=body)).status_code == 201


async def test_application_endpoint_is_rate_limited(client: AsyncTestClient) -> None:
    from api.controllers.applications import APPLY_LIMIT

    for _ in range(APPLY_LIMIT[0]):
        assert (await client.post("/v1/applications", json=application_body())).status_code == 201
    limited = await client.post("/v1/applications", json=application_body())
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert int(limited.headers["retry-after"]) > 0
    assert limited.headers["ratelimit-limit"] == str(APPLY_LIMIT[0])
    assert limited.headers["ratelimit-remaining"] == "0"


async def test_ops_list_applications_by_status_without_contacts(client: AsyncTestClient, ops_key) -> None:
    submitted = await apply(client)
    listed = await client.get("/v1/applications?status=submitted&limit=200", headers=ops_key.headers)
    assert listed.status_code == 200
    ours = [a for a in listed.json()["items"] if a["id"] == submitted["id"]]
    assert len(ours) == 1 and ours[0]["status"] == "submitted"
    assert "billing_contact" not in ours[0] and "address" not in ours[0]
    assert all(a["status"] == "submitted" for a in listed.json()["items"])
    rejected = await client.get("/v1/applications?status=rejected&limit=200", headers=ops_key.headers)
    assert submitted["id"] not in {a["id"] for a in rejected.json()["items"]}
