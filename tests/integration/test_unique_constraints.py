"""One unique-violation rule on both engines: a duplicate names the constraint it broke, and a
caller matching one constraint is not fooled by another (colo.db.violates_unique). One process
per engine, since table binding is process-wide and the session's app is bound to PostgreSQL."""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import anyio

from tests.conftest import PG_SERVER, drop_database

SCRIPT = """
import asyncio, json, sys, warnings
warnings.simplefilter("ignore")
from colo.db import bound_engine, unique_constraint, violated_unique, violates_unique
from colo.migrate import migrate
from dcim.orders.tables import Order, UnitClaim
from tenants.tables import Application

COLUMNS = {"claim": UnitClaim.claim_key, "idempotency": Order.idempotency_scope,
           "registration": Application.registration_key}

async def main(url):
    await migrate(url)
    out = {}
    async with bound_engine(url):
        for name, row in (("claim", lambda: UnitClaim(claim_key="7:12")),
                          ("idempotency", lambda: Order(idempotency_scope="t:k", kind="space", state="placed")),
                          ("registration", lambda: Application(registration_key="DE:HRB1"))):
            table = type(row())
            await table.insert(row())
            try:
                await table.insert(row())
            except Exception as exc:
                out[name] = {"violated": violated_unique(exc),
                             "matches": sorted(k for k, c in COLUMNS.items() if violates_unique(exc, c))}
            else:
                out[name] = "no error"
        try:
            await UnitClaim.raw("SELECT * FROM no_such_table")
        except Exception as exc:
            out["other_error"] = violated_unique(exc)
    out["names"] = {k: unique_constraint(c) for k, c in COLUMNS.items()}
    print(json.dumps(out))

asyncio.run(main(sys.argv[1]))
"""


async def _run(url: str, tmp_path: Path) -> dict[str, object]:
    env = {**os.environ, "COLO_ENV": "test", "COLO_DATABASE_URL": url,
           "COLO_SECRETS_DIR": str(tmp_path / "secrets"), "COLO_LOG_LEVEL": "ERROR"}
    result = await anyio.run_process([sys.executable, "-c", SCRIPT, url], env=env, check=False, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


def _expected() -> dict[str, object]:
    names = {"claim": "orders_unit_claim_claim_key_key", "idempotency": "orders_order_idempotency_scope_key",
             "registration": "tenants_application_registration_key_key"}
    return {**{k: {"violated": v, "matches": [k]} for k, v in names.items()}, "other_error": None, "names": names}


async def test_a_duplicate_names_its_constraint_on_sqlite(tmp_path: Path) -> None:
    assert await _run(f"sqlite:///{tmp_path}/colo.sqlite3", tmp_path) == _expected()


async def test_a_duplicate_names_its_constraint_on_postgresql(tmp_path: Path) -> None:
    name = f"colo_test_unique_{uuid.uuid4().hex[:8]}"
    try:
        assert await _run(f"{PG_SERVER}/{name}", tmp_path) == _expected()
    finally:
        await drop_database(name)
