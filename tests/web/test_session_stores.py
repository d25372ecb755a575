"""Both session stores keep the same promises, against the real PostgreSQL and Redis: an id that
is only ever a digest at rest, the idle and absolute limits, ending one session, every session
of an account, every session of a tenant; and the tenant status hook ends a suspended tenant's
sessions at once."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from litestar import Litestar

from accounts.sessions import DatabaseSessions, RedisSessions, SessionLimits, SessionStore, session_digest
from accounts.tables import WebSession
from colo.settings import Settings
from tenants.events import TenantStatusChange
from tests.web.conftest import REDIS_URL


@pytest_asyncio.fixture(params=["database", "redis"])
async def store_factory(request: pytest.FixtureRequest, run_in_app: Callable[..., Awaitable[Any]]
                        ) -> AsyncIterator[Callable[[SessionLimits], SessionStore]]:
    made: list[SessionStore] = []

    def make(limits: SessionLimits) -> SessionStore:
        store: SessionStore = (DatabaseSessions(limits) if request.param == "database"
                               else RedisSessions(limits, redis_url=REDIS_URL, prefix=f"test:{uuid.uuid4().hex}"))
        made.append(store)
        return store

    yield make
    for store in made:
        await run_in_app(store.stop)


async def test_a_session_lives_and_ends(store_factory: Callable[[SessionLimits], SessionStore],
                                        run_in_app: Callable[..., Awaitable[Any]]) -> None:
    store = store_factory(SessionLimits(idle=60, absolute=600))
    account, tenant = uuid.uuid4(), uuid.uuid4()
    session_id = await run_in_app(store.create, account_id=account, tenant_id=tenant)
    assert len(session_id) >= 43  # 256 bits, URL-safe
    live = await run_in_app(store.touch, session_id)
    assert live is not None and live.account_id == account and live.tenant_id == tenant
    assert await run_in_app(store.touch, session_id + "x") is None
    await run_in_app(store.end, session_id)
    assert await run_in_app(store.touch, session_id) is None


async def test_only_a_digest_of_the_id_is_stored(run_in_app: Callable[..., Awaitable[Any]]) -> None:
    store = DatabaseSessions(SessionLimits())
    session_id = await run_in_app(store.create, account_id=uuid.uuid4(), tenant_id=None)
    rows = await run_in_app(WebSession.select().where(WebSession.digest == session_digest(session_id)).run)
    assert len(rows) == 1 and session_id not in str(rows[0])
    assert session_digest(session_id) == hashlib.sha256(b"session:" + session_id.encode()).hexdigest()


async def test_idle_and_absolute_limits(store_factory: Callable[[SessionLimits], SessionStore],
                                        run_in_app: Callable[..., Awaitable[Any]]) -> None:
    idle = store_factory(SessionLimits(idle=1, absolute=600))
    session_id = await run_in_app(idle.create, account_id=uuid.uuid4(), tenant_id=None)
    assert await run_in_app(idle.touch, session_id) is not None
    await asyncio.sleep(1.3)  # the limit under test is time itself
    assert await run_in_app(idle.touch, session_id) is None

    absolute = store_factory(SessionLimits(idle=60, absolute=1))
    session_id = await run_in_app(absolute.create, account_id=uuid.uuid4(), tenant_id=None)
    await asyncio.sleep(0.6)
    assert await run_in_app(absolute.touch, session_id) is not None  # used: idle is no issue
    await asyncio.sleep(0.6)
    assert await run_in_app(absolute.touch, session_id) is None  # but 1 s after sign-in it is over


async def test_ending_every_session_of_an_account_or_a_tenant(
        store_factory: Callable[[SessionLimits], SessionStore], run_in_app: Callable[..., Awaitable[Any]]) -> None:
    store = store_factory(SessionLimits())
    alice, bob, tenant = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    alice_laptop = await run_in_app(store.create, account_id=alice, tenant_id=tenant)
    alice_phone = await run_in_app(store.create, account_id=alice, tenant_id=tenant)
    bob_laptop = await run_in_app(store.create, account_id=bob, tenant_id=tenant)
    staff = await run_in_app(store.create, account_id=uuid.uuid4(), tenant_id=None)
    assert await run_in_app(store.end_account, alice) == 2
    assert await run_in_app(store.touch, alice_laptop) is None and await run_in_app(store.touch, alice_phone) is None
    assert await run_in_app(store.touch, bob_laptop) is not None
    assert await run_in_app(store.end_tenant, tenant) == 1
    assert await run_in_app(store.touch, bob_laptop) is None
    assert await run_in_app(store.touch, staff) is not None


async def test_the_tenant_hook_ends_a_suspended_tenants_sessions(
        app: Litestar, settings: Settings, run_in_app: Callable[..., Awaitable[Any]]) -> None:
    from api.app import create_app

    assert "accounts.end_sessions" not in create_app(settings).state.services.tenant_hooks.registered()  # not started
    runtime = app.state.web
    hook = app.state.services.tenant_hooks.registered()["accounts.end_sessions"]  # the running app's
    tenant = uuid.uuid4()
    session_id = await run_in_app(runtime.sessions.create, account_id=uuid.uuid4(), tenant_id=tenant)
    await run_in_app(hook, TenantStatusChange(tenant, "active", "active", "reinstated", "tests"))
    assert await run_in_app(runtime.sessions.touch, session_id) is not None  # reinstating ends nothing
    await run_in_app(hook, TenantStatusChange(tenant, "active", "suspended", "unpaid", "tests"))
    assert await run_in_app(runtime.sessions.touch, session_id) is None


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): a Redis that is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_redis_down_is_a_503_page_not_a_500(app: Litestar, portal: Any) -> None:
    """Redis not answering: the store says Unavailable, and a signed-in person's next click gets
    503 with Retry-After (a dependency down, not a bug); nothing else changes."""
    from colo.errors import Unavailable

    dead = RedisSessions(SessionLimits(idle=900, absolute=3600), redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    with pytest.raises(Unavailable) as down:
        await dead.touch("some-session-id")
    assert down.value.component == "sessions"
    runtime = app.state.web
    working, runtime.sessions = runtime.sessions, dead
    try:
        portal.cookies.set(runtime.session_cookie, "a" * 43)
        response = await portal.get("/")
    finally:
        runtime.sessions = working
        await dead.stop()
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"] == "5"
    after = await portal.get("/sign-in")
    assert after.status_code == 200  # back as soon as the store answers
