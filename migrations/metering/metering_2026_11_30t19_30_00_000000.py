from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A meter's inlet of its PDU (0 = the whole PDU)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="metering", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Meter",
        tablename="metering_meter",
        column_name="inlet",
        db_column_name="inlet",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
