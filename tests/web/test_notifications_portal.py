"""The Notifications page, in Debian's Chromium against a real `colo serve`: a company's person
opens it from the navigation and reads, newest first, one sentence per event of its own company
(a shipment announced, a trouble ticket submitted over the API) — and none of another company's;
filters by type and follows an event to its object's page."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from playwright.sync_api import Page, expect

from tests.web.browser import Portal, new_tenant, sign_in, tenant_person
from tests.web.test_security_console import tenant_api

TROUBLE = {"category": "power_loss_feed", "title": "Feed A is down", "priority": "high",
           "description": "Our PDU on feed A lost power", "contact": {"name": "Ops Desk"}}


def test_a_company_reads_its_notifications_and_filters_them(live_portal: Portal, browser_page: Page) -> None:
    page, portal, base = browser_page, live_portal, live_portal.url
    tenant_id, other_id = new_tenant(portal), new_tenant(portal)
    headers, other = tenant_api(portal, tenant_id), tenant_api(portal, other_id)
    shipment = httpx.post(base + "/v1/shipments/inbound", headers=headers, timeout=30, json={
        "carrier": "DHL", "tracking_numbers": [f"NTF{uuid.uuid4().hex[:12].upper()}"], "boxes": 1,
        "expected_on": date.today().isoformat()})
    assert shipment.status_code == 201, shipment.text
    ticket = httpx.post(base + "/v1/service-desk/trouble", headers=headers, timeout=30, json=TROUBLE)
    assert ticket.status_code == 201, ticket.text
    theirs = httpx.post(base + "/v1/service-desk/trouble", headers=other, timeout=30, json=TROUBLE)
    assert theirs.status_code == 201, theirs.text

    email, secret = tenant_person(portal, page, tenant_id)
    sign_in(page, base, email, secret)
    page.locator("nav.sections").get_by_role("link", name="Notifications").click()
    rows = page.locator("#events ~ table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-type", "ticket.submitted")
    expect(rows.nth(0)).to_contain_text(f"Ticket {ticket.json()['id'][:8]} was submitted.")
    expect(rows.nth(1)).to_have_attribute("data-type", "shipment.updated")
    expect(page.locator("main")).not_to_contain_text(theirs.json()["id"][:8])

    page.get_by_label("Show").select_option(label="Shipment updates")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-type", "shipment.updated")
    rows.nth(0).get_by_role("link").click()
    expect(page).to_have_url(f"{base}/shipments/{shipment.json()['id']}")
