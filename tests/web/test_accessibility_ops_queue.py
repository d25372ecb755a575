"""axe-core finds no serious or critical violation on the ops console's queues — the application
queue, an application waiting for a decision, refused and approved, the order queue and an order
in review, refused and built — in Azerbaijani and in English, with real data from the real
NetBox, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person
from tests.web.orders_support import PortalPlant, ops_order, ops_step, portal_plant
from tests.web.test_accessibility import LANGUAGES, check
from tests.web.test_ops_queue import apply, find_row

POSITIONS = {"az": 10, "en": 14}  # each language's order in the site's a11y rack


@pytest.fixture(scope="module")
def ops_site(netbox_state: NetBoxState, live_portal: Portal) -> Iterator[PortalPlant]:
    yield from portal_plant(netbox_state, live_portal)


@pytest.mark.parametrize("language", LANGUAGES)
def test_ops_queue_pages_have_no_serious_accessibility_violation(live_portal: Portal, chromium: Browser,
                                                                 ops_site: PortalPlant, language: str) -> None:
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    base = live_portal.url
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        application_id, _ = apply(live_portal, f"Axe Queue {uuid.uuid4().hex[:8]} MMC")
        order_id = ops_order(live_portal, new_tenant(live_portal), {
            "kind": "space", "rack_id": ops_site.racks["a11y"], "units": 2, "position": POSITIONS[language]})
        ops_step(live_portal, order_id, "review")
        email, secret = staff_person(live_portal, page, role="ops")
        sign_in(page, base, email, secret)
        expect(page).to_have_url(base + "/")

        find_row(page, base + "/ops/applications?status=submitted",
                 f"#applications tr[data-application-id='{application_id}']")
        assert page.locator("html").get_attribute("lang") == language
        check(page, "/ops/applications", found)
        page.goto(f"{base}/ops/applications/{application_id}")
        expect(page.locator("#form-approve")).to_be_visible()
        check(page, "/ops/applications/{id}", found)
        page.locator("#form-reject button[type=submit]").click()
        expect(page.locator("#e-reject")).to_be_visible()
        check(page, "/ops/applications/{id} (refused)", found)
        page.locator("#form-approve button[type=submit]").click()
        expect(page.locator("#tenant-status")).to_be_visible()
        check(page, "/ops/applications/{id} (approved)", found)

        find_row(page, base + "/ops/orders?state=in_review", f"#orders tr[data-order-id='{order_id}']")
        check(page, "/ops/orders", found)
        page.goto(f"{base}/ops/orders/{order_id}")
        expect(page.locator("#action-approve")).to_be_visible()
        check(page, "/ops/orders/{id}", found)
        page.locator("#action-reject button[type=submit]").click()
        expect(page.locator("#e-reject")).to_be_visible()
        check(page, "/ops/orders/{id} (refused)", found)
        page.locator("#action-approve button[type=submit]").click()
        page.locator("#action-fulfil button[type=submit]").click()
        expect(page.locator("#order-state")).to_have_attribute("data-state", "active")
        check(page, "/ops/orders/{id} (built)", found)
    finally:
        context.close()
    assert not found, found
