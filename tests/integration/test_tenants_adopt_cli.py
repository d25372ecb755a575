"""`colo tenants adopt` and `colo tenants link`: onboarding a customer that is already in NetBox
from the command line, against the real NetBox and the session's database."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import anyio
from litestar.testing import AsyncTestClient

from colo.settings import Settings
from dcim.netbox import NetBoxGateway
from tests.servers import colo_env


async def colo(settings: Settings, *args: str) -> anyio.abc.Process:
    env = colo_env(database_url=settings.database_url, secrets_dir=settings.secrets_dir,
                   netbox_url=settings.netbox_url, netbox_token=settings.netbox_token)
    return await anyio.run_process([str(Path(sys.executable).parent / "colo"), *args], env=env, check=False)


async def test_adopt_prints_a_first_key_once_and_link_is_idempotent(
    client: AsyncTestClient, settings: Settings, gateway: NetBoxGateway, make_tenant: object,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    customer = await gateway.call(lambda api: api.tenancy.tenants.create(
        name=f"Legacy Customer {suffix}", slug=f"legacy-{suffix}").id)
    try:
        adopted = await colo(settings, "tenants", "adopt", str(customer), "--registration-number",
                             f"HRB{uuid.uuid4().int % 10**8:08d}", "--country", "DE")
        assert adopted.returncode == 0, adopted.stderr.decode()
        key = adopted.stdout.decode().strip()
        assert key.startswith("colo_") and "\n" not in key
        me = await client.get("/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200 and me.json()["role"] == "tenant_admin"
        tenant_id = me.json()["tenant_id"]

        linked = await colo(settings, "tenants", "link", tenant_id, str(customer))
        assert linked.returncode == 0, linked.stderr.decode()
        assert b"already linked (nothing changed)" in linked.stderr
        other = await colo(settings, "tenants", "adopt", str(customer), "--registration-number",
                           f"HRB{uuid.uuid4().int % 10**8:08d}", "--country", "DE")
        assert other.returncode == 2 and tenant_id.encode() in other.stderr and other.stdout == b""
        listed = await colo(settings, "tenants", "list")
        assert f"{tenant_id}  active" in listed.stdout.decode()
        assert f"Legacy Customer {suffix}" in listed.stdout.decode()
    finally:
        await gateway.call(lambda api: api.tenancy.tenants.delete([customer]))
