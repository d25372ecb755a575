"""Piccolo app for the shared core tables."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from colo.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "colo"

APP_CONFIG = AppConfig(
    app_name="colo",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
