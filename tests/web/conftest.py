"""Portal fixtures: the session's app client spoken to over https (portal cookies are Secure and
`__Host-`), with its cookies emptied around each test; and for browser tests a real `colo serve`
and Debian's Chromium."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient
from playwright.sync_api import Browser, Page, sync_playwright

from colo.settings import Settings
from devtools.netbox.paths import NetBoxState
from tests.servers import colo_env
from tests.web.browser import CHROMIUM, AppCall, Portal, client_headers, start_portal

REDIS_URL = os.environ.get("COLO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest_asyncio.fixture
async def portal(client: AsyncTestClient) -> AsyncIterator[AsyncTestClient]:
    previous = client.base_url
    client.base_url = "https://testserver.local"
    client.cookies.clear()
    try:
        yield client
    finally:
        client.cookies.clear()
        client.base_url = previous


# ----------------------------------------------------------------------------- browser tests


@pytest.fixture(scope="session")
def portal_env(settings: Settings, netbox_state: NetBoxState, tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, str]:
    """A `colo serve` environment on the session's PostgreSQL database and keys (so domain set-up
    in the tests and the server agree), Redis-backed sessions and limits, and sign-in limits a
    test can reach: 3 failures per account, many per address (every test browses from 127.0.0.1)."""
    return colo_env(
        database_url=settings.database_url, secrets_dir=settings.secrets_dir, netbox_url=netbox_state.url,
        netbox_token=netbox_state.token, COLO_REDIS_URL=REDIS_URL,
        COLO_SIGNIN_FAILURES_PER_ACCOUNT="3", COLO_SIGNIN_FAILURES_PER_ADDRESS="1000",
        COLO_AUTH_FAILURES_PER_ADDRESS="1000",
        # Each browser context claims an address of its own (X-Forwarded-For through this trusted
        # proxy), so per-address limits — kept in Redis across runs — never leak between tests.
        COLO_TRUSTED_PROXIES="127.0.0.1/32",
    )


@pytest.fixture(scope="session")
def app_call(client: AsyncTestClient) -> AppCall:
    """Run a coroutine function on the test session's app's loop, from a synchronous test, and
    wait for it: how a browser test reaches the database (`Portal.query`)."""
    return client.blocking_portal.call


@pytest.fixture(scope="session")
def live_portal(portal_env: dict[str, str], app_call: AppCall, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Portal]:
    """A real `colo serve` (Redis sessions) for the browser journeys."""
    portal = start_portal(env=portal_env, log_path=tmp_path_factory.mktemp("portal") / "serve.log",
                          run_in_app=app_call)
    try:
        yield portal
    finally:
        portal.server.stop()


@pytest.fixture(scope="module")
def chromium(client: AsyncTestClient) -> Iterator[Browser]:
    """Debian's Chromium (`make chromium` installs it); Playwright downloads no browser. Per module:
    Playwright's sync API holds an event loop in this thread while it runs, which the async tests
    of other modules need free (`client` first: the session's async fixtures — the database, the
    app that `Portal.query` runs on — are made before)."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium: make chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
