"""Steps the people, key and staff account tests share: ask the server's session store directly
whether a session still exists, and post a form from a browser with the page's CSRF token."""

from __future__ import annotations

from playwright.sync_api import APIResponse, Page

from accounts.sessions import RedisSessions, SessionLimits
from tests.web.browser import Portal
from tests.web.conftest import REDIS_URL


def session_alive(portal: Portal, session_id: str) -> bool:
    """Whether the server's session store (Redis) still holds this session, asked directly."""

    async def probe() -> bool:
        store = RedisSessions(SessionLimits(), redis_url=REDIS_URL)
        try:
            return await store.touch(session_id) is not None
        finally:
            await store.stop()

    return portal.query(probe)


def csrf_of(page: Page) -> str:
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    return token


def post(page: Page, url: str, **form: str) -> APIResponse:
    """A form post from this browser (its cookies, the page's CSRF token), without following
    redirects, asking for English (Playwright's request context sends no Accept-Language)."""
    return page.request.post(url, form={"csrf_token": csrf_of(page), **form}, max_redirects=0,
                             headers={"Accept-Language": "en"})
