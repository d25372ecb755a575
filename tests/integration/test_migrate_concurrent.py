"""`colo db migrate` run twice at once on a database that does not exist yet (two init jobs, two
replicas' start scripts): both succeed, the database is created once and every migration is
applied once — they take turns on a PostgreSQL advisory lock (colo/migrate.py)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg

from colo.migrate import drop_postgres_database
from tests.conftest import PG_SERVER
from tests.servers import COLO, colo_env

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def migration_files() -> list[Path]:
    return [p for p in MIGRATIONS.glob("*/*.py") if not p.name.startswith("__")]


async def migrate(env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(COLO, "db", "migrate", env=env, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 300)
    return int(process.returncode or 0), out.decode(), err.decode()


async def test_two_migrators_at_once_on_a_fresh_database_both_succeed_and_migrate_once(tmp_path: Path) -> None:
    url = f"{PG_SERVER}/colo_migrate_{uuid.uuid4().hex[:10]}"
    env = colo_env(database_url=url, secrets_dir=tmp_path / "secrets", COLO_LOG_LEVEL="INFO")
    try:
        results = await asyncio.gather(migrate(env), migrate(env))
        assert [code for code, _out, _err in results] == [0, 0], results
        said = [out + err for _code, out, err in results]  # progress lines are log lines (COLO_LOG_LEVEL)
        # One applied everything; the other, waiting on the lock, found nothing left to do.
        assert sorted("database is up to date" in text for text in said) == [False, True], said
        assert sorted("migrations applied for: colo," in text for text in said) == [False, True], said
        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch("SELECT app_name, name, count(*) AS n FROM migration GROUP BY app_name, name")
            assert rows and all(row["n"] == 1 for row in rows), [tuple(r) for r in rows if r["n"] != 1]
            assert len(rows) == len(migration_files())
            assert await conn.fetchval("SELECT count(*) FROM dcim_refresh_queue") == 0  # the newest tables exist
        finally:
            await conn.close()
    finally:
        await drop_postgres_database(url)
