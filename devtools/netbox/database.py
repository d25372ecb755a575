"""NetBox's PostgreSQL database: create, migrate once, dump, and reset from a clean template."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from devtools.netbox.install import (
    NETBOX_DB,
    NETBOX_DB_USER,
    NETBOX_TEMPLATE_DB,
    load_secrets,
    netbox_cmd,
    save_secrets,
)
from devtools.netbox.paths import NetBoxPaths
from devtools.netbox.prereqs import LauncherError, pg_env, pg_host, pg_port, pg_superuser, psql

CREATE_TOKEN_SCRIPT = """
from users.models import Token, User
user = User.objects.filter(username="admin").first()
if user is None:
    user = User.objects.create_superuser("admin", "admin@colo.invalid", {password!r})
token = Token(user=user, version=2, write_enabled=True, description="colo")
token.full_clean()
token.save()
print("COLO_TOKEN=" + f"nbt_{{token.key}}.{{token.token}}")
"""  # noqa: S105 - a template; the password is formatted in at run time


def database_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def ensure_role() -> None:
    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{NETBOX_DB_USER}'") != "1":
        psql(f"CREATE ROLE {NETBOX_DB_USER} LOGIN PASSWORD 'netbox' CREATEDB")


def terminate_connections(name: str) -> None:
    psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


def drop_database(name: str) -> None:
    terminate_connections(name)
    psql(f'DROP DATABASE IF EXISTS "{name}"')


def create_from_template() -> None:
    drop_database(NETBOX_DB)
    terminate_connections(NETBOX_TEMPLATE_DB)
    psql(f'CREATE DATABASE "{NETBOX_DB}" OWNER {NETBOX_DB_USER} TEMPLATE "{NETBOX_TEMPLATE_DB}"')


def ensure_database(paths: NetBoxPaths, *, say: Callable[[str], None] = print) -> None:
    """Bring the `netbox` database to a migrated state with an admin and an API token.

    The first time on a machine this migrates (minutes) and keeps a dump and a template;
    later calls restore from those in seconds.
    """
    ensure_role()
    sec = load_secrets(paths)
    if database_exists(NETBOX_TEMPLATE_DB) and sec.get("token"):
        if not database_exists(NETBOX_DB):
            say("restoring NetBox's database from the clean template")
            create_from_template()
        return
    drop_database(NETBOX_DB)
    psql(f'CREATE DATABASE "{NETBOX_DB}" OWNER {NETBOX_DB_USER}')
    if paths.migrated_dump.exists():
        say("restoring the migrated NetBox database from the cached dump")
        _pg_restore(paths)
        say("running migrate to be sure (a no-op)")
        netbox_cmd(paths, "migrate", "--no-input", what="migrate")
    else:
        say("migrating NetBox's database for the first time (about 5 minutes on 2 cores)")
        netbox_cmd(paths, "migrate", "--no-input", timeout=1800, what="migrate")
        _pg_dump(paths)
    say("creating the admin user and a v2 API token")
    out = netbox_cmd(
        paths, "shell", "--no-imports", "-c",
        CREATE_TOKEN_SCRIPT.format(password=sec["admin_password"]), what="shell (token)",
    )
    token = next(
        (line.split("=", 1)[1] for line in out.splitlines() if line.startswith("COLO_TOKEN=")), None
    )
    if not token:
        raise LauncherError(f"creating the NetBox API token printed no token: {out[-500:]}")
    sec["token"] = token
    save_secrets(paths, sec)
    drop_database(NETBOX_TEMPLATE_DB)
    terminate_connections(NETBOX_DB)
    psql(f'CREATE DATABASE "{NETBOX_TEMPLATE_DB}" OWNER {NETBOX_DB_USER} TEMPLATE "{NETBOX_DB}"')


def _pg_dump(paths: NetBoxPaths) -> None:
    tmp = paths.migrated_dump.with_suffix(".tmp")
    proc = subprocess.run(
        ["pg_dump", "-h", pg_host(), "-p", str(pg_port()), "-U", pg_superuser(), "-Fc",
         "-f", str(tmp), NETBOX_DB],
        capture_output=True, text=True, timeout=300, env=pg_env(), check=False,
    )
    if proc.returncode != 0:
        raise LauncherError(f"pg_dump of NetBox's database failed: {proc.stderr.strip()}")
    tmp.replace(paths.migrated_dump)


def _pg_restore(paths: NetBoxPaths) -> None:
    proc = subprocess.run(
        ["pg_restore", "-h", pg_host(), "-p", str(pg_port()), "-U", pg_superuser(),
         "--no-owner", f"--role={NETBOX_DB_USER}", "-d", NETBOX_DB, str(paths.migrated_dump)],
        capture_output=True, text=True, timeout=300, env=pg_env(), check=False,
    )
    if proc.returncode != 0:
        raise LauncherError(f"pg_restore of NetBox's database failed: {proc.stderr.strip()}")
