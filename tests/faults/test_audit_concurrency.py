"""Two separate Colo processes append to one PostgreSQL at the same time: the index stays dense
and gapless, every entry is in exactly once, and the whole log verifies."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from audit.store import PostgresStore
from audit.verify import verify_database
from tests import audit_support as support

PER_PROCESS = 600


@pytest.mark.timeout(300)
async def test_two_processes_keep_the_index_gapless_and_the_log_valid() -> None:
    name = f"colo_audit_conc_{support.uuid.uuid4().hex[:8]}"
    url = f"{support.PG_SERVER}/{name}"
    support.migrate_in_subprocess(url)
    try:
        start_at = str(time.time() + 4)  # after both interpreters have started
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.audit_support", "append", url, str(PER_PROCESS), tag, start_at,
                cwd=support.ROOT, stderr=asyncio.subprocess.PIPE)
            for tag in ("proc-a", "proc-b")
        ]
        for worker in workers:
            _, stderr = await asyncio.wait_for(worker.communicate(), timeout=240)
            assert worker.returncode == 0, stderr.decode()[-2000:]

        store = await PostgresStore.open(url)
        try:
            rows = await store.fetch("SELECT idx, request_id FROM audit_entry ORDER BY idx")
            assert [r[0] for r in rows] == list(range(2 * PER_PROCESS))
            request_ids = [r[1] for r in rows]
            assert len(set(request_ids)) == 2 * PER_PROCESS
            for tag in ("proc-a", "proc-b"):
                mine = [rid for rid in request_ids if rid.startswith(tag)]
                assert mine == [f"{tag}-{n}" for n in range(PER_PROCESS)]  # each process's order kept
            # The processes really interleaved: neither wrote all its entries in one run.
            first_half = {rid.split("-")[1] for rid in request_ids[:PER_PROCESS]}
            assert first_half == {"a", "b"}
            report = await verify_database(store=store, keys=support.keys(), origin=support.ORIGIN)
            assert report.ok, report.summary()
            assert report.signed_size == 2 * PER_PROCESS
        finally:
            await store.close()
    finally:
        await support.drop_database(name)
