"""Real `colo serve` processes for the security tests (fuzzing, rate limits across processes),
each on a free port, with its output in a file; stopped by process group, never by name."""

from __future__ import annotations

import os
import uuid

from colo.migrate import drop_postgres_database, ensure_postgres_database
from tests.servers import COLO, ColoServer, colo_command, colo_env, free_port

__all__ = ["COLO", "ColoServer", "colo_command", "colo_env", "create_database", "drop_database", "free_port",
           "migrate_in_subprocess"]

PG_SERVER = os.environ.get("COLO_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


async def create_database() -> tuple[str, str]:
    """A fresh, empty PostgreSQL database: (name, url). Migrate it with `migrate_in_subprocess`:
    migrating in this process would re-bind the tables the in-process app uses."""
    name = f"colo_sec_{uuid.uuid4().hex[:10]}"
    await ensure_postgres_database(f"{PG_SERVER}/{name}")
    return name, f"{PG_SERVER}/{name}"


def migrate_in_subprocess(env: dict[str, str]) -> None:
    colo_command("db", "migrate", env=env)


async def drop_database(name: str) -> None:
    await drop_postgres_database(f"{PG_SERVER}/{name}")


