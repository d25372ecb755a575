"""axe-core finds no serious or critical violation on the ops console's plant pages — the
capacity map with and without a search, reconciliation findings, the tenant list, a tenant and
the suspend confirmation with its refusal — in Azerbaijani and in English, with real data from
the real NetBox, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person
from tests.web.test_accessibility import LANGUAGES, check
from tests.web.test_ops_plant import OpsPlant, ops_plant_site


@pytest.fixture(scope="module")
def a11y_site(netbox_state: NetBoxState, live_portal: Portal) -> Iterator[OpsPlant]:
    yield from ops_plant_site(netbox_state, live_portal)


@pytest.mark.parametrize("language", LANGUAGES)
def test_ops_plant_pages_have_no_serious_accessibility_violation(live_portal: Portal, chromium: Browser,
                                                                 a11y_site: OpsPlant, language: str) -> None:
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    base, plant = live_portal.url, a11y_site.plant
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        tenant_id = new_tenant(live_portal)
        email, secret = staff_person(live_portal, page, role="ops")
        sign_in(page, base, email, secret)
        expect(page).to_have_url(base + "/")

        page.goto(base + f"/ops/capacity?site_id={plant.site_id}&hall={plant.hall}")
        assert page.locator("html").get_attribute("lang") == language
        expect(page.locator("svg.hallmap")).to_be_visible()
        check(page, "/ops/capacity", found)
        page.goto(base + f"/ops/capacity?site_id={plant.site_id}&hall={plant.hall}&units=35&kw=1&redundant=true")
        expect(page.locator("#placements")).to_be_visible()
        check(page, "/ops/capacity (search)", found)
        page.goto(base + f"/ops/capacity?site_id={plant.site_id}&hall={plant.hall}&units=0")
        expect(page.locator("#e-units")).to_be_visible()
        check(page, "/ops/capacity (error)", found)

        page.goto(base + "/ops/reconciliation")
        page.locator("#f-site_id").select_option(str(plant.site_id))
        page.locator("#run-form button[type=submit]").click()
        expect(page.locator("tr[data-kind='undocumented_reservation']").first).to_be_visible()
        check(page, "/ops/reconciliation (findings)", found)

        page.goto(base + "/ops/tenants")
        expect(page.locator("#tenants")).to_be_visible()
        check(page, "/ops/tenants", found)
        page.goto(base + f"/ops/tenants/{tenant_id}")
        expect(page.locator("#tenant-facts")).to_be_visible()
        check(page, "/ops/tenants/{id}", found)
        page.goto(base + f"/ops/tenants/{tenant_id}/suspend")
        expect(page.locator("#consequences")).to_be_visible()
        check(page, "/ops/tenants/{id}/suspend", found)
        page.locator("#f-reason").evaluate("element => element.removeAttribute('required')")
        page.locator("#confirm-form button[type=submit]").click()
        expect(page.locator("#e-reason")).to_be_visible()
        check(page, "/ops/tenants/{id}/suspend (refused)", found)
    finally:
        context.close()
    assert not found, found
