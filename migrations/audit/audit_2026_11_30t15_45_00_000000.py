"""Witness cosignatures of checkpoints (C2SP tlog-cosignature), append-only like the rest of the log.

One row per (checkpoint tree size, witness key): the cosignature line the witness returned. Raw
SQL, like the triggers: the primary key spans two columns, which Piccolo's tables do not declare.
A cosignature is added after its checkpoint is committed (the witnesses are asked outside any
transaction), so it cannot live in the checkpoint's own, already immutable, row.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T15:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "witness cosignatures of checkpoints"

CREATE = ("CREATE TABLE audit_cosignature (tree_size BIGINT NOT NULL, witness VARCHAR(300) NOT NULL, "
          "line TEXT NOT NULL, PRIMARY KEY (tree_size, witness))")

POSTGRES = [
    CREATE,
    "CREATE TRIGGER audit_cosignature_append_only BEFORE UPDATE OR DELETE ON audit_cosignature "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_cosignature_no_truncate BEFORE TRUNCATE ON audit_cosignature "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
]

SQLITE = [
    CREATE,
    "CREATE TRIGGER audit_cosignature_no_update BEFORE UPDATE ON audit_cosignature BEGIN "
    "SELECT RAISE(ABORT, 'audit log is append-only: UPDATE on audit_cosignature refused'); END",
    "CREATE TRIGGER audit_cosignature_no_delete BEFORE DELETE ON audit_cosignature BEGIN "
    "SELECT RAISE(ABORT, 'audit log is append-only: DELETE on audit_cosignature refused'); END",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def install() -> None:
        engine = engine_finder()
        for statement in POSTGRES if engine.engine_type == "postgres" else SQLITE:
            await engine.run_ddl(statement)

    manager.add_raw(install)
    return manager
