"""Shared fixtures: a real NetBox from the launcher, a fresh PostgreSQL database per session.

Nothing here skips: if NetBox or PostgreSQL cannot be reached, the session errors.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from colo.devnetbox import launcher
from colo.devnetbox.paths import NetBoxPaths, NetBoxState
from colo.migrate import migrate
from colo.settings import Settings
from dcim.netbox import NetBoxGateway

PG_SERVER = os.environ.get("COLO_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def netbox_state() -> NetBoxState:
    """The real NetBox; started by the launcher when it is not already answering."""
    state = launcher.running_state(NetBoxPaths.from_env())
    return state if state is not None else launcher.up(say=lambda _msg: None)


@pytest.fixture(scope="session")
def gateway(netbox_state: NetBoxState) -> NetBoxGateway:
    return NetBoxGateway(url=netbox_state.url, token=netbox_state.token)


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=10)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A PostgreSQL database of its own for this test session, migrated, dropped afterwards."""
    name = f"colo_test_{uuid.uuid4().hex[:10]}"
    url = f"{PG_SERVER}/{name}"
    await migrate(url)
    yield url
    await drop_database(name)


@pytest.fixture(scope="session")
def settings(database_url: str, netbox_state: NetBoxState, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="test", database_url=database_url, netbox_url=netbox_state.url,
        netbox_token=netbox_state.token, secrets_dir=Path(tmp_path_factory.mktemp("secrets")),
        log_format="console", log_level="WARNING",
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest_asyncio.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest_asyncio.fixture(scope="session")
async def seeded(gateway: NetBoxGateway) -> Any:
    """The demo datacenter in NetBox (`colo demo seed`, idempotent): returns its DemoPlant
    (site slug, rack names, devices, reservations, cables) for tests to refer to."""
    from dcim.netbox.demo_plan import build_plant
    from dcim.netbox.seed import seed_demo

    plant = build_plant()
    await seed_demo(gateway, plant=plant)
    return plant
