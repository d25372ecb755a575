"""Session and form security in a real Chromium against a real `colo serve`: CSRF, fixation,
idle expiry (database sessions, a server with a 2 s idle limit), throttled sign-in, and a
suspended tenant's open session ending on its next click (Redis sessions)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.sessions import RedisSessions, SessionLimits
from tests.web.browser import (
    PASSWORD,
    AppCall,
    Portal,
    client_headers,
    new_tenant,
    session_cookie,
    sign_in,
    staff_person,
    start_portal,
    tenant_person,
    totp_code,
)
from tests.web.conftest import REDIS_URL

IDLE_SECONDS = 2


def test_a_form_posted_without_its_csrf_token_is_refused(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    email, secret = staff_person(live_portal, page)
    page.goto(live_portal.url + "/sign-in")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("#f-code").fill(totp_code(secret, steps_ahead=1))
    page.evaluate("document.querySelector(\"form[action='/sign-in'] input[name=csrf_token]\").remove()")
    with page.expect_response(lambda r: r.url.endswith("/sign-in") and r.request.method == "POST") as answer:
        page.locator("form[action='/sign-in'] button[type=submit]").click()
    assert answer.value.status == 403
    expect(page.locator("[role=alert]")).to_contain_text("Reload the page")
    assert session_cookie(page) is None  # refused before anything was checked or made

    sign_in(page, live_portal.url, email, secret)  # with the token, the same person gets in
    expect(page.locator("main")).to_contain_text(email)
    page.evaluate("document.querySelector(\"form[action='/sign-out'] input[name=csrf_token]\").value = 'f'.repeat(64)")
    with page.expect_response(lambda r: r.url.endswith("/sign-out")) as answer:
        page.get_by_role("button", name="Sign out", exact=True).click()
    assert answer.value.status == 403
    page.goto(live_portal.url + "/")
    expect(page.locator("main")).to_contain_text(email)  # a forged sign-out did nothing


def _planted(value: str) -> dict[str, Any]:
    """A session cookie an attacker set in the victim's browser before sign-in."""
    return {"name": "__Host-colo_session", "value": value, "domain": "127.0.0.1", "path": "/", "secure": True,
            "httpOnly": True, "sameSite": "Lax"}


def test_a_planted_session_id_is_never_adopted(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    email, secret = staff_person(live_portal, page)
    planted = "planted-by-an-attacker-" + "x" * 20
    page.context.add_cookies([_planted(planted)])
    sign_in(page, live_portal.url, email, secret)
    expect(page.locator("main")).to_contain_text(email)
    cookie = session_cookie(page)
    assert cookie is not None and cookie["value"] != planted
    # the attacker's browser, holding the planted id, is not signed in
    with page.context.browser.new_context(extra_http_headers=client_headers()) as attacker:
        attacker.add_cookies([_planted(planted)])
        theirs = attacker.new_page()
        theirs.goto(live_portal.url + "/")
        expect(theirs.locator("form[action='/sign-in']")).to_be_visible()
        expect(theirs.locator("main")).not_to_contain_text(email)


def test_sign_in_is_throttled_per_account(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page  # the server allows 3 failures per account (tests/web/conftest.py)
    email, secret = staff_person(live_portal, page)
    for _ in range(3):
        with page.expect_response(lambda r: r.url.endswith("/sign-in") and r.request.method == "POST") as answer:
            sign_in(page, live_portal.url, email, secret, password="not the password at all")
        assert answer.value.status == 401
    with page.expect_response(lambda r: r.url.endswith("/sign-in") and r.request.method == "POST") as answer:
        sign_in(page, live_portal.url, email, secret)  # the right password and code, too late
    assert answer.value.status == 429
    expect(page.locator("[role=alert]")).to_contain_text("Too many failed sign-ins")
    assert session_cookie(page) is None


def test_a_suspended_tenants_open_session_ends_on_its_next_click(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    tenant_id = new_tenant(live_portal)
    # a colleague, set up but not signed in
    with page.context.browser.new_context(extra_http_headers=client_headers()) as elsewhere:
        colleague, colleague_secret = tenant_person(live_portal, elsewhere.new_page(), tenant_id,
                                                    role="tenant_member")
    email, secret = tenant_person(live_portal, page, tenant_id)
    sign_in(page, live_portal.url, email, secret)
    expect(page.locator("main")).to_contain_text("Company administrator")
    suspended = live_portal.api("POST", f"/v1/tenants/{tenant_id}/suspend", json={"reason": "unpaid invoices"})
    assert suspended.status_code == 200, suspended.text
    page.get_by_role("link", name="Invite a colleague").click()
    expect(page.locator("form[action='/sign-in']")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Your session has ended")
    assert session_cookie(page) is None
    # and signing in is refused while the tenant is suspended, with the right password and code
    sign_in(page, live_portal.url, colleague, colleague_secret)
    expect(page.locator("[role=alert]")).to_contain_text("not active")
    assert session_cookie(page) is None


@pytest.fixture(scope="module")
def short_idle_portal(portal_env: dict[str, str], app_call: AppCall,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A second server: sessions in the database (no Redis) that end after 2 s unused."""
    env = {k: v for k, v in portal_env.items() if k != "COLO_REDIS_URL"}
    env["COLO_SESSION_IDLE_SECONDS"] = str(IDLE_SECONDS)
    portal = start_portal(env=env, log_path=tmp_path_factory.mktemp("idle") / "serve.log",
                          run_in_app=app_call)
    try:
        yield portal
    finally:
        portal.server.stop()


def test_an_idle_session_ends(short_idle_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    portal = short_idle_portal
    email, secret = staff_person(portal, page)
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main")).to_contain_text(email)
    signed_in_at = time.monotonic()
    # used within the idle limit, the session lives on past it
    time.sleep(IDLE_SECONDS * 0.6)
    page.goto(portal.url + "/")
    expect(page.locator("main")).to_contain_text(email)
    time.sleep(IDLE_SECONDS * 0.6)
    page.goto(portal.url + "/")
    expect(page.locator("main")).to_contain_text(email)
    assert time.monotonic() - signed_in_at > IDLE_SECONDS
    # unused for longer than the limit, it has ended
    time.sleep(IDLE_SECONDS + 0.5)
    page.goto(portal.url + "/")
    expect(page.locator("form[action='/sign-in']")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Your session has ended")


def test_sign_out_everywhere_ends_the_other_devices_sessions(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    email, secret = staff_person(live_portal, page, role="auditor")
    sign_in(page, live_portal.url, email, secret)
    expect(page.locator("main")).to_contain_text(email)
    account_id = live_portal.account_id(email)

    async def second_device() -> str:  # a session of the same account made on another device
        store = RedisSessions(SessionLimits(), redis_url=REDIS_URL)
        try:
            return await store.create(account_id=account_id, tenant_id=None)
        finally:
            await store.stop()

    other_session = live_portal.query(second_device)
    with page.context.browser.new_context(extra_http_headers=client_headers()) as device:
        device.add_cookies([{**_planted(other_session)}])
        theirs = device.new_page()
        theirs.goto(live_portal.url + "/")
        expect(theirs.locator("main")).to_contain_text(email)  # the other device is signed in
        page.goto(live_portal.url + "/account")  # the account page has "sign out everywhere"
        page.get_by_role("button", name="Sign out everywhere").click()
        expect(page.locator("form[action='/sign-in']")).to_be_visible()
        theirs.goto(live_portal.url + "/")
        expect(theirs.locator("form[action='/sign-in']")).to_be_visible()
        expect(theirs.locator("main")).to_contain_text("Your session has ended")
