"""axe-core finds no serious or critical violation on the order pages — the capacity search with
its results and its errors, the order form of each kind and with a refusal, the order list and
an order waiting for the tenant's answer — in Azerbaijani and in English, with real data from
the real NetBox, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, tenant_person
from tests.web.orders_support import PortalPlant, ops_order, ops_step, portal_plant
from tests.web.test_accessibility import LANGUAGES, check

POSITIONS = {"az": 20, "en": 24}  # each language's orders in the site's a11y rack


@pytest.fixture(scope="module")
def orders_site(netbox_state: NetBoxState, live_portal: Portal) -> Iterator[PortalPlant]:
    yield from portal_plant(netbox_state, live_portal)


@pytest.mark.parametrize("language", LANGUAGES)
def test_order_pages_have_no_serious_accessibility_violation(live_portal: Portal, chromium: Browser,
                                                             orders_site: PortalPlant, language: str) -> None:
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    base, rack = live_portal.url, orders_site.racks["a11y"]
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        tenant_id = new_tenant(live_portal)
        waiting = ops_order(live_portal, tenant_id, {"kind": "space", "rack_id": rack, "units": 2,
                                                     "position": POSITIONS[language]})
        ops_step(live_portal, waiting, "review")
        ops_step(live_portal, waiting, "request-action", "Which face of the rack?")
        email, secret = tenant_person(live_portal, page, tenant_id)
        sign_in(page, base, email, secret)
        expect(page).to_have_url(base + "/")

        page.goto(base + "/capacity")
        assert page.locator("html").get_attribute("lang") == language
        check(page, "/capacity", found)
        page.goto(base + f"/capacity?units=1&kw=0.5&redundant=true&site_id={orders_site.site_id}")
        expect(page.locator(f"#placements tr[data-rack-id='{rack}']")).to_be_visible()
        check(page, "/capacity (results)", found)
        page.goto(base + "/capacity?units=0&mmr_ports=0")
        expect(page.locator("#e-units")).to_be_visible()
        check(page, "/capacity (errors)", found)

        page.goto(base + f"/orders/new?kind=space&rack_id={rack}&rack={orders_site.rack_names['a11y']}"
                  "&units=4&position=40")
        expect(page.locator("#chosen-rack")).to_be_visible()
        check(page, "/orders/new (space)", found)
        page.locator("#order-form button[type=submit]").click()
        expect(page.locator("#e-position")).to_be_visible()
        check(page, "/orders/new (refused)", found)
        page.goto(base + f"/orders/new?kind=power&rack_id={rack}")
        expect(page.locator("#f-rack_id")).to_be_visible()
        check(page, "/orders/new (power)", found)
        page.goto(base + "/orders/new?kind=cross_connect")
        expect(page.locator("#f-a_port_id")).to_be_visible()
        check(page, "/orders/new (cross-connect)", found)

        page.goto(base + "/orders")
        expect(page.locator(f"#orders tr[data-order-id='{waiting}']")).to_be_visible()
        check(page, "/orders", found)
        page.goto(base + f"/orders/{waiting}")
        expect(page.locator("#asked")).to_contain_text("Which face of the rack?")
        check(page, "/orders/{id} (action required)", found)
        # an answer over the limit (the browser's own limit switched off) is refused next to it
        page.evaluate("document.querySelector('#action-resubmit textarea').removeAttribute('maxlength')")
        page.locator("#r-resubmit").fill("x" * 1001)
        page.locator("#action-resubmit button[type=submit]").click()
        expect(page.locator("#e-resubmit")).to_be_visible()
        check(page, "/orders/{id} (answer refused)", found)
    finally:
        context.close()
    assert found == {}, found
