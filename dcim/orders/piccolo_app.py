"""Piccolo app for orders: its tables and the absolute path of its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from dcim.orders.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations" / "orders"

APP_CONFIG = AppConfig(
    app_name="orders",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
