"""axe-core finds no serious or critical violation on the security officer's console — the visit
queue (with a pending visit, and with a deny refused for want of a reason), the gate screen
(empty, ALLOWED with the visitor on site, REFUSED) and the alerts (with open alerts, and with a
note refused) — in Azerbaijani and in English, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person
from tests.web.test_accessibility import LANGUAGES, check
from tests.web.test_security_console import request_visit, tenant_api


@pytest.mark.parametrize("language", LANGUAGES)
def test_console_pages_have_no_serious_accessibility_violation(live_portal: Portal, chromium: Browser,
                                                               language: str) -> None:
    portal, base = live_portal, live_portal.url
    headers = tenant_api(portal, new_tenant(portal))
    now = datetime.now(UTC)
    to_approve = request_visit(portal, headers, guest="Guest Visitor", starts=now - timedelta(minutes=5),
                               ends=now + timedelta(hours=2), escort=True)
    to_deny = request_visit(portal, headers, guest="Other Visitor", starts=now + timedelta(days=1),
                            ends=now + timedelta(days=1, hours=1))
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        email, secret = staff_person(portal, page, role="security")
        sign_in(page, base, email, secret)
        expect(page.locator("main h1")).to_be_visible()
        assert page.locator("html").get_attribute("lang") == language

        page.goto(base + "/security/visits")
        expect(page.locator(f"[id='visit-{to_deny}']")).to_be_visible()
        check(page, "/security/visits", found)
        page.locator(f"[id='visit-{to_deny}'] form[action$='/deny'] button[type=submit]").click()
        expect(page.locator(f"[id='e-reason-{to_deny}']")).to_be_visible()
        check(page, "/security/visits (deny without a reason)", found)
        page.locator(f"[id='visit-{to_approve}'] form[action$='/approve'] button[type=submit]").click()
        expect(page.locator("#queue-status")).to_be_visible()
        check(page, "/security/visits (approved)", found)
        badge = portal.api("GET", f"/v1/visits/{to_approve}", security=True).json()["visitors"][0]["badge_number"]

        page.goto(base + "/gate")
        check(page, "/gate", found)
        page.locator("#badge-in").fill(badge)
        page.locator("#badge-in").press("Enter")
        expect(page.locator("#gate-result.allowed")).to_be_visible()
        expect(page.locator("#on-site")).to_contain_text(badge)
        check(page, "/gate (allowed)", found)
        page.locator("#badge-in").fill("B-" + base64.b32encode(os.urandom(10)).decode()[:10])  # unknown: alerted
        page.locator("#badge-in").press("Enter")
        expect(page.locator("#gate-result.refused")).to_be_visible()
        check(page, "/gate (refused)", found)
        page.locator("#badge-out").fill(badge)
        page.locator("#badge-out").press("Enter")
        expect(page.locator("#on-site")).not_to_contain_text(badge)

        page.goto(base + "/alerts")
        expect(page.locator("#alerts tbody tr").first).to_be_visible()
        check(page, "/alerts", found)
        page.locator("#alerts tbody tr").first.locator("button[type=submit]").click()
        expect(page.locator("#alerts .error").first).to_be_visible()
        check(page, "/alerts (note missing)", found)
    finally:
        context.close()
    assert found == {}, found
