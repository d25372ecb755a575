"""Staff accounts in the portal, in Debian's Chromium against a real `colo serve`: ops create a
security officer (no SMTP here: the set-up link is shown once), who sets the account up and signs
in; ops remove it and its open session ends on the next click; ops cannot remove themselves; a
tenant admin finds no such page (404, as for every staff page; other staff get the 403 page)."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.web.browser import (
    Portal,
    client_headers,
    enrol,
    new_tenant,
    session_cookie,
    sign_in,
    staff_person,
    tenant_person,
)
from tests.web.people_support import post, session_alive


def staff_row(email: str) -> str:
    return f"#staff-accounts tr:has(td:text-is('{email}'))"


def test_ops_create_a_security_officer_and_remove_it(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    ops, ops_secret = staff_person(portal, page)
    sign_in(page, portal.url, ops, ops_secret)
    expect(page.locator("main")).to_contain_text(ops)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Staff accounts").click()
    officer = f"officer-{uuid.uuid4().hex[:8]}@example.com"
    page.locator("#f-email").fill(officer)
    page.locator("#f-name").fill("Security Officer")
    page.locator("#f-role").select_option("security")
    page.locator("form[action='/staff/accounts'] button[type=submit]").click()
    link = page.locator("#invitation-link").inner_text()
    assert link.startswith(portal.url + "/welcome?token=cal_")
    expect(page.locator(staff_row(officer))).to_contain_text("Invited")
    expect(page.locator(staff_row(officer))).to_contain_text("Security officer")
    page.goto(portal.url + "/staff/accounts")
    expect(page.locator("#invitation-link")).to_have_count(0)  # shown once
    # the same address again is refused next to the field
    page.locator("#f-email").fill(officer.upper())
    with page.expect_response(lambda r: r.url.endswith("/staff/accounts") and r.request.method == "POST") as answer:
        page.locator("form[action='/staff/accounts'] button[type=submit]").click()
    assert answer.value.status == 409
    expect(page.locator("#e-email")).to_contain_text("no account yet")

    with page.context.browser.new_context(extra_http_headers=client_headers()) as other:
        theirs = other.new_page()
        secret = enrol(theirs, link)
        sign_in(theirs, portal.url, officer, secret)
        expect(theirs.locator("main")).to_contain_text(officer)
        theirs.goto(portal.url + "/staff/accounts")  # security officers do not manage staff
        expect(theirs.locator("[role=alert]")).to_contain_text("You may not do this.")

        page.goto(portal.url + "/staff/accounts")
        expect(page.locator(staff_row(officer))).to_contain_text("Active")
        cookie = session_cookie(theirs)
        assert cookie is not None and session_alive(portal, cookie["value"])
        page.locator(staff_row(officer)).get_by_role("button", name="Remove").click()
        expect(page.locator(staff_row(officer))).to_contain_text("Removed")
        assert not session_alive(portal, cookie["value"])  # ended at once, not only at the next click
        theirs.goto(portal.url + "/")
        expect(theirs.locator("form[action='/sign-in']")).to_be_visible()
        assert session_cookie(theirs) is None

    # no button to remove oneself, and the post is refused
    expect(page.locator(staff_row(ops)).get_by_role("button", name="Remove")).to_have_count(0)
    own = post(page, f"{portal.url}/staff/accounts/{portal.account_id(ops)}/disable")
    assert own.status == 409 and "your own account" in own.text()
    page.goto(portal.url + "/staff/accounts")
    expect(page.locator(staff_row(ops))).to_contain_text("Active")

    # ops read every tenant's people, each with its company, and change nothing there
    tenant_id = new_tenant(portal, legal_name=f"Staff View {uuid.uuid4().hex[:6]} GmbH")
    member = f"member-{uuid.uuid4().hex[:8]}@example.com"
    portal.colo("accounts", "invite", "--tenant", tenant_id, "--email", member, "--role", "tenant_member")
    page.goto(portal.url + "/people")
    row = page.locator(f"#account-list tr:has(td:text-is('{member}'))")
    expect(row).to_contain_text("Staff View")
    expect(row.get_by_role("button")).to_have_count(0)


def test_a_tenant_admin_finds_no_staff_accounts_page(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    email, secret = tenant_person(portal, page, new_tenant(portal))
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main")).to_contain_text("Company administrator")
    expect(page.locator("nav.sections")).not_to_contain_text("Staff accounts")
    response = page.goto(portal.url + "/staff/accounts")
    assert response is not None and response.status == 404  # a staff page: the answer of a missing one
    expect(page.locator("[role=alert]")).to_contain_text("This page does not exist, or you may not see it.")
    made = post(page, portal.url + "/staff/accounts", email=f"sneaky-{uuid.uuid4().hex[:8]}@example.com", role="ops")
    assert made.status == 404 and "invitation-link" not in made.text()
