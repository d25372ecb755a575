"""`colo db migrate` on a database from before the SNMP community was sealed: a meter's plain
community (`metering_meter.community`) becomes ciphertext in `community_sealed` under the master
key the process runs with, the plain column is gone, the meter keeps its id and its readings
(history), a meter without a community of its own stays empty, and migrating again changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg

from colo.secretstore import load_keys
from colo.settings import Settings
from metering.community import community_key, unseal
from tests import audit_support as support

COLUMN, SEAL = "2026-11-30T19:45:00:000000", "2026-11-30T19:45:01:000000"
PLAIN = "old-plain-community-7f3a"


def _migrate(url: str, secrets: Path) -> None:
    env = {**os.environ, "COLO_DATABASE_URL": url, "COLO_ENV": "test", "COLO_SECRETS_DIR": str(secrets)}
    subprocess.run([sys.executable, "-m", "colo.cli", "db", "migrate"], cwd=support.ROOT, env=env, check=True,
                   capture_output=True, timeout=180)


async def test_plain_communities_are_sealed_and_the_meters_keep_their_history(tmp_path: Path) -> None:
    name = f"colo_meter_community_{uuid.uuid4().hex[:8]}"
    url = f"{support.PG_SERVER}/{name}"
    secrets = tmp_path / "secrets"
    _migrate(url, secrets)
    own, shared = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(url, timeout=10)
    try:
        # the database as it was before: the plain column, without the two migrations' rows
        await conn.execute("ALTER TABLE metering_meter DROP COLUMN community_sealed")
        await conn.execute("ALTER TABLE metering_meter ADD COLUMN community VARCHAR(64) NOT NULL DEFAULT ''")
        assert await conn.execute("DELETE FROM migration WHERE app_name = 'metering' AND name = ANY($1::text[])",
                                  [COLUMN, SEAL]) == "DELETE 2"
        for meter, community in ((own, PLAIN), (shared, "")):
            await conn.execute(
                "INSERT INTO metering_meter (id, key, name, source, host, community, discovered_at) "
                "VALUES ($1, $2, $3, 'snmp', '127.0.0.1', $4, now())", meter, f"netbox:{meter}", "old pdu", community)
        await conn.execute("INSERT INTO metering_reading (id, meter_id, channel, metric, at, value, dedup) "
                           "VALUES ($1, $2, 0, 'energy_kwh', now(), 1234.5, $3)", uuid.uuid4(), own, f"old:{own}")
    finally:
        await conn.close()
    try:
        _migrate(url, secrets)
        _migrate(url, secrets)  # twice: nothing left to do the second time
        conn = await asyncpg.connect(url, timeout=10)
        try:
            columns = {r["column_name"] for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'metering_meter'")}
            sealed = {r["id"]: r["community_sealed"] for r in await conn.fetch(
                "SELECT id, community_sealed FROM metering_meter")}
            readings = await conn.fetchval("SELECT count(*) FROM metering_reading WHERE meter_id = $1", own)
            ran = await conn.fetchval("SELECT count(*) FROM migration WHERE app_name = 'metering' "
                                      "AND name = ANY($1::text[])", [COLUMN, SEAL])
        finally:
            await conn.close()
        assert "community" not in columns and "community_sealed" in columns
        assert set(sealed) == {own, shared} and sealed[shared] == ""
        assert sealed[own] and PLAIN not in sealed[own]
        master = load_keys(Settings(env="test", secrets_dir=secrets)).master_key  # the key the migration used
        assert unseal(community_key(master), own, sealed[own]) == PLAIN
        assert readings == 1 and ran == 2
    finally:
        await support.drop_database(name)
