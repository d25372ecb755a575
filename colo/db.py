"""Database engines from a URL, and binding every Colo table to the engine the app was given."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
from piccolo.columns import Column
from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

DEFAULT_DATABASE_URL = "sqlite:///./var/colo.sqlite3"

# The database going away under a request (restart, failover, network): asyncpg's connection and
# shutdown errors, refused/reset sockets and connect timeouts. Retryable — the API answers 503.
DATABASE_UNREACHABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError, asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError,
    ConnectionError, TimeoutError,
)
CONNECT_TIMEOUT_SECONDS = 5.0
COMMAND_TIMEOUT_SECONDS = 60.0


def database_url_from_env() -> str:
    return os.environ.get("COLO_DATABASE_URL") or DEFAULT_DATABASE_URL


def sqlite_path(url: str) -> Path:
    """`sqlite:///./var/x.sqlite3` → ./var/x.sqlite3; `sqlite:////abs/x` → /abs/x."""
    return Path(url.removeprefix("sqlite://").removeprefix("/") if url.startswith("sqlite:///./")
                else url.removeprefix("sqlite://"))


def engine_from_url(url: str) -> Engine[Any]:
    scheme = urlparse(url).scheme
    if scheme in ("postgresql", "postgres"):
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    if scheme == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers proceed while the sequencer writes; busy_timeout waits out short locks.
        return SQLiteEngine(path=str(path), timeout=30)
    raise ValueError(f"unsupported database URL scheme {scheme!r}")


# Colo's Piccolo apps, in migration order (core before tenants before audit before site access
# before dcim). Site access's app keeps its name "visits" (siteaccess/piccolo_app.py says why).
PICCOLO_APPS = ("colo.piccolo_app", "tenants.piccolo_app", "audit.piccolo_app", "siteaccess.piccolo_app",
                "dcim.piccolo_app", "dcim.orders.piccolo_app", "accounts.piccolo_app", "servicedesk.piccolo_app",
                "metering.piccolo_app", "notify.piccolo_app")


@functools.cache
def app_registry() -> AppRegistry:
    """Built on first use (it imports every app's tables), never at import time."""
    return AppRegistry(apps=list(PICCOLO_APPS))


def all_tables() -> list[type[Table]]:
    from piccolo.apps.migrations.tables import Migration

    tables: list[type[Table]] = [Migration]
    for app in app_registry().app_configs.values():
        tables.extend(app.table_classes)
    return tables


def bind_tables(engine: Engine[Any]) -> None:
    """Point every table at `engine`, so one process can serve (or test) any database."""
    for table in all_tables():
        table._meta.db = engine


async def _keep_session(_connection: object) -> None:
    """Pool release hook: asyncpg still rolls back any open transaction first.

    Colo keeps no session state on pooled connections (advisory locks are transaction-scoped,
    no LISTEN, no SET), so asyncpg's default reset query — a full extra round trip on every
    release, ~7% of a rack read's time — buys nothing here.
    """


async def start_engine(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        # Bounded waits, so a database that is away makes requests fail fast (503), never hang:
        # `timeout` caps connecting, `command_timeout` any single statement.
        await engine.start_connection_pool(min_size=2, max_size=10, reset=_keep_session,
                                           timeout=CONNECT_TIMEOUT_SECONDS, command_timeout=COMMAND_TIMEOUT_SECONDS)
    elif isinstance(engine, SQLiteEngine):
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop_engine(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def unique_constraint(column: Column) -> str:
    """The name of a `unique=True` column's constraint: PostgreSQL's `<table>_<column>_key`
    (what Piccolo's migrations create). Primary keys are not matched this way."""
    return f"{column._meta.table._meta.tablename}_{column._meta.db_column_name}_key"


def violated_unique(exc: BaseException) -> str | None:
    """The unique constraint `exc` violated, by name as `unique_constraint` gives it; None when
    `exc` is no unique violation. PostgreSQL (asyncpg) names the constraint; SQLite names the
    columns (`UNIQUE constraint failed: <table>.<column>[, <table>.<column>]`), mapped here to the
    same name, so callers match one name on both engines."""
    if isinstance(exc, asyncpg.exceptions.UniqueViolationError):
        name: str | None = exc.constraint_name  # asyncpg is untyped: the attribute is a str or None
        return name
    prefix = "UNIQUE constraint failed: "
    if isinstance(exc, sqlite3.IntegrityError) and str(exc).startswith(prefix):
        columns = [part.strip().split(".", 1) for part in str(exc).removeprefix(prefix).split(",")]
        return f"{columns[0][0]}_{'_'.join(column for _, column in columns)}_key"
    return None


def violates_unique(exc: BaseException, column: Column) -> bool:
    """Did `exc` come from `column`'s unique constraint (on either engine)?"""
    return violated_unique(exc) == unique_constraint(column)


@asynccontextmanager
async def bound_engine(database: str | Engine[Any]) -> AsyncIterator[Engine[Any]]:
    """Every Colo table bound to one started engine for the block (a database URL, or an engine
    already built); its pool is closed when the block ends. What a command, a benchmark and the
    app's lifespan all do around their work."""
    engine = engine_from_url(database) if isinstance(database, str) else database
    bind_tables(engine)
    await start_engine(engine)
    try:
        yield engine
    finally:
        await stop_engine(engine)
