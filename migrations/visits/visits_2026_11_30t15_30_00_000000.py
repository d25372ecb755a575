from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visits: the note an alert was acknowledged with"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="visits", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Alert",
        tablename="visits_alert",
        column_name="acknowledgement_note",
        db_column_name="acknowledgement_note",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
            "length": 500,
        },
        schema=None,
    )

    return manager
