"""axe-core finds no serious or critical violation on the Notifications page — with events and
filtered to a type with none — in Azerbaijani and in English, in Debian's Chromium against a real
`colo serve`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import Portal, client_headers, new_tenant, sign_in, tenant_person
from tests.web.test_accessibility import LANGUAGES, check
from tests.web.test_notifications_portal import TROUBLE
from tests.web.test_security_console import tenant_api


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notifications_page_has_no_serious_accessibility_violation(live_portal: Portal, chromium: Browser,
                                                                       language: str) -> None:
    portal, base = live_portal, live_portal.url
    tenant_id = new_tenant(portal)
    ticket = httpx.post(base + "/v1/service-desk/trouble", headers=tenant_api(portal, tenant_id), timeout=30,
                        json=TROUBLE)
    assert ticket.status_code == 201, ticket.text
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        email, secret = tenant_person(portal, page, tenant_id)
        sign_in(page, base, email, secret)
        page.goto(base + "/notifications")
        expect(page.locator("tr[data-type='ticket.submitted']")).to_be_visible()
        check(page, "/notifications", found)
        page.goto(base + "/notifications?type=power.over_contract")
        expect(page.locator("#events")).to_be_visible()
        check(page, "/notifications (filtered, empty)", found)
    finally:
        context.close()
    assert found == {}, found
