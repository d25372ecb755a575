"""The access review in a real browser against a real `colo serve`: a security officer sees a new
tenant key under its company, revokes it in one click (the API refuses it at once), disables a
tenant person's account (their open session ends) — and both posts land in the access log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person


def whoami(portal: Portal, secret: str) -> httpx.Response:
    return httpx.get(portal.url + "/v1/auth/whoami", headers={"Authorization": f"Bearer {secret}"}, timeout=30)


async def aged_key(key_id: str, *, days: int) -> None:
    """Make a test's own fresh key look unused for `days` (made and last used that long ago)."""
    from tenants.tables import ApiKey

    then = datetime.now(UTC) - timedelta(days=days)
    await ApiKey.update({ApiKey.created_at: then, ApiKey.last_used_at: then}).where(ApiKey.id == UUID(key_id))


def test_officer_revokes_a_tenant_key_and_the_api_refuses_it(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal, "Review Robotics GmbH")
    secret = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "review robot")
    key_id = whoami(portal, secret).json()["key_id"]
    email, totp = staff_person(portal, page, role="security")
    sign_in(page, portal.url, email, totp)
    expect(page.locator("nav.sections")).to_contain_text("Access review")

    page.goto(portal.url + "/access-review")
    section = page.locator(f"section[data-tenant='{tenant_id}']")
    expect(section.locator("h2")).to_contain_text("Review Robotics GmbH")
    row = section.locator(f"tr[data-key='{key_id}']")
    expect(row).to_contain_text("review robot")
    expect(row).not_to_have_class("dormant")  # just used

    # a second key of the company, last used 120 days ago: dormant at the default 90 days, not at 200
    old_secret = portal.colo("keys", "create", "--role", "tenant_member", "--tenant", tenant_id, "--name", "old robot")
    old_id = whoami(portal, old_secret).json()["key_id"]
    portal.query(lambda: aged_key(old_id, days=120))
    page.goto(portal.url + f"/access-review?tenant={tenant_id}")
    old_row = page.locator(f"tr[data-key='{old_id}']")
    expect(old_row).to_have_class("dormant")
    expect(old_row).to_contain_text("dormant for 90 days or more")
    expect(page.locator(f"tr[data-key='{key_id}']")).not_to_have_class("dormant")
    page.goto(portal.url + f"/access-review?tenant={tenant_id}&days=200")
    expect(page.locator(f"tr[data-key='{old_id}']")).not_to_have_class("dormant")

    # the dormancy window is a bounded query parameter: out of bounds is refused
    refused = page.goto(portal.url + "/access-review?days=0")
    assert refused is not None and refused.status == 400
    page.goto(portal.url + f"/access-review?tenant={tenant_id}&days=1")
    expect(page.locator("#f-days")).to_have_value("1")

    page.goto(portal.url + f"/access-review?tenant={tenant_id}")
    page.locator(f"tr[data-key='{key_id}'] form[action*='/revoke'] button").click()
    expect(page.locator("#notice")).to_contain_text("The key is revoked")
    expect(page.locator(f"tr[data-key='{key_id}']")).to_have_count(0)  # no longer an active key
    assert whoami(portal, secret).status_code == 401

    officer_id = str(portal.account_id(email))
    entries = portal.access_log(actor=f"web:{officer_id}", wanted=lambda found: any(
        e["action"].startswith("POST /access-review/keys/") and e["outcome"] == "allowed" for e in found))
    assert any(e["action"].startswith("POST /access-review/keys/") and key_id in e["objects"].values()
               for e in entries), entries


def test_officer_disables_an_account_and_its_session_ends(live_portal: Portal, browser_page: Page,
                                                          chromium: Browser) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    member_context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    try:
        member = member_context.new_page()
        member_email, member_totp = tenant_person(portal, member, tenant_id, role="tenant_member")
        sign_in(member, portal.url, member_email, member_totp)
        expect(member.locator("nav.sections")).to_be_visible()
        member_id = str(portal.account_id(member_email))

        email, totp = staff_person(portal, page, role="security")
        sign_in(page, portal.url, email, totp)
        page.goto(portal.url + f"/access-review?tenant={tenant_id}")
        row = page.locator(f"tr[data-account='{member_id}']")
        expect(row).to_contain_text(member_email)
        row.locator("form[action*='/disable'] button").click()
        expect(page.locator("#notice")).to_contain_text("The account is disabled")
        expect(page.locator(f"tr[data-account='{member_id}']")).to_have_count(0)

        answer = member.goto(portal.url + "/people")
        assert answer is not None and answer.status == 401  # the sign-in page: the session is over
        expect(member.locator("form[action='/sign-in']")).to_be_visible()
        expect(member.locator("nav.sections")).to_have_count(0)
    finally:
        member_context.close()


def test_open_badges_and_visits_soon_are_listed(live_portal: Portal, browser_page: Page,
                                                chromium: Browser) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    secret = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "visit robot")
    headers = {"Authorization": f"Bearer {secret}", **client_headers()}
    starts = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    visit_ids = []
    for guest, offset in (("Aysel Approved", 0), ("Pending Person", 2)):
        made = httpx.post(portal.url + "/v1/visits", headers=headers, timeout=30, json={
            "starts_at": (starts + timedelta(days=offset)).isoformat(),
            "ends_at": (starts + timedelta(days=offset, hours=2)).isoformat(), "areas": ["meet-me-room"],
            "visitors": [{"guest": {"name": guest, "company": "Fibre Works LLC", "id_document_type": "passport",
                                    "id_number": "P1234567"}}]})
        assert made.status_code == 201, made.text
        visit_ids.append(made.json()["id"])
    approved = portal.api("POST", f"/v1/visits/{visit_ids[0]}/approve", security=True,
                          json={"reason": "access review test"})
    assert approved.status_code == 200, approved.text
    badge = approved.json()["visitors"][0]["badge_number"]

    email, totp = staff_person(portal, page, role="security")
    sign_in(page, portal.url, email, totp)
    page.goto(portal.url + f"/access-review?tenant={tenant_id}")
    section = page.locator(f"section[data-tenant='{tenant_id}']")
    badges = section.locator("table.badges tbody tr")
    expect(badges).to_have_count(1)  # the pending visit has no badge yet
    expect(badges).to_contain_text(badge)
    expect(badges).to_contain_text("Aysel Approved")
    visits = section.locator("table.visits tbody tr")
    expect(visits).to_have_count(2)
    expect(visits.nth(0)).to_contain_text("approved")
    expect(visits.nth(1)).to_contain_text("pending")
    expect(visits.nth(1)).to_contain_text("Pending Person")

    # an auditor sees the badge and the visits, not who the visitors are (the API shows auditors no visits)
    auditor_context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    try:
        auditor = auditor_context.new_page()
        email, totp = staff_person(portal, auditor, role="auditor")
        sign_in(auditor, portal.url, email, totp)
        auditor.goto(portal.url + f"/access-review?tenant={tenant_id}")
        section = auditor.locator(f"section[data-tenant='{tenant_id}']")
        expect(section.locator("table.badges tbody tr")).to_contain_text(badge)
        expect(section.locator("table.badges tbody tr")).to_contain_text("[withheld]")
        expect(section.locator("table.visits tbody tr")).to_have_count(2)
        expect(section).not_to_contain_text("Aysel Approved")
        expect(section).not_to_contain_text("Pending Person")
    finally:
        auditor_context.close()
