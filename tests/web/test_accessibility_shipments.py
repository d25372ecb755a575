"""axe-core finds no serious or critical violation on the shipment pages — the company's list,
announce form (with a refusal), collection form and detail; the dock screen (with a delivery
received, a scan refused and one at the dock) and the outbound approvals — in Azerbaijani and
in English, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person
from tests.web.test_accessibility import LANGUAGES, check
from tests.web.test_security_console import tenant_api


@pytest.mark.parametrize("language", LANGUAGES)
def test_shipment_pages_have_no_serious_accessibility_violation(live_portal: Portal, chromium: Browser,
                                                                language: str) -> None:
    portal, base = live_portal, live_portal.url
    tenant_id = new_tenant(portal)
    headers = tenant_api(portal, tenant_id)
    number = f"AXE{uuid.uuid4().hex[:12].upper()}"
    inbound = httpx.post(base + "/v1/shipments/inbound", headers=headers, timeout=30, json={
        "carrier": "DHL", "tracking_numbers": [number], "boxes": 1, "expected_on": date.today().isoformat(),
        "deliver_to": "cage:C-1"})
    assert inbound.status_code == 201, inbound.text
    outbound = httpx.post(base + "/v1/shipments/outbound", headers=headers, timeout=30, json={
        "description": "a server for repair", "boxes": 1, "collector": {"name": "Ali Veli", "company": "Co"},
        "collect_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    assert outbound.status_code == 201, outbound.text
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        email, secret = tenant_person(portal, page, tenant_id)
        sign_in(page, base, email, secret)
        assert page.locator("html").get_attribute("lang") == language
        page.goto(base + "/shipments")
        expect(page.locator("#shipments")).to_be_visible()
        check(page, "/shipments", found)
        page.goto(base + "/shipments/inbound/new")
        check(page, "/shipments/inbound/new", found)
        page.locator("form.card button[type=submit]").click()
        expect(page.locator("#e-carrier")).to_be_visible()
        check(page, "/shipments/inbound/new (refused)", found)
        page.goto(base + "/shipments/outbound/new")
        check(page, "/shipments/outbound/new", found)
        page.goto(f"{base}/shipments/{inbound.json()['id']}")
        check(page, "/shipments/<id>", found)

        context.clear_cookies()
        context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
        staff_email, staff_secret = staff_person(portal, page, role="ops")
        sign_in(page, base, staff_email, staff_secret)
        page.goto(base + "/dock")
        check(page, "/dock", found)
        page.locator("#f-tracking_number").fill(number)
        page.locator("#f-tracking_number").press("Enter")
        expect(page.locator("#dock-result")).to_be_visible()
        check(page, "/dock (received)", found)
        page.locator("#f-tracking_number").fill("x")
        page.locator("#f-tracking_number").press("Enter")
        expect(page.locator("#e-tracking_number")).to_be_visible()
        check(page, "/dock (refused)", found)
        page.goto(base + "/security/shipments")
        expect(page.locator(f"[id='outbound-{outbound.json()['id']}']")).to_be_visible()
        check(page, "/security/shipments", found)
    finally:
        context.close()
    assert found == {}, found
