"""axe-core (axe-playwright-python) finds no serious or critical violation on any portal page, in
Azerbaijani and in English, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import Portal, client_headers, enrol, new_tenant, sign_in

LANGUAGES = ("az", "en")


def serious(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations on the page as it is now, with where they are."""
    results = Axe().run(page)
    return [{"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def check(page: Page, name: str, found: dict[str, list[dict[str, Any]]]) -> None:
    expect(page.locator("main h1")).to_be_visible()
    violations = serious(page)
    if violations:
        found[name] = violations


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_serious_accessibility_violation(live_portal: Portal, chromium: Browser,
                                                           language: str) -> None:
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    base = live_portal.url
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        # the checker sees what it should: an unlabelled field is a critical violation
        page.goto(base + "/sign-in")
        page.evaluate("document.querySelector('main').append(document.createElement('input'))")
        assert any(v["rule"] == "label" for v in serious(page))
        for path in ("/", "/sign-in", "/apply", "/track", "/no-such-page-here"):
            page.goto(base + path)
            if path.startswith("/no-such"):  # an unrouted path is the API's 404, not a page
                continue
            assert page.locator("html").get_attribute("lang") == language
            check(page, path, found)
        page.goto(base + "/welcome?token=cal_not-a-real-token")
        check(page, "/welcome (invalid link)", found)
        page.goto(base + "/apply")
        page.locator("form[action='/apply'] button[type=submit]").click(no_wait_after=True)
        page.evaluate("document.querySelector(\"form[action='/apply']\").noValidate = true")
        page.locator("form[action='/apply'] button[type=submit]").click()
        check(page, "/apply (errors)", found)
        page.goto(base + "/track")
        page.locator("#f-application_id").fill("00000000-0000-0000-0000-000000000000")
        page.locator("#f-tracking_secret").fill("cat_nothing")
        page.locator("form[action='/track'] button[type=submit]").click()
        check(page, "/track (not found)", found)

        tenant_id = new_tenant(live_portal)
        email = f"a11y-{language}-{tenant_id[:8]}@example.com"
        link = live_portal.colo("accounts", "invite", "--tenant", tenant_id, "--email", email,
                                "--role", "tenant_admin")
        page.goto(link)
        check(page, "/welcome", found)
        secret = enrol(page, link)
        check(page, "/welcome (done)", found)
        sign_in(page, base, email, secret)
        check(page, "/ (home)", found)
        page.goto(base + "/people/invite")
        check(page, "/people/invite", found)
        page.locator("#f-email").fill(f"colleague-{language}-{tenant_id[:8]}@example.com")
        page.locator("#f-name").fill("Colleague")
        page.locator("form[action='/people/invite'] button[type=submit]").click()
        check(page, "/people/invite (made)", found)
    finally:
        context.close()
    assert found == {}, found
