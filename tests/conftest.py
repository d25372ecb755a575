"""Shared fixtures: a real NetBox from the launcher, a fresh PostgreSQL database per session.

Nothing here skips: if NetBox or PostgreSQL cannot be reached, the session errors.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from colo.identity import Principal, Role
from colo.migrate import drop_postgres_database, migrate
from colo.settings import Settings
from dcim.netbox import NetBoxGateway
from devtools.netbox import launcher
from devtools.netbox.paths import NetBoxPaths, NetBoxState
from tenants.schemas import TenantRead

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
    await drop_postgres_database(f"{PG_SERVER}/{name}")


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
        log_format="console", log_level="WARNING", attachments_dir=Path(tmp_path_factory.mktemp("attachments")),
        # Tests change keys, tenants and the plant through services, outside any request, and read
        # them back at once: strict caches. The 10 ms default has tests of its own
        # (tests/integration/test_change_listener.py, tests/faults/test_key_revocation_replicas.py).
        cache_lag_seconds=0,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest_asyncio.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


# ---------------------------------------------------------------------------------------------
# auth fixtures: tenants and API keys for every domain's tests
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def run_in_app(client: AsyncTestClient) -> Callable[..., Awaitable[Any]]:
    """`await run_in_app(coroutine_function, *args, **kwargs)`: run database code on the app's
    event loop. The test client serves the app from its own thread and loop, and the connection
    pool belongs to that loop, so direct Piccolo queries from a test must go through here."""
    import functools

    import anyio

    async def run(fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        call = functools.partial(client.blocking_portal.call, functools.partial(fn, *args, **kwargs))
        return await anyio.to_thread.run_sync(call)

    return run


@dataclass(frozen=True)
class IssuedTestKey:
    """A real API key: `plaintext` to send, `principal` as the app will see it, ready `headers`."""

    plaintext: str
    principal: Principal
    headers: dict[str, str]


@pytest.fixture(scope="session")
def make_tenant(
    run_in_app: Callable[..., Awaitable[Any]], gateway: NetBoxGateway,
) -> Callable[..., Awaitable[TenantRead]]:
    """`tenant = await make_tenant(legal_name=None)`: an active tenant, created through the tenant
    service with its real NetBox tenant (slug `colo-<id hex>`). Returns the tenant row as a dict
    (`id`, `legal_name`, `status`, `netbox_tenant_id`, …). Each call makes a new, uniquely named one."""
    from dcim.netbox.tenancy import ensure_netbox_tenant
    from tenants.lifecycle import provision_tenant

    async def link(tenant_id: uuid.UUID, legal_name: str) -> int:
        return await ensure_netbox_tenant(gateway, colo_tenant_id=tenant_id, legal_name=legal_name)

    async def factory(legal_name: str | None = None) -> dict[str, Any]:
        tenant_id = uuid.uuid4()
        return await run_in_app(
            provision_tenant, tenant_id=tenant_id,
            legal_name=legal_name or f"Test Tenant {tenant_id.hex[:8]} GmbH",
            registration_number=f"HRB{tenant_id.int % 10**8:08d}", country="DE", link_netbox=link,
        )

    return factory


@pytest.fixture(scope="session")
def make_key(run_in_app: Callable[..., Awaitable[Any]], app: Litestar) -> Callable[..., Awaitable[IssuedTestKey]]:
    """`key = await make_key(Role.OPS)` or `await make_key(Role.TENANT_ADMIN, tenant_id=t["id"])`:
    a real key stored through the key service. Send `key.headers`; compare with `key.principal`.
    Optional keyword arguments: name, person_id, expires_at, allowed_networks."""
    from tenants.keys import KeyRing, issue_key

    ring = KeyRing.of(app.state.services.keys.api_key_peppers)

    async def factory(role: Role, tenant_id: uuid.UUID | None = None, **options: Any) -> IssuedTestKey:
        issued = await run_in_app(issue_key, ring=ring, name=options.pop("name", f"test {role.value}"),
                                  role=role, tenant_id=tenant_id, created_by="tests", **options)
        principal = Principal(key_id=str(issued.key.id), role=role, name=issued.key.name,
                              tenant_id=tenant_id, person_id=issued.key.person_id)
        return IssuedTestKey(plaintext=issued.api_key, principal=principal,
                             headers={"Authorization": f"Bearer {issued.api_key}"})

    return factory


@pytest.fixture
def fresh_rate_limits(app: Litestar) -> Iterator[None]:
    """Empty rate-limit buckets for one test (all test requests come from one address). Use with
    `pytestmark = pytest.mark.usefixtures("fresh_rate_limits")`."""
    from tenants.ratelimit import RateLimiter

    services = app.state.services
    previous = services.rate_limiter
    services.rate_limiter = RateLimiter()
    yield
    services.rate_limiter = previous


@pytest_asyncio.fixture(scope="session")
async def ops_key(make_key: Callable[..., Awaitable[IssuedTestKey]]) -> IssuedTestKey:
    """One ops key for the whole session (use make_key for anything you revoke or change)."""
    return await make_key(Role.OPS, name="session ops")


@pytest_asyncio.fixture(scope="session")
async def tenant_admin(
    make_tenant: Callable[..., Awaitable[TenantRead]], make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> IssuedTestKey:
    """A tenant admin key of a session-wide tenant (`tenant_admin.principal.tenant_id`)."""
    tenant = await make_tenant()
    return await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="session tenant admin")


@pytest_asyncio.fixture(scope="session")
async def seeded(gateway: NetBoxGateway) -> Any:
    """The demo datacenter in NetBox (`colo demo seed`, idempotent): returns its DemoPlant
    (site slug, rack names, devices, reservations, cables) for tests to refer to."""
    from devtools.demo.plan import build_plant
    from devtools.demo.seed import seed_demo

    plant = build_plant()
    await seed_demo(gateway, plant=plant)
    return plant
