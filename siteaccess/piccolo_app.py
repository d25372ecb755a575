"""Piccolo app for site visits: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from siteaccess.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "visits"

APP_CONFIG = AppConfig(
    app_name="visits",  # not renamed: databases record applied migrations under this app name
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
