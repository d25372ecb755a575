"""NOTIFY colo_generation whenever the read model's generation changes (PostgreSQL only).

Each process keeps the current generation (dcim/readmodel/cache.py) instead of reading it on
every rack read, and forgets it when this notification arrives; the change listener's barrier
(colo/change_listener.py) makes sure a bump committed before a request is seen by it. A trigger,
so every writer of the read model notifies in its own transaction. On SQLite the generation is
read each time, so nothing is installed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notify colo_generation on read-model generation changes"

POSTGRES = [
    "CREATE OR REPLACE FUNCTION dcim_generation_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('colo_generation', ''); RETURN NULL; END $$",
    "CREATE TRIGGER dcim_generation_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dcim_generation "
    "FOR EACH STATEMENT EXECUTE FUNCTION dcim_generation_notify()",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="dcim", description=DESCRIPTION)

    async def install() -> None:
        engine = engine_finder()
        if engine.engine_type == "postgres":
            for statement in POSTGRES:
                await engine.run_ddl(statement)

    manager.add_raw(install)
    return manager
