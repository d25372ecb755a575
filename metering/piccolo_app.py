"""Piccolo app of metering: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from metering.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "metering"

APP_CONFIG = AppConfig(
    app_name="metering",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
