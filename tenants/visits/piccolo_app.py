"""Piccolo app for site visits: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from tenants.visits.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations" / "visits"

APP_CONFIG = AppConfig(
    app_name="visits",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
