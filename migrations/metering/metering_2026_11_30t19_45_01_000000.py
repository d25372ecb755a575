"""The SNMP communities meters stored in plain text are sealed (AES-GCM under a key derived from
the master key, the meter's id as associated data: metering/community.py), then the plain column
is dropped. The meters keep their ids, so their readings, roll-ups and bills stay theirs.

Sealing in place, rather than emptying the column and waiting for discovery to fill it again,
keeps every PDU polled with its own community from the first round after the upgrade, even while
NetBox is away. The master key is read only when some meter has a community (as `colo serve`
reads it: COLO_MASTER_KEY, or the dev key file); a database without one needs no key.
"""

from uuid import UUID

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-30T19:45:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "a meter's SNMP community sealed under the master key: existing rows, plain column dropped"


async def seal_existing() -> None:
    engine = engine_finder()
    rows = await engine.run_querystring(
        QueryString("SELECT id, community FROM metering_meter WHERE community <> ''"))
    if not rows:
        return
    from colo.secretstore import load_keys
    from colo.settings import load_settings
    from metering.community import community_key, seal

    key = community_key(load_keys(load_settings()).master_key)
    for row in rows:
        meter_id = row["id"] if isinstance(row["id"], UUID) else UUID(str(row["id"]))
        await engine.run_querystring(QueryString(
            "UPDATE metering_meter SET community_sealed = {} WHERE id = {}",
            seal(key, meter_id, row["community"]), meter_id))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="metering", description=DESCRIPTION)
    manager.add_raw(seal_existing)  # raw steps run first, in the migration's transaction

    manager.drop_column(
        table_class_name="Meter",
        tablename="metering_meter",
        column_name="community",
        db_column_name="community",
        schema=None,
    )

    return manager
