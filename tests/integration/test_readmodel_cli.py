"""`colo netbox sync` and `colo demo seed` as an operator runs them, against the real NetBox."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from dcim.netbox import NetBoxGateway
from dcim.netbox.plant import fetch_plant
from dcim.readmodel import store
from dcim.readmodel.build import build_rows
from dcim.tables import PlantRack
from devtools.netbox.paths import NetBoxState

pytestmark = pytest.mark.usefixtures("seeded")


async def _colo(*args: str, database_url: str, netbox: NetBoxState, secrets: Path) -> tuple[int, str]:
    env = {**os.environ, "COLO_DATABASE_URL": database_url, "COLO_NETBOX_URL": netbox.url,
           "COLO_NETBOX_TOKEN": netbox.token, "COLO_SECRETS_DIR": str(secrets)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "colo.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    return process.returncode or 0, out.decode()


async def test_cli_sync_reports_its_rate_and_fills_the_read_model(
    client: AsyncTestClient, ops_key: Any, database_url: str, netbox_state: NetBoxState, tmp_path: Path,
) -> None:
    code, out = await _colo("netbox", "sync", "--no-webhook", "--quiet", database_url=database_url,
                            netbox=netbox_state, secrets=tmp_path)
    assert code == 0, out
    assert re.search(r"synced \d+ NetBox objects in [\d.]+ s \(\d+ objects/s\)", out), out
    status = await client.get("/v1/netbox/sync", headers=ops_key.headers)
    assert status.json()["last_full_sync"] is not None


async def test_two_writers_swapping_the_read_model_at_once_both_succeed(
    gateway: NetBoxGateway, run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    """Two full swaps on two connections (as two processes would): without the writers' lock
    the second one's DELETE misses the first one's new rows and its INSERT collides."""
    rows = build_rows(await fetch_plant(gateway), datetime.now(UTC))

    async def both() -> None:
        await asyncio.gather(store.replace_all(rows, seconds=0.0), store.replace_all(rows, seconds=0.0))

    for _ in range(3):
        await run_in_app(both)
    counts = await run_in_app(PlantRack.count)
    assert counts == len(rows["dcim_rack"])


async def test_cli_seed_second_run_creates_nothing(
    database_url: str, netbox_state: NetBoxState, tmp_path: Path,
) -> None:
    code, out = await _colo("demo", "seed", database_url=database_url, netbox=netbox_state, secrets=tmp_path)
    assert code == 0, out
    assert "0 objects created" in out and "already complete" in out, out
