"""Piccolo app for accounts: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from accounts.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "accounts"

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
