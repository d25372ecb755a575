"""Journeys in a real Chromium against a real `colo serve` on PostgreSQL (Redis sessions)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.web.browser import Portal, client_headers, enrol, session_cookie, sign_in, staff_person, totp_code


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
    account_id = str(live_portal.account_id(email))
    entries = live_portal.access_log(actor=f"web:{account_id}", wanted=lambda found: any(
        e["action"] == "POST /sign-out" for e in found))
    actions = {e["action"] for e in entries}
    assert {"POST /sign-in", "GET /", "POST /sign-out"} <= actions, actions
    assert all(e["actor"]["person_id"] == account_id and e["role"] == "ops" for e in entries)


def test_sign_in_is_refused_without_the_second_factor(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    email = f"sec-{uuid.uuid4().hex[:8]}@example.com"
    secret = enrol(page, live_portal.colo("accounts", "create-staff", "--email", email, "--role", "security"))
    page.goto(live_portal.url + "/sign-in")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill("a long and quite unusual passphrase 42")
    valid = {totp_code(secret, steps_ahead=k) for k in (-1, 0, 1, 2)}
    page.locator("#f-code").fill(next(c for c in ("000000", "111111", "222222", "333333", "444444")
                                      if c not in valid))  # surely not a code of this secret now
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    expect(page.locator("[role=alert]")).to_contain_text(re.compile("wrong"))
    assert session_cookie(page) is None


def _apply(page: Page, base_url: str, *, legal_name: str, number: str) -> tuple[str, str]:
    """Fill in the public application form; returns (application id, tracking secret)."""
    page.goto(base_url + "/apply")
    fields = {
        "legal_name": legal_name, "registration_number": number, "country": "DE",
        "address.street": "Parkring 1", "address.postal_code": "10115", "address.city": "Berlin",
        "billing_contact.name": "Bill Payer", "billing_contact.email": "billing@example.com",
        "billing_contact.phone": "+49 30 1234567", "technical_contact.name": "Tech Person",
        "technical_contact.email": f"tech-{number.lower()}@example.com", "technical_contact.phone": "+49 30 7654321",
    }
    for name, value in fields.items():
        page.locator(f"[id='f-{name}']").fill(value)
    page.locator("#s-rack_space").check()
    page.locator("#s-power").check()
    page.locator("form[action='/apply'] button[type=submit]").click()
    application_id = page.locator("#application-id").inner_text()
    secret = page.locator("#tracking-secret").inner_text()
    assert secret.startswith("cat_")
    return application_id, secret


def _track(page: Page, base_url: str, application_id: str, secret: str) -> str:
    page.goto(base_url + "/track")
    page.locator("#f-application_id").fill(application_id)
    page.locator("#f-tracking_secret").fill(secret)
    with page.expect_request(lambda r: r.url.endswith("/track") and r.method == "POST") as posted:
        page.locator("form[action='/track'] button[type=submit]").click()
    assert posted.value.headers.get("hx-request") == "true"  # htmx runs under the strict CSP
    assert posted.value.headers.get("x-csrf-token")  # and sends the token it was given
    page.locator("#application-status, main [role=alert]").first.wait_for()
    status = page.locator("#application-status")
    return (status.get_attribute("data-status") or "") if status.count() else ""


def _account_tenant(portal: Portal, email: str) -> str:
    from accounts.tables import Account

    async def find() -> str:
        row = await Account.select(Account.tenant_id, Account.role).where(Account.email == email).first()
        assert row is not None and row["role"] == "tenant_admin", row
        return str(row["tenant_id"])

    return portal.query(find)


def test_apply_follow_approval_invite_a_colleague(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    number = f"HRB{uuid.uuid4().int % 10**8:08d}"
    application_id, secret = _apply(page, live_portal.url, legal_name=f"Portal Test {number} GmbH", number=number)
    assert _track(page, live_portal.url, application_id, secret) == "submitted"
    assert _track(page, live_portal.url, application_id, "cat_wrong-secret-000000") == ""
    expect(page.locator("[role=alert]")).to_be_visible()

    approved = live_portal.api("POST", f"/v1/applications/{application_id}/approve", json={})
    assert approved.status_code == 200, approved.text
    tenant_id = approved.json()["tenant"]["id"]
    assert _track(page, live_portal.url, application_id, secret) == "approved"

    # the applicant sets up the company's first administrator (the technical contact) with the
    # tracking secret, in the browser: nobody at the datacenter runs a command
    page.get_by_role("button", name="Set up the administrator account").click()
    link = page.locator("#administrator-link").get_attribute("href") or ""
    assert link.startswith(live_portal.url + "/welcome?token=cal_")
    admin_email = f"tech-{number.lower()}@example.com"
    admin_secret = enrol(page, link)
    assert _track(page, live_portal.url, application_id, secret) == "approved"  # once: now it refuses
    page.get_by_role("button", name="Set up the administrator account").click()
    expect(page.locator("main [role=alert]")).to_contain_text("administrator account exists already")
    assert not page.locator("#administrator-link").count()
    assert _account_tenant(live_portal, admin_email) == tenant_id  # the technical contact, in the new tenant
    sign_in(page, live_portal.url, admin_email, admin_secret)
    expect(page.locator("main")).to_contain_text(f"Portal Test {number} GmbH")
    expect(page.locator("main")).to_contain_text("Company administrator")

    page.get_by_role("link", name="Invite a colleague").click()
    colleague = f"member-{uuid.uuid4().hex[:8]}@example.com"
    page.locator("#f-email").fill(colleague)
    page.locator("#f-name").fill("A Colleague")
    page.locator("#f-role").select_option("tenant_member")
    page.locator("form[action='/people/invite'] button[type=submit]").click()
    invitation = page.locator("#invitation-link").inner_text()
    assert invitation.startswith(live_portal.url + "/welcome?token=cal_")

    # the colleague, in a browser of their own
    with page.context.browser.new_context(extra_http_headers=client_headers()) as other:
        their_page = other.new_page()
        their_secret = enrol(their_page, invitation)
        sign_in(their_page, live_portal.url, colleague, their_secret)
        expect(their_page.locator("main")).to_contain_text("Company member")
        expect(their_page.locator("main")).to_contain_text(f"Portal Test {number} GmbH")
        their_page.goto(live_portal.url + "/people/invite")  # members may not invite
        expect(their_page.locator("[role=alert]")).to_contain_text("You may not do this.")


def test_language_switch_before_and_after_sign_in(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page  # the browser asks for English (locale en-US)
    email, secret = staff_person(live_portal, page, role="auditor")
    page.goto(live_portal.url + "/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#locale").select_option("az")
    page.locator("form.language button").click()
    expect(page.locator("html")).to_have_attribute("lang", "az")
    expect(page.locator("main h1")).to_have_text("Daxil ol")
    sign_in(page, live_portal.url, email, secret)  # the choice made before signing in is kept
    expect(page.locator("main h1")).to_have_text("Xoş gəlmisiniz")
    assert _locale(live_portal, email) == "az"
    page.locator("#locale").select_option("en")
    page.locator("form.language button").click()
    expect(page.locator("main h1")).to_have_text("Welcome")
    assert _locale(live_portal, email) == "en"  # stored on the account, for every device


def _locale(portal: Portal, email: str) -> str:
    from accounts.tables import Account

    async def find() -> str:
        row = await Account.select(Account.locale).where(Account.email == email).first()
        assert row is not None
        return str(row["locale"])

    return portal.query(find)
