"""`colo keys create` on a fresh install prints a key once, and the running app accepts it."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import anyio
from litestar.testing import AsyncTestClient

from colo.settings import Settings


def cli_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "COLO_ENV": "test", "COLO_DATABASE_URL": settings.database_url,
            "COLO_SECRETS_DIR": str(settings.secrets_dir), "COLO_LOG_LEVEL": "WARNING"}


async def colo(settings: Settings, *args: str) -> anyio.abc.Process:
    # the installed console script, as an operator runs it
    command = str(Path(sys.executable).parent / "colo")
    return await anyio.run_process([command, *args], env=cli_env(settings), check=False)


async def test_cli_creates_a_staff_key_the_api_accepts_and_can_revoke_it(
    client: AsyncTestClient, settings: Settings,
) -> None:
    created = await colo(settings, "keys", "create", "--role", "ops", "--name", "cli bootstrap")
    assert created.returncode == 0, created.stderr.decode()
    key = created.stdout.decode().strip()
    assert key.startswith("colo_") and "\n" not in key  # stdout carries the key alone
    assert b"shown only once" in created.stderr
    headers = {"Authorization": f"Bearer {key}"}
    me = await client.get("/v1/auth/whoami", headers=headers)
    assert me.status_code == 200 and me.json()["role"] == "ops" and me.json()["name"] == "cli bootstrap"

    listed = await colo(settings, "keys", "list")
    assert me.json()["key_id"] in listed.stdout.decode()
    assert key.split("_")[2] not in listed.stdout.decode()  # never the secret

    revoked = await colo(settings, "keys", "revoke", me.json()["key_id"])
    assert revoked.returncode == 0, revoked.stderr.decode()
    assert (await client.get("/v1/auth/whoami", headers=headers)).status_code == 401


async def test_cli_refuses_bad_networks_and_tenant_roles_without_a_tenant(settings: Settings) -> None:
    no_tenant = await colo(settings, "keys", "create", "--role", "tenant_admin", "--name", "x")
    assert no_tenant.returncode == 2 and b"--tenant" in no_tenant.stderr
    staff_with_tenant = await colo(settings, "keys", "create", "--role", "ops", "--name", "x",
                                   "--tenant", "00000000-0000-0000-0000-000000000001")
    assert staff_with_tenant.returncode == 2 and b"staff role" in staff_with_tenant.stderr
    unknown = await colo(settings, "keys", "create", "--role", "tenant_admin", "--name", "x",
                         "--tenant", "00000000-0000-0000-0000-000000000001")
    assert unknown.returncode == 2 and b"no active tenant" in unknown.stderr
    bad_network = await colo(settings, "keys", "create", "--role", "gate", "--name", "x", "--network", "10.0.0.300/8")
    assert bad_network.returncode == 2 and b"allowed_networks" in bad_network.stderr


async def test_break_glass_tenant_admin_key(client: AsyncTestClient, settings: Settings, make_tenant) -> None:
    tenant = await make_tenant()
    created = await colo(settings, "keys", "create", "--role", "tenant_admin", "--name", "recovery",
                         "--tenant", str(tenant.id))
    assert created.returncode == 0, created.stderr.decode()
    me = await client.get("/v1/auth/whoami", headers={"Authorization": f"Bearer {created.stdout.decode().strip()}"})
    assert me.status_code == 200
    assert me.json()["role"] == "tenant_admin" and me.json()["tenant_id"] == str(tenant.id)


async def test_bootstrap_prints_a_first_ops_key_once_on_a_fresh_install(tmp_path: Path) -> None:
    fresh = Settings(env="test", database_url=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", secrets_dir=tmp_path / "s")
    assert (await colo(fresh, "db", "migrate")).returncode == 0
    first = await colo(fresh, "keys", "bootstrap")
    assert first.returncode == 0, first.stderr.decode()
    key = first.stdout.decode().strip()
    assert key.startswith("colo_") and "\n" not in key
    again = await colo(fresh, "keys", "bootstrap")
    assert again.returncode == 0
    assert again.stdout == b""  # nothing to store: no second key was made
    assert b"an active ops key exists already" in again.stderr
    listed = (await colo(fresh, "keys", "list")).stdout.decode()
    assert listed.count("first ops key") == 1


async def test_commands_on_a_database_never_migrated_say_so_in_one_line(settings: Settings, tmp_path: Path) -> None:
    fresh = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'never-migrated.sqlite'}")
    for args in (("keys", "create", "--role", "ops", "--name", "x"),
                 ("accounts", "create-staff", "--email", "ops@example.com", "--role", "ops")):
        answer = await colo(fresh, *args)
        assert answer.returncode == 2, answer.stderr.decode()
        assert b"the database is not migrated: run `colo db migrate` first" in answer.stderr
        assert answer.stdout == b""  # no key, no link
