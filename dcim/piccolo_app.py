"""Piccolo app for dcim: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from dcim.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "dcim"

APP_CONFIG = AppConfig(
    app_name="dcim",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
