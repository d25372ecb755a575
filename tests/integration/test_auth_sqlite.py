"""The embedded default (SQLite) authenticates the same way: one process of its own, since table
binding is process-wide and the session's app is bound to PostgreSQL."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio

SCRIPT = """
import asyncio, json, os, uuid, warnings
warnings.simplefilter("ignore")
from datetime import UTC, datetime, timedelta
from litestar.testing import TestClient
from api.app import create_app
from colo.identity import Role
from colo.migrate import migrate
from colo.settings import load_settings
from tenants.keys import KeyRing, issue_key
from tenants.tables import Tenant

settings = load_settings(dotenv=None)
asyncio.run(migrate(settings.database_url))
app = create_app(settings)
out = {}
with TestClient(app) as client:
    ring = KeyRing.of(app.state.services.keys.api_key_peppers)
    portal = client.blocking_portal
    now = datetime.now(UTC)
    tid = uuid.UUID(int=7)
    portal.call(lambda: Tenant.insert(Tenant(id=tid, legal_name="L", registration_number="R", country="DE",
                                             status="active", created_at=now, updated_at=now)).run())
    staff = portal.call(lambda: issue_key(ring=ring, name="ops", role=Role.OPS))
    tenant = portal.call(lambda: issue_key(ring=ring, name="t", role=Role.TENANT_ADMIN, tenant_id=tid))
    expired = portal.call(lambda: issue_key(ring=ring, name="e", role=Role.OPS, expires_at=now + timedelta(seconds=1)))
    def who(key):
        r = client.get("/v1/auth/whoami", headers={"Authorization": "Bearer " + key.api_key})
        return [r.status_code, r.json().get("role") or r.json().get("reason")]
    from tenants.keys import authenticate
    principal = portal.call(lambda: authenticate(token=tenant.api_key, ring=ring, address=None))
    out["tenant_id_type"] = type(principal.tenant_id).__name__
    out["staff"] = who(staff)
    out["tenant"] = who(tenant)
    out["twice"] = who(staff)
    portal.call(lambda: Tenant.update({Tenant.status: "suspended"}).where(Tenant.id == tid).run())
    out["suspended"] = who(tenant)
    import time; time.sleep(1.1)
    out["expired"] = who(expired)
print(json.dumps(out))
"""


async def test_authentication_on_sqlite(tmp_path: Path) -> None:
    env = {**os.environ, "COLO_ENV": "test", "COLO_DATABASE_URL": f"sqlite:///{tmp_path}/colo.sqlite3",
           "COLO_SECRETS_DIR": str(tmp_path / "secrets"), "COLO_LOG_LEVEL": "ERROR",
           "COLO_AUDIT_ENABLED": "false"}
    result = await anyio.run_process([sys.executable, "-c", SCRIPT], env=env, check=False, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    out = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert out == {
        "staff": [200, "ops"], "tenant": [200, "tenant_admin"], "twice": [200, "ops"],
        "suspended": [401, "tenant_suspended"], "expired": [401, "expired"], "tenant_id_type": "UUID",
    }


FLOW_SCRIPT = """
import asyncio, json, uuid, warnings
warnings.simplefilter("ignore")
from litestar.testing import TestClient
from api.app import create_app
from colo.identity import Role
from colo.migrate import migrate
from colo.settings import load_settings
from tenants.keys import KeyRing, issue_key

settings = load_settings(dotenv=None)
asyncio.run(migrate(settings.database_url))
app = create_app(settings)
out = {}
with TestClient(app) as client:
    ring = KeyRing.of(app.state.services.keys.api_key_peppers)
    ops = {"Authorization": "Bearer " + client.blocking_portal.call(
        lambda: issue_key(ring=ring, name="ops", role=Role.OPS)).api_key}
    unique = uuid.uuid4().hex[:10].upper()
    applied = client.post("/v1/applications", json={
        "legal_name": "SQLite Flow AS " + unique, "registration_number": "NO" + unique, "country": "NO",
        "address": {"street": "Gate 1", "postal_code": "0150", "city": "Oslo"},
        "billing_contact": {"name": "B", "email": "b@x.example", "phone": "+4722000000"},
        "technical_contact": {"name": "T", "email": "t@x.example", "phone": "+4722000001"},
        "services_of_interest": ["power"]}).json()
    secret = {"X-Tracking-Secret": applied["tracking_secret"]}
    out["approve"] = client.post(f"/v1/applications/{applied['id']}/approve", headers=ops).status_code
    key = client.post(f"/v1/applications/{applied['id']}/key", headers=secret)
    out["collect"] = [key.status_code, client.post(f"/v1/applications/{applied['id']}/key", headers=secret).status_code]
    admin = {"Authorization": "Bearer " + key.json()["api_key"]}
    person = client.post("/v1/people", headers=admin, json={"name": "P", "email": "p@x.example",
                         "phone": "+4791234567", "id_document_type": "passport", "id_number": "AB1234567"})
    out["person"] = [person.status_code, person.json().get("id_number")]
    patched = client.patch(f"/v1/people/{person.json()['id']}", headers=admin, json={"site_access": True})
    out["patch"] = patched.json()["site_access"]
    tenant = f"/v1/tenants/{applied['id']}"
    client.post(tenant + "/suspend", headers=ops, json={"reason": "r"})
    out["suspended"] = client.get("/v1/auth/whoami", headers=admin).status_code
    client.post(tenant + "/reinstate", headers=ops, json={"reason": "r"})
    out["reinstated"] = client.get("/v1/auth/whoami", headers=admin).status_code
    out["offboard"] = client.post(tenant + "/offboard", headers=ops, json={"reason": "r"}).json()["status"]
    out["after"] = client.get("/v1/auth/whoami", headers=admin).json().get("reason")
print(json.dumps(out))
"""


async def test_tenant_lifecycle_on_sqlite(tmp_path: Path, settings) -> None:
    env = {**os.environ, "COLO_ENV": "test", "COLO_DATABASE_URL": f"sqlite:///{tmp_path}/colo.sqlite3",
           "COLO_SECRETS_DIR": str(tmp_path / "secrets"), "COLO_LOG_LEVEL": "ERROR",
           "COLO_AUDIT_ENABLED": "false", "COLO_NETBOX_URL": settings.netbox_url,
           "COLO_NETBOX_TOKEN": settings.netbox_token}
    result = await anyio.run_process([sys.executable, "-c", FLOW_SCRIPT], env=env, check=False, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    out = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert out == {
        "approve": 200, "collect": [201, 409], "person": [201, "*******67"], "patch": True,
        "suspended": 401, "reinstated": 200, "offboard": "offboarded", "after": "revoked",
    }
