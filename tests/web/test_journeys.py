"""Journeys in a real Chromium against a real `colo serve` on PostgreSQL (Redis sessions)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.web.browser import Portal, enrol, session_cookie, sign_in


def test_staff_set_up_from_the_cli_sign_in_and_out(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    link = live_portal.colo("accounts", "create-staff", "--email", email, "--role", "ops", "--name", "Ops Person")
    assert link.startswith(f"{live_portal.url}/welcome?token=cal_")
    secret = enrol(page, link)
    # a link works once
    page.goto(link)
    expect(page.locator("[role=alert]")).to_contain_text("not valid")

    sign_in(page, live_portal.url, email, secret)
    expect(page).to_have_url(live_portal.url + "/")
    expect(page.locator("main")).to_contain_text(email)
    expect(page.locator("main")).to_contain_text("Datacenter operations")
    cookie = session_cookie(page)
    assert cookie is not None and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(live_portal.url + "/sign-in")
    assert session_cookie(page) is None
    page.goto(live_portal.url + "/people/invite")  # a signed-in page, without a session
    expect(page.locator("form[action='/sign-in']")).to_be_visible()

    # every page view and form post is in the access log with the person as the actor
    account_id = _account_id(live_portal, email)
    entries = live_portal.access_log(actor=f"web:{account_id}", wanted=lambda found: any(
        e["action"] == "POST /sign-out" for e in found))
    actions = {e["action"] for e in entries}
    assert {"POST /sign-in", "GET /", "POST /sign-out"} <= actions, actions
    assert all(e["actor"]["person_id"] == account_id and e["role"] == "ops" for e in entries)


def _account_id(portal: Portal, email: str) -> str:
    from accounts.tables import Account

    async def find() -> str:
        row = await Account.select(Account.id).where(Account.email == email).first()
        assert row is not None
        return str(row["id"])

    return portal.query(find)


def test_sign_in_is_refused_without_the_second_factor(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    email = f"sec-{uuid.uuid4().hex[:8]}@example.com"
    secret = enrol(page, live_portal.colo("accounts", "create-staff", "--email", email, "--role", "security"))
    page.goto(live_portal.url + "/sign-in")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill("a long and quite unusual passphrase 42")
    page.locator("#f-code").fill("000000" if secret else "")
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    expect(page.locator("[role=alert]")).to_contain_text(re.compile("wrong"))
    assert session_cookie(page) is None
