"""axe-core finds no serious or critical violation on the LOA and visit pages, with real data (a
cross-connect's LOA waiting, refused with an error shown, granted; a visit requested, with the
form's errors shown), in Azerbaijani and in English, in Debian's Chromium against `colo serve`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, client_headers, sign_in, tenant_person
from tests.web.loa_plant import LoaPlant, loa_plant
from tests.web.test_accessibility import LANGUAGES, check


@pytest.fixture(scope="module")
def plant(live_portal: Portal, netbox_state: NetBoxState) -> Iterator[LoaPlant]:
    with loa_plant(live_portal, netbox_state) as built:
        yield built


@pytest.mark.parametrize("language", LANGUAGES)
def test_loa_and_visit_pages_have_no_serious_accessibility_violation(
    live_portal: Portal, chromium: Browser, plant: LoaPlant, language: str,
) -> None:
    _order, waiting = plant.order_cross_connect()
    _order, granted = plant.order_cross_connect()
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    base = live_portal.url
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        email, secret = tenant_person(live_portal, page, plant.z_tenant)
        sign_in(page, base, email, secret)
        expect(page.locator("main h1")).to_be_visible()
        assert page.locator("html").get_attribute("lang") == language

        page.goto(base + "/loas")
        expect(page.locator(f"tr.waiting a[href='/loas/{waiting}']")).to_be_visible()
        check(page, "/loas", found)
        page.goto(f"{base}/loas/{waiting}")
        expect(page.locator(f"form[action='/loas/{waiting}/grant']")).to_be_visible()
        check(page, "/loas/{id} (waiting)", found)
        page.locator("#f-reason").fill(" ")
        page.locator(f"form[action='/loas/{waiting}/refuse'] button[type=submit]").click()
        expect(page.locator("#e-reason")).to_be_visible()
        check(page, "/loas/{id} (refusal without a reason)", found)
        page.goto(f"{base}/loas/{granted}")
        page.locator(f"form[action='/loas/{granted}/grant'] button[type=submit]").click()
        expect(page.locator(f"a[href='/loas/{granted}/pdf']")).to_be_visible()
        check(page, "/loas/{id} (granted)", found)
        page.goto(f"{base}/loas/{uuid.uuid4()}")
        check(page, "/loas/{id} (missing)", found)

        page.goto(base + "/visits")
        check(page, "/visits (none)", found)
        page.goto(base + "/visits/new")
        check(page, "/visits/new", found)
        page.locator("form[action='/visits/new'] button[type=submit]").click()
        expect(page.locator(".error").first).to_be_visible()
        check(page, "/visits/new (errors)", found)
        day = datetime.now(ZoneInfo("Asia/Baku")).date() + timedelta(days=2)
        page.locator("#f-starts_at").fill(f"{day.isoformat()}T10:00")
        page.locator("#f-ends_at").fill(f"{day.isoformat()}T12:00")
        page.locator("#a-mmr").check()
        page.locator("#f-guest_name_0").fill("Guest Visitor")
        page.locator("#f-guest_company_0").fill("Visiting Co")
        page.locator("#f-guest_id_document_type_0").select_option("passport")
        page.locator("#f-guest_id_number_0").fill("P1234567")
        page.locator("form[action='/visits/new'] button[type=submit]").click()
        expect(page.locator("#visit-status")).to_be_visible()
        check(page, "/visits/{id}", found)
        page.goto(base + "/visits")
        expect(page.locator("main table")).to_be_visible()
        check(page, "/visits", found)
    finally:
        context.close()
    assert found == {}, found
