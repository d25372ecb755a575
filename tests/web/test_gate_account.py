"""The gate screen's own portal account, in Debian's Chromium against a real `colo serve`: ops
create it on the staff accounts page (role gate), the tablet sets it up (password and TOTP like
every staff account) and signs in, lands on the gate screen, is offered the gate, the loading dock
(the gate role does the dock's work) and its account, nothing else, checks a visitor in (who then
shows on site, masked), opens the dock, and is refused every console page it may not open — the
capacity map, the ops order queue, applications, the access log, outbound approvals — with the 403
page other staff get; its API key twin is untouched (the gate key still works)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.web.browser import Portal, client_headers, enrol, new_tenant, sign_in, staff_person
from tests.web.people_support import post
from tests.web.test_security_console import read_visit, request_visit, scan, tenant_api


def test_ops_make_a_gate_account_that_opens_the_gate_and_dock_screens_only(
    live_portal: Portal, browser_page: Page,
) -> None:
    page, portal = browser_page, live_portal
    headers = tenant_api(portal, new_tenant(portal))
    now = datetime.now(UTC)
    guest = f"Rashad Huseynov {uuid.uuid4().hex[:4]}"
    visit_id = request_visit(portal, headers, guest=guest, starts=now - timedelta(minutes=5),
                             ends=now + timedelta(hours=2))
    approved = portal.api("POST", f"/v1/visits/{visit_id}/approve", security=True, json={"reason": "fine"})
    assert approved.status_code == 200, approved.text
    badge = approved.json()["visitors"][0]["badge_number"]

    ops, ops_secret = staff_person(portal, page)
    sign_in(page, portal.url, ops, ops_secret)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Staff accounts").click()
    gate = f"gate-{uuid.uuid4().hex[:8]}@example.com"
    page.locator("#f-email").fill(gate)
    page.locator("#f-name").fill("Main entrance tablet")
    page.locator("#f-role").select_option("gate")
    page.locator("form[action='/staff/accounts'] button[type=submit]").click()
    link = page.locator("#invitation-link").inner_text()
    expect(page.locator(f"#staff-accounts tr:has(td:text-is('{gate}'))")).to_contain_text("Gate terminal")

    with page.context.browser.new_context(extra_http_headers=client_headers()) as tablet_context:
        tablet = tablet_context.new_page()
        secret = enrol(tablet, link)
        sign_in(tablet, portal.url, gate, secret)
        expect(tablet).to_have_url(portal.url + "/gate")  # lands on the gate screen
        nav = tablet.locator("nav.sections")
        expect(nav.get_by_role("link")).to_have_text(["Gate", "Loading dock", "Your account"])  # nothing else
        tablet.goto(portal.url + "/")
        expect(tablet).to_have_url(portal.url + "/gate")

        scan(tablet, badge)
        expect(tablet.locator("#gate-verdict")).to_have_text("ALLOWED")
        expect(tablet.locator("#gate-who")).to_contain_text(guest)  # the one just scanned, in full
        expect(tablet.locator("#on-site")).to_contain_text(badge)
        expect(tablet.locator("#on-site")).not_to_contain_text(guest)  # the list at the door: masked
        expect(tablet.locator("#on-site")).to_contain_text("*" * (len(guest) - 3) + guest[-3:])
        assert read_visit(portal, headers, visit_id)["visitors"][0]["on_site"] is True

        nav.get_by_role("link", name="Loading dock").click()  # the dock opens from the tablet
        expect(tablet).to_have_url(portal.url + "/dock")
        expect(tablet.locator("#f-tracking_number")).to_be_visible()
        dock = tablet.goto(portal.url + "/dock")
        assert dock is not None and dock.status == 200

        for path in ("/ops/capacity", "/ops/orders", "/ops/applications", "/ops/service-desk", "/access-log",
                     "/alerts", "/security/visits", "/security/shipments", "/staff/accounts", "/access-review",
                     "/ops/tenants"):
            response = tablet.goto(portal.url + path)
            assert response is not None and response.status == 403, path  # as other staff refused a page
            expect(tablet.locator("[role=alert]")).to_contain_text("You may not do this.")
        refused = post(tablet, portal.url + f"/alerts/{uuid.uuid4()}/acknowledge", note="not mine")
        assert refused.status == 403
        tablet.goto(portal.url + "/account")
        expect(tablet.locator("main")).to_contain_text(gate)

    left = portal.api("POST", "/v1/gate/check-out", security=True, json={"badge": badge})
    assert left.status_code == 200, left.text

