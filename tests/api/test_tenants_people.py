"""People through the API: encrypted phone and ID number shown masked, partial updates,
deletion revoking the person's keys, staff read access; secrets never reach the logs."""

from __future__ import annotations

import json
import os
import sys
import uuid

import anyio
from litestar.testing import AsyncTestClient

from colo.identity import Role
from colo.pii import decrypt_for_tenant
from tenants.tables import Person


async def test_person_round_trip_with_masked_secrets(client: AsyncTestClient, tenant_admin, app, run_in_app) -> None:
    created = await client.post("/v1/people", headers=tenant_admin.headers, json={
        "name": "Mia Keller", "email": "mia@keller.example", "phone": "+41 44 668 18 00",
        "site_access": True, "id_document_type": "national_id", "id_number": "C4X7Y2Z9Q"})
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["phone"] == "**********00" and person["id_number"] == "*******9Q"
    assert person["tenant_id"] == str(tenant_admin.principal.tenant_id)

    row = await run_in_app(Person.select().where(Person.id == uuid.UUID(person["id"])).first().run)
    assert "C4X7Y2Z9Q" not in str(row) and "446681800" not in str(row)  # encrypted at rest
    plaintext = await run_in_app(decrypt_for_tenant, master_key=app.state.services.keys.master_key,
                                 tenant_id=tenant_admin.principal.tenant_id, ciphertext=row["id_number_ciphertext"])
    assert plaintext == "C4X7Y2Z9Q"

    # partial update: only the name changes
    renamed = await client.patch(f"/v1/people/{person['id']}", headers=tenant_admin.headers, json={"name": "Mia K."})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Mia K." and renamed.json()["phone"] == person["phone"]
    # null clears the phone; the ID document goes only with its number
    cleared = await client.patch(f"/v1/people/{person['id']}", headers=tenant_admin.headers, json={"phone": None})
    assert cleared.json()["phone"] == ""
    half = await client.patch(f"/v1/people/{person['id']}", headers=tenant_admin.headers,
                              json={"id_document_type": None})
    assert half.status_code == 422 and half.json()["field"] == "id_document_type"
    both = await client.patch(f"/v1/people/{person['id']}", headers=tenant_admin.headers,
                              json={"id_document_type": None, "id_number": None})
    assert both.status_code == 200 and both.json()["id_number"] == "" and both.json()["id_document_type"] == ""


async def test_staff_read_people_but_do_not_manage_them(
    client: AsyncTestClient, tenant_admin, make_key,
) -> None:
    person = (await client.post("/v1/people", headers=tenant_admin.headers,
                                json={"name": "Sam", "email": "sam@x.example"})).json()
    security = await make_key(Role.SECURITY)
    seen = await client.get(f"/v1/people/{person['id']}", headers=security.headers)
    assert seen.status_code == 200 and seen.json()["name"] == "Sam"
    ops = await make_key(Role.OPS)
    changed = await client.patch(f"/v1/people/{person['id']}", headers=ops.headers, json={"name": "x"})
    assert changed.status_code == 403
    assert (await client.post("/v1/people", headers=ops.headers,
                              json={"name": "x", "email": "x@x.example"})).status_code == 403


async def test_deleting_a_person_revokes_their_keys(client: AsyncTestClient, tenant_admin) -> None:
    person = (await client.post("/v1/people", headers=tenant_admin.headers,
                                json={"name": "Leaver", "email": "leaver@x.example"})).json()
    key = await client.post("/v1/keys", headers=tenant_admin.headers,
                            json={"name": "leaver laptop", "role": "tenant_member", "person_id": person["id"]})
    headers = {"Authorization": f"Bearer {key.json()['api_key']}"}
    me = (await client.get("/v1/auth/whoami", headers=headers)).json()
    assert me["person_id"] == person["id"]
    deleted = await client.delete(f"/v1/people/{person['id']}", headers=tenant_admin.headers)
    assert deleted.status_code == 204
    assert (await client.get(f"/v1/people/{person['id']}", headers=tenant_admin.headers)).status_code == 404
    refused = await client.get("/v1/auth/whoami", headers=headers)
    assert refused.status_code == 401 and refused.json()["reason"] == "revoked"


LOGGING_SCRIPT = """
import json, os, sys
from litestar.testing import TestClient
from api.app import create_app
from colo.settings import load_settings
headers = {"Authorization": "Bearer " + os.environ["TEST_ADMIN_KEY"]}
with TestClient(create_app(load_settings(dotenv=None))) as client:
    person = client.post("/v1/people", headers=headers, json={
        "name": "Log Test", "email": "log@x.example", "phone": "+4915112345678",
        "id_document_type": "passport", "id_number": "P0SECRET77"})
    key = client.post("/v1/keys", headers=headers, json={"name": "log test", "role": "tenant_member"})
    print(json.dumps([person.status_code, key.status_code, key.json().get("api_key", "")]))
"""


async def test_secrets_never_reach_the_logs(tenant_admin, settings) -> None:
    """A server at INFO level (in its own process, so its logging is configured from scratch)
    logs the person and the key — but never the phone, the ID number or the key."""
    env = {**os.environ, "COLO_ENV": "test", "COLO_DATABASE_URL": settings.database_url,
           "COLO_SECRETS_DIR": str(settings.secrets_dir), "COLO_LOG_LEVEL": "INFO",
           "COLO_LOG_FORMAT": "json", "COLO_NETBOX_URL": settings.netbox_url,
           "COLO_NETBOX_TOKEN": settings.netbox_token, "TEST_ADMIN_KEY": tenant_admin.plaintext}
    result = await anyio.run_process([sys.executable, "-c", LOGGING_SCRIPT], env=env, check=False)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    person_status, key_status, new_key = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert person_status == 201 and key_status == 201
    logs = result.stderr.decode()
    assert "person created" in logs and "api key issued" in logs  # the service lines were written
    for secret in ("P0SECRET77", "4915112345678", "15112345678", new_key, new_key.split("_")[2][:32],
                   tenant_admin.plaintext):
        assert secret not in logs
