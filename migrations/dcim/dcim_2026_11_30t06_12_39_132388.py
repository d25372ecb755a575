from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T06:12:39:132388"
VERSION = "1.38.0"
DESCRIPTION = "dcim_power_feed.colo_order_id: tenant circuits Colo created are commitments, not supply"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="dcim", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="PlantPowerFeed",
        tablename="dcim_power_feed",
        column_name="colo_order_id",
        db_column_name="colo_order_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 36,
            "default": "",
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
