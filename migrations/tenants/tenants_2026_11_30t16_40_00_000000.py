"""Staff API keys' signing identity: the certificate subject identifier their holder signs approvals with."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T16:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff API key signing identity"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="tenants", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="ApiKey",
        tablename="tenants_api_key",
        column_name="signing_identity",
        db_column_name="signing_identity",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "default": "",
            "null": False,
            "length": 300,
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
