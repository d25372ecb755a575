"""Shipments in the portal, in Debian's Chromium against a real `colo serve`: a company's
administrator announces a delivery and asks for equipment to leave; the dock (an ops person)
scans the second tracking number (matched), registers a delivery nobody announced for the
company (which then sees it marked unannounced), stores and hands over; the hand-over of
outbound equipment is refused until security approves it on the approvals page; the company
follows every step in the shipment's history and cancels an announcement. Ops read the alerts
(a delivery held too long) without being offered to acknowledge them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.web.browser import Portal, new_tenant, sign_in, staff_person, tenant_person
from tests.web.people_support import post


def tracking() -> str:
    return f"WEB{uuid.uuid4().hex[:12].upper()}"


def scan(page: Page, number: str) -> None:
    """What a barcode scanner does: keystrokes into the focused field, then Enter."""
    expect(page.locator("#f-tracking_number")).to_be_focused()
    page.keyboard.type(number)
    page.keyboard.press("Enter")


def hand_over(page: Page, card: str, name: str) -> None:
    form = page.locator(f"[id='{card}'] form.handover")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Company").fill("Courier Co")
    form.get_by_label("ID number").fill("P7654321")
    form.locator("button[type=submit]").click()


def test_a_company_and_the_dock_work_shipments_to_the_end(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    legal_name = f"Dock Journey {uuid.uuid4().hex[:6]} LLC"
    tenant_id = new_tenant(portal, legal_name)
    first, second = tracking(), tracking()

    email, secret = tenant_person(portal, page, tenant_id)
    sign_in(page, portal.url, email, secret)
    page.locator("nav.sections").get_by_role("link", name="Shipments").click()
    page.get_by_role("link", name="Announce a delivery").click()
    page.get_by_label("Carrier").fill("DHL Express")
    page.get_by_label("Tracking numbers").fill(f"{first}\n{second}")
    page.get_by_label("Number of boxes").fill("2")
    page.get_by_label("Expected on").fill(portal.today().isoformat())
    page.locator("button[type=submit]", has_text="Announce the delivery").click()
    expect(page.locator("#shipment-status")).to_have_text("Expected")
    announced = page.url.rsplit("/", 1)[-1]

    page.goto(portal.url + "/shipments/outbound/new")
    page.get_by_label("What leaves").fill("One switch for repair")
    page.get_by_label("Who collects it").fill("Rauf Huseynov")
    page.get_by_label("Their company").fill("Courier Co")
    page.get_by_label("When").fill(f"{portal.today() + timedelta(days=2)}T10:00")
    page.get_by_role("button", name="Request the collection").click()
    expect(page.locator("#shipment-status")).to_have_text("Waiting for approval")
    outbound = page.url.rsplit("/", 1)[-1]

    page.goto(portal.url + "/shipments/inbound/new")  # a second announcement, withdrawn
    page.get_by_label("Carrier").fill("UPS")
    page.get_by_label("Tracking numbers").fill(tracking())
    page.get_by_label("Expected on").fill(portal.today().isoformat())
    page.locator("button[type=submit]", has_text="Announce the delivery").click()
    page.get_by_role("button", name="Cancel the shipment").click()
    expect(page.locator("#shipment-status")).to_have_text("Cancelled")

    # The dock: an ops person at the dock screen.
    company_session = page.context.cookies()  # kept: a TOTP code is good once, a second sign-in within
    page.context.clear_cookies()              # the same 30 s step would be refused
    ops_email, ops_secret = staff_person(portal, page, role="ops")
    sign_in(page, portal.url, ops_email, ops_secret)
    page.goto(portal.url + "/dock")
    expect(page.locator("#expected")).to_contain_text(first)
    scan(page, second.lower())
    expect(page.locator("#dock-result")).to_contain_text("Matched to the company's announcement")
    unknown = tracking()
    scan(page, unknown)
    expect(page.locator("#e-tenant_id")).to_be_visible()
    page.get_by_label("Company (only for a delivery nobody announced)").select_option(label=legal_name)
    page.get_by_role("button", name="Receive").click()
    expect(page.locator("#dock-result")).to_contain_text("Registered as unannounced")

    held = f"held-{announced}"
    page.locator(f"[id='{held}']").get_by_label("Shelf").fill("3B")
    page.locator(f"[id='{held}']").get_by_role("button", name="Store").click()
    expect(page.locator("#dock-status")).to_have_text("Stored.")
    stored = page.locator(f"[id='{held}']")  # stored: the shelf form moves it, it does not "store" it again
    expect(stored.get_by_role("button", name="Move to shelf")).to_be_visible()
    expect(stored.get_by_role("button", name="Store", exact=True)).to_have_count(0)
    hand_over(page, held, "Kamran Aliyev")
    expect(page.locator("#dock-status")).to_have_text("Handed over.")

    # Outbound: not in the dock's list until approved; the API's hand-over is refused meanwhile.
    expect(page.locator("#leaving")).not_to_contain_text("Rauf")
    refused = portal.api("POST", f"/v1/dock/shipments/{outbound}/hand-over", json={
        "name": "Somebody Else", "company": "X", "id_document_type": "passport", "id_number": "P000111"})
    assert refused.status_code == 409, refused.text
    page.goto(portal.url + "/security/shipments")
    card = page.locator(f"[id='outbound-{outbound}']")
    card.locator("form[action$='/approve']").get_by_label("Reason").fill("asset tags checked")
    card.locator("form[action$='/approve'] button[type=submit]").click()
    expect(page.locator("#approvals-status")).to_be_visible()
    page.goto(portal.url + "/dock")
    hand_over(page, f"leaving-{outbound}", "Rauf Huseynov")
    expect(page.locator("#dock-status")).to_have_text("Handed over.")

    # The company sees all of it.
    page.context.clear_cookies()
    page.context.add_cookies(company_session)  # type: ignore[arg-type]
    page.goto(portal.url + "/shipments")
    expect(page.locator("#shipments")).to_contain_text("Unannounced")
    expect(page.locator("#shipments")).to_contain_text(unknown)
    page.goto(f"{portal.url}/shipments/{announced}")
    expect(page.locator("#shipment-status")).to_have_text("Collected")
    expect(page.locator("#taken-by")).to_contain_text("Kamran Aliyev")
    expect(page.locator("#shipment-history li")).to_have_count(4)
    page.goto(f"{portal.url}/shipments/{outbound}")
    expect(page.locator("#shipment-status")).to_have_text("Handed over")
    expect(page.locator("#shipment-history")).to_contain_text("Handover refused")


def test_ops_read_the_dock_alerts_without_acknowledging(live_portal: Portal, browser_page: Page) -> None:
    """Ops are alerted when a delivery is held too long: the alerts page is in their navigation and
    lists it, with no acknowledge form (acknowledging is security's); a post to acknowledge is 403."""
    from siteaccess.alerts import raise_alert
    from siteaccess.status import AlertKind

    page, portal = browser_page, live_portal
    marker = f"shipment {uuid.uuid4()} held at the dock past the holding period"

    async def held_too_long() -> None:
        await raise_alert(kind=AlertKind.SHIPMENT_HELD_TOO_LONG, dedup_key=f"test-held:{marker}", detail=marker)

    portal.query(held_too_long)
    ops_email, ops_secret = staff_person(portal, page, role="ops")
    sign_in(page, portal.url, ops_email, ops_secret)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Alerts").click()
    expect(page).to_have_url(portal.url + "/alerts")
    page.goto(portal.url + "/alerts?kind=shipment_held_too_long")
    row = page.locator("#alerts tbody tr", has_text=marker)
    expect(row).to_contain_text("Held at the dock too long")
    expect(page.locator("#alerts form.acknowledge")).to_have_count(0)
    expect(page.locator("#alerts thead")).not_to_contain_text("Acknowledge")
    alert_id = str(row.get_attribute("id")).removeprefix("alert-")
    refused = post(page, f"{portal.url}/alerts/{alert_id}/acknowledge", note="not mine to close")
    assert refused.status == 403
    assert portal.api("POST", f"/v1/alerts/{alert_id}/acknowledge", security=True,
                      json={"note": "seen by security"}).status_code == 200
