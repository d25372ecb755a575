"""Helpers for the access-log tests: scratch databases, a signer, appending, tampering.

Also runnable as a worker process (`python -m tests.audit_support append URL COUNT TAG START_EPOCH`) so
the concurrency test appends from genuinely separate Colo processes.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from audit.encoding import EntryDraft
from audit.keys import LogSigner
from audit.note import VerifierKey, verifier_key
from audit.sequencer import Sequencer, now_us
from audit.store import LogStore, open_store
from colo.crypto import ed25519_from_seed
from colo.migrate import drop_postgres_database

PG_SERVER = os.environ.get("COLO_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
ORIGIN = "colo.test/access-log"
ROOT = Path(__file__).resolve().parent.parent
# A fixed test seed: both worker processes and the verifier must agree on the key.
SEED = bytes(range(32))


def signer() -> LogSigner:
    return LogSigner(origin=ORIGIN, key_id="t1", private=ed25519_from_seed(SEED))


def keys() -> list[VerifierKey]:
    return [verifier_key(ORIGIN, ed25519_from_seed(SEED))]


def migrate_in_subprocess(url: str) -> None:
    """`colo db migrate` in its own process, so this process's table bindings stay untouched."""
    env = {**os.environ, "COLO_DATABASE_URL": url, "COLO_ENV": "test",
           "COLO_SECRETS_DIR": str(Path("/tmp") / f"colo-audit-secrets-{os.getpid()}")}
    subprocess.run([sys.executable, "-m", "colo.cli", "db", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=180)


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def copy_database(template: str, name: str | None = None) -> str:
    """A new database cloned from `template` (which must have no open connections)."""
    name = name or f"colo_audit_{uuid.uuid4().hex[:10]}"
    await admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


async def drop_database(name: str) -> None:
    await drop_postgres_database(f"{PG_SERVER}/{name}")


def draft(number: int, tag: str = "t") -> EntryDraft:
    return EntryDraft(time_us=now_us(), kind="api", action=f"GET /v1/test/{tag}", outcome="allowed",
                      status=200, request_id=f"{tag}-{number}", objects={"n": str(number)},
                      source="192.0.2.1", user_agent="tests")


async def append(store: LogStore, count: int, *, tag: str = "t", batch: int = 7) -> None:
    """Append `count` entries in batches of `batch`, a checkpoint after each batch."""
    sequencer = Sequencer(store=store, signer=signer(), checkpoint_interval=0)
    await sequencer.start()
    for number in range(count):
        sequencer.submit(draft(number, tag))
        if number % batch == batch - 1:
            await sequencer.flush()
    await sequencer.stop()


async def tamper(url: str, *statements: str | tuple[str, list[Any]]) -> None:
    """Run SQL as a superuser with triggers disabled, as a database admin bent on rewriting."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for statement in statements:
                if isinstance(statement, tuple):
                    await conn.execute(statement[0], *statement[1])
                else:
                    await conn.execute(statement)
    finally:
        await conn.close()


async def _worker(url: str, count: int, tag: str, start_at: float) -> None:
    store = await open_store(url)
    sequencer = Sequencer(store=store, signer=signer(), max_delay=0.005)
    await sequencer.start()
    await asyncio.sleep(max(0.0, start_at - time.time()))  # both processes start together
    for number in range(count):
        sequencer.submit(draft(number, tag))
        if number % 5 == 0:
            await asyncio.sleep(0.002)  # a steady stream, as requests arrive
    await sequencer.stop()
    await store.close()


if __name__ == "__main__":
    _, command, database_url, how_many, worker_tag, start = sys.argv
    assert command == "append"
    asyncio.run(_worker(database_url, int(how_many), worker_tag, float(start)))
