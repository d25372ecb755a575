"""`colo db migrate`: create the PostgreSQL database if needed, then apply every app's migrations."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import os
from urllib.parse import urlparse, urlunparse

from colo.leader import MIGRATIONS, advisory_lock
from colo.settings import Settings


def _admin_url_and_name(url: str) -> tuple[str, str]:
    """The maintenance database's URL on the same server, and the database name in `url`."""
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path="/postgres")), parsed.path.lstrip("/")


async def ensure_postgres_database(url: str) -> bool:
    """Create the database named in `url` when it does not exist; True when it was created."""
    import asyncpg

    admin_url, name = _admin_url_and_name(url)
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
            return False  # another migrator created it between the check and here
        return True
    finally:
        await conn.close()


async def drop_postgres_database(url: str) -> None:
    """Drop the database named in `url`, ending its sessions first (tests and benchmarks)."""
    import asyncpg

    admin_url, name = _admin_url_and_name(url)
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        # WITH (FORCE) ends the sessions and drops in one step: terminating first and dropping
        # after loses the race against a pool that reconnects in between.
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _use_database(url: str) -> None:
    """Point Piccolo's own machinery (its migration table) at `url` for this process."""
    os.environ["COLO_DATABASE_URL"] = url
    os.environ["PICCOLO_CONF"] = "colo.piccolo_conf"
    from colo.db import bind_tables, engine_from_url
    from colo.piccolo_conf import use_engine

    engine = engine_from_url(url)
    use_engine(engine)
    bind_tables(engine)


def _apps_with_migrations() -> list[str]:
    """App names in registry order (core before tenants before audit before dcim), skipping an
    app with no migrations yet: git keeps no empty folders."""
    from colo.db import app_registry

    return [name for name, config in app_registry().app_configs.items()
            if os.path.isdir(config.migrations_folder_path)]


async def migrate(url: str) -> list[str]:
    """Apply pending migrations of every app; returns the app names that had work. Idempotent."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    if url.startswith(("postgresql:", "postgres:")):
        await ensure_postgres_database(url)
    _use_database(url)
    applied = []
    # Concurrent migrators (replicas, an init job started twice) take turns on an advisory lock;
    # the second finds nothing left to do.
    async with advisory_lock(url, MIGRATIONS):
        for app_name in _apps_with_migrations():
            chatter = io.StringIO()  # Piccolo narrates each step; keep the CLI's output to one line
            with contextlib.redirect_stdout(chatter):
                result = await run_forwards(app_name=app_name)
            if not result.success:
                raise RuntimeError(f"migrations of {app_name} failed: {result.message}\n{chatter.getvalue()}")
            if result.message and "No migrations" not in result.message:
                applied.append(app_name)
    return applied


@functools.cache
def known_migrations() -> frozenset[tuple[str, str]]:
    """(app name, migration id) of every migration this code ships; imports them once (blocking:
    call it off the event loop)."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    from colo.db import app_registry

    manager, configs = BaseMigrationManager(), app_registry().app_configs
    return frozenset((name, migration_id) for name in _apps_with_migrations()
                     for migration_id in manager.get_migration_modules(configs[name].resolved_migrations_folder_path))


async def pending_migrations() -> list[str]:
    """`app:id` of each migration this code ships that the bound database has not applied (all of
    them on a database never migrated). Raises what the driver raises when the database is away."""
    from piccolo.apps.migrations.tables import Migration

    known = await asyncio.to_thread(known_migrations)
    if not await Migration.table_exists():
        ran: set[tuple[str, str]] = set()
    else:
        ran = {(row["app_name"], row["name"]) for row in await Migration.select(Migration.app_name, Migration.name)}
    return sorted(f"{app}:{migration_id}" for app, migration_id in known - ran)


def migrate_sync(settings: Settings) -> list[str]:
    return asyncio.run(migrate(settings.database_url))
