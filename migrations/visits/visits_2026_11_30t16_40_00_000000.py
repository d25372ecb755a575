"""A visit approved with a signed document: the SHA-256 of the approver's certificate."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T16:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visit approval signer"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="visits", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Visit",
        tablename="visits_visit",
        column_name="approval_signer_sha256",
        db_column_name="approval_signer_sha256",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "default": "",
            "null": False,
            "length": 64,
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
