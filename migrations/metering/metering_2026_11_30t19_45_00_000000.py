"""A meter's SNMP community kept sealed (metering/community.py): the new column. The next
migration seals what the old plain column holds into it and drops the old column."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T19:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a meter's SNMP community sealed under the master key: the column"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="metering", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Meter",
        tablename="metering_meter",
        column_name="community_sealed",
        db_column_name="community_sealed",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": True,
        },
        schema=None,
    )

    return manager
