"""Piccolo app for notifications: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from notify.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "notify"

APP_CONFIG = AppConfig(
    app_name="notify",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
