"""Bad input on every tenants endpoint: a 4xx problem naming the field, never a 500, nothing stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tenants.tables import Application, Person
from tests.api.test_tenants_onboarding import application_body

# Every test starts with empty rate-limit buckets: all test requests share one address.
pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


def nested(path: str, value: Any) -> dict[str, Any]:
    body = application_body()
    target = body
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    return body


APPLICATION_CASES = [
    # (field path, bad value, expected status, expected `field`)
    ("country", "XX", 422, "country"),
    ("country", "Norway", 400, "country"),
    ("registration_number", "!", 400, "registration_number"),
    ("registration_number", "ÆØÅ-12", 422, "registration_number"),
    ("legal_name", "", 400, "legal_name"),
    ("legal_name", "x" * 201, 400, "legal_name"),
    ("legal_name", "Evil\nCorp", 422, "legal_name"),
    ("services_of_interest", [], 400, "services_of_interest"),
    ("services_of_interest", ["rack_space", "teleportation"], 400, "services_of_interest[1]"),
    ("billing_contact.email", "not-an-address", 422, "billing_contact.email"),
    ("technical_contact.phone", "0301234567", 422, "technical_contact.phone"),
    ("address.city", 12, 400, "address.city"),
    ("surprise", "field", 400, "surprise"),
]


@pytest.mark.parametrize(("path", "value", "status", "field"), APPLICATION_CASES)
async def test_bad_application_names_the_field_and_stores_nothing(
    client: AsyncTestClient, run_in_app, path: str, value: Any, status: int, field: str,
) -> None:
    body = nested(path, value) if path != "surprise" else {**application_body(), "surprise": "field"}
    before = await run_in_app(Application.count().run)
    response = await client.post("/v1/applications", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert await run_in_app(Application.count().run) == before


@pytest.mark.parametrize(("country", "number"), [
    ("DE", "HRB 12345"), ("GB", "01234567"), ("FR", "732 829 320"), ("NL", "12345678"),
    ("US", "12-3456789"), ("CH", "CHE-123.456.789"), ("DE", "DE123456789"),
])
async def test_valid_national_formats_are_accepted(client: AsyncTestClient, country: str, number: str) -> None:
    # unique legal names; the numbers repeat across runs of this test, so reject afterwards is not
    # needed: each database is fresh per session and each pair appears once here
    body = application_body(country=country, registration_number=number)
    response = await client.post("/v1/applications", json=body)
    assert response.status_code == 201, response.text


async def test_malformed_json_and_wrong_types(client: AsyncTestClient) -> None:
    broken = await client.post("/v1/applications", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    wrong = await client.post("/v1/applications", json=[1, 2, 3])
    assert wrong.status_code == 400


async def test_tracking_endpoints_validate_their_inputs(client: AsyncTestClient) -> None:
    no_secret = await client.get(f"/v1/applications/{uuid.uuid4()}/status")
    assert no_secret.status_code == 400 and "tracking" in no_secret.json()["field"].lower()
    not_uuid = await client.get("/v1/applications/not-a-uuid/status", headers={"X-Tracking-Secret": "x" * 20})
    assert not_uuid.status_code in (400, 404)
    empty_answer = await client.post(f"/v1/applications/{uuid.uuid4()}/answer",
                                      headers={"X-Tracking-Secret": "x" * 20}, json={"answer": ""})
    assert empty_answer.status_code == 400 and empty_answer.json()["field"] == "answer"


PERSON_CASES = [
    ({"name": "A", "email": "nope"}, 422, "email"),
    ({"name": "", "email": "a@b.example"}, 400, "name"),
    ({"name": "A", "email": "a@b.example", "phone": "12345678"}, 422, "phone"),
    ({"name": "A", "email": "a@b.example", "id_document_type": "passport"}, 422, "id_number"),
    ({"name": "A", "email": "a@b.example", "id_number": "X1234567"}, 422, "id_document_type"),
    ({"name": "A", "email": "a@b.example", "id_document_type": "library_card", "id_number": "1234"}, 400,
     "id_document_type"),
    ({"name": "A", "email": "a@b.example", "site_access": "yes"}, 400, "site_access"),
    ({"name": "A", "email": "a@b.example", "role": "ops"}, 400, "role"),
]


@pytest.mark.parametrize(("body", "status", "field"), PERSON_CASES)
async def test_bad_person_names_the_field_and_stores_nothing(
    client: AsyncTestClient, tenant_admin, run_in_app, body: dict[str, Any], status: int, field: str,
) -> None:
    before = await run_in_app(Person.count().run)
    response = await client.post("/v1/people", json=body, headers=tenant_admin.headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert await run_in_app(Person.count().run) == before


KEY_CASES = [
    ({"name": "", "role": "tenant_member"}, 400, "name"),
    ({"name": "x", "role": "superuser"}, 400, "role"),
    ({"name": "x", "role": "tenant_member", "allowed_networks": ["10.0.0.0/33"]}, 422, "allowed_networks"),
    ({"name": "x", "role": "tenant_member", "allowed_networks": ["10.0.0.0/8"] * 17}, 400, "allowed_networks"),
    ({"name": "x", "role": "tenant_member", "expires_at": "2001-01-01T00:00:00Z"}, 422, "expires_at"),
    ({"name": "x", "role": "tenant_member", "expires_at": "tomorrow"}, 400, "expires_at"),
    ({"name": "x", "role": "tenant_member", "person_id": str(uuid.uuid4())}, 422, "person_id"),
]


@pytest.mark.parametrize(("body", "status", "field"), KEY_CASES)
async def test_bad_key_request_names_the_field(
    client: AsyncTestClient, tenant_admin, body: dict[str, Any], status: int, field: str,
) -> None:
    response = await client.post("/v1/keys", json=body, headers=tenant_admin.headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


async def test_bad_rotation_and_lifecycle_input(client: AsyncTestClient, tenant_admin, ops_key) -> None:
    key_id = tenant_admin.principal.key_id
    too_long = await client.post(f"/v1/keys/{key_id}/rotate", json={"overlap_seconds": 10**9},
                                 headers=tenant_admin.headers)
    assert too_long.status_code == 400 and too_long.json()["field"] == "overlap_seconds"
    tenant_id = tenant_admin.principal.tenant_id
    no_reason = await client.post(f"/v1/tenants/{tenant_id}/suspend", json={}, headers=ops_key.headers)
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    status = await client.get("/v1/tenants?status=nonsense", headers=ops_key.headers)
    assert status.status_code == 400 and status.json()["field"] == "status"
    paging = await client.get("/v1/keys?limit=0", headers=tenant_admin.headers)
    assert paging.status_code == 400 and paging.json()["field"] == "limit"
    # still active and untouched
    assert (await client.get("/v1/auth/whoami", headers=tenant_admin.headers)).status_code == 200
