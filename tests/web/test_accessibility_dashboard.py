"""axe-core finds no serious or critical violation on the dashboard (with racks, orders and a
drawn elevation, and a brand-new tenant's empty one), the rack page, its 404 and the account
page, in Azerbaijani and in English, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import Portal, client_headers, new_tenant, sign_in, tenant_person
from tests.web.dashboard_plant import MISSING_RACK, Plant, dashboard_plant
from tests.web.test_accessibility import LANGUAGES, check, serious


@pytest.fixture(scope="module")
def plant(live_portal: Portal) -> Iterator[Plant]:
    with dashboard_plant(live_portal) as built:
        yield built


@pytest.mark.parametrize("language", LANGUAGES)
def test_dashboard_rack_and_account_pages_have_no_serious_accessibility_violation(
    live_portal: Portal, chromium: Browser, plant: Plant, language: str,
) -> None:
    base = live_portal.url
    found: dict[str, list[dict[str, Any]]] = {}
    for who in ("buyer", "new tenant"):
        context = chromium.new_context(extra_http_headers=client_headers())
        context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
        page = context.new_page()
        try:
            tenant = plant.buyer_id if who == "buyer" else new_tenant(live_portal)
            email, secret = tenant_person(live_portal, page, tenant)
            sign_in(page, base, email, secret)
            expect(page.locator("main h1")).to_be_visible()
            assert page.locator("html").get_attribute("lang") == language
            if who == "buyer":
                expect(page.locator("li.rack-card svg.elevation")).to_have_count(1)
                # the checker sees the drawing: an SVG image without a name is a serious violation
                page.evaluate("const svg = document.querySelector('svg.elevation');"
                              "svg.removeAttribute('aria-labelledby'); svg.querySelector('title').remove()")
                assert any(v["rule"] == "svg-img-alt" for v in serious(page))
                page.reload()
                check(page, "/ (dashboard with racks)", found)
                page.goto(f"{base}/racks/{plant.main_rack}")
                page.locator("details summary").click()  # the table alternative, opened
                expect(page.locator("table.units")).to_be_visible()
                check(page, "/racks/{id}", found)
                page.goto(f"{base}/racks/{MISSING_RACK}")
                check(page, "/racks/{missing}", found)
            else:
                expect(page.locator("#no-racks")).to_be_visible()
                check(page, "/ (new tenant, empty)", found)
            page.goto(base + "/account")
            check(page, f"/account ({who})", found)
        finally:
            context.close()
    assert found == {}, found
