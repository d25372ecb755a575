"""Piccolo app of the service desk: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from servicedesk.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "servicedesk"

APP_CONFIG = AppConfig(
    app_name="servicedesk",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
