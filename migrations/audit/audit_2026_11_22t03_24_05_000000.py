"""Append-only guarantees the ORM cannot express: triggers on both engines, the tree-head row.

The triggers stop accidental and application-level changes (a bug, a mistaken UPDATE). They do
not stop a database superuser, who can disable them: the Merkle tree, the signed checkpoints
and external witnesses catch that (docs/SECURITY.md).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T03:24:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "append-only triggers and the tree head"

YEAR_SECONDS = 365 * 86400
APPEND_ONLY = ("audit_entry", "audit_node", "audit_checkpoint")

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Retention may delete entries older than a year (PCI DSS 10.5.1); nothing younger.
        -- (Nested IF: PL/pgSQL does not short-circuit, and other tables have no time_us.)
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_entry' THEN
            IF OLD.time_us < (extract(epoch FROM now())::bigint - {YEAR_SECONDS}) * 1000000 THEN
                RETURN OLD;
            END IF;
        END IF;
        RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit log is append-only: TRUNCATE on % refused', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    *[
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        for table in APPEND_ONLY
    ],
    *[
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
        for table in APPEND_ONLY
    ],
    "INSERT INTO audit_head (id, size, frontier, checkpoint_size, checkpoint_at_us) "
    "VALUES (1, 0, '\\x'::bytea, 0, 0)",
]

SQLITE = [
    *[
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN "
        f"SELECT RAISE(ABORT, 'audit log is append-only: UPDATE on {table} refused'); END"
        for table in APPEND_ONLY
    ],
    *[
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN "
        f"SELECT RAISE(ABORT, 'audit log is append-only: DELETE on {table} refused'); END"
        for table in APPEND_ONLY
        if table != "audit_entry"
    ],
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    f"WHEN OLD.time_us >= (CAST(strftime('%s', 'now') AS INTEGER) - {YEAR_SECONDS}) * 1000000 "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE on audit_entry refused'); END",
    "INSERT INTO audit_head (id, size, frontier, checkpoint_size, checkpoint_at_us) "
    "VALUES (1, 0, X'', 0, 0)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def install() -> None:
        engine = engine_finder()
        statements = POSTGRES if engine.engine_type == "postgres" else SQLITE
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(install)
    return manager
