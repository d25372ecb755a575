"""NOTIFY colo_auth whenever what authentication reads of a key changes (PostgreSQL only).

Each process caches key rows briefly (tenants/key_cache.py) and empties that cache when this
notification arrives. Triggers, not calls in the revoking code, so every path that makes a key
unusable notifies in its own transaction: the API, the portal, the CLI, a person's removal, a
tenant's suspension or offboarding, even a hand-written UPDATE. Marking a key used (last_used_*,
once a minute) changes nothing authentication decides on and does not notify. On SQLite nothing
is cached, so nothing is installed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T19:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notify colo_auth on key and tenant status changes"

KEY_COLUMNS = ("name", "role", "tenant", "person_id", "digest", "pepper_id", "allowed_networks::text",
               "expires_at", "revoked_at")  # json has no equality operator: compared as text
OLD_ROW = ", ".join(f"OLD.{c}" for c in KEY_COLUMNS)
NEW_ROW = ", ".join(f"NEW.{c}" for c in KEY_COLUMNS)

POSTGRES = [
    "CREATE OR REPLACE FUNCTION colo_auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('colo_auth', TG_TABLE_NAME); RETURN NULL; END $$",
    f"CREATE TRIGGER tenants_api_key_auth_update AFTER UPDATE ON tenants_api_key FOR EACH ROW "
    f"WHEN (({OLD_ROW}) IS DISTINCT FROM ({NEW_ROW})) EXECUTE FUNCTION colo_auth_notify()",
    "CREATE TRIGGER tenants_api_key_auth_delete AFTER DELETE OR TRUNCATE ON tenants_api_key "
    "FOR EACH STATEMENT EXECUTE FUNCTION colo_auth_notify()",
    "CREATE TRIGGER tenants_tenant_auth_update AFTER UPDATE ON tenants_tenant FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION colo_auth_notify()",
    "CREATE TRIGGER tenants_tenant_auth_delete AFTER DELETE OR TRUNCATE ON tenants_tenant "
    "FOR EACH STATEMENT EXECUTE FUNCTION colo_auth_notify()",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)

    async def install() -> None:
        engine = engine_finder()
        if engine.engine_type == "postgres":
            for statement in POSTGRES:
                await engine.run_ddl(statement)

    manager.add_raw(install)
    return manager
