"""axe-core finds no serious or critical violation on the people, API key and staff account pages
— with real data, forms showing their errors, and the one-time results — in Azerbaijani and in
English, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import Portal, client_headers, enrol, new_tenant, sign_in
from tests.web.test_accessibility import LANGUAGES, check


@pytest.mark.parametrize("language", LANGUAGES)
def test_people_keys_and_staff_pages_have_no_serious_violation(live_portal: Portal, chromium: Browser,
                                                               language: str) -> None:
    portal, base = live_portal, live_portal.url
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    tag = uuid.uuid4().hex[:8]
    try:
        # a tenant admin with a colleague, a person in the register and a key
        tenant_id = new_tenant(portal)
        admin = f"a11y-people-{language}-{tag}@example.com"
        secret = enrol(page, portal.colo("accounts", "invite", "--tenant", tenant_id, "--email", admin,
                                         "--role", "tenant_admin"))
        portal.colo("accounts", "invite", "--tenant", tenant_id, "--email", f"member-{tag}@example.com",
                    "--role", "tenant_member", "--name", "Invited Member")
        sign_in(page, base, admin, secret)
        expect(page.locator("html")).to_have_attribute("lang", language)

        page.goto(base + "/people/new")
        check(page, "/people/new", found)
        page.locator("#f-name").fill("Leyla Visitor")
        page.locator("#f-email").fill("not an address")
        page.locator("#f-phone").fill("call me")
        page.locator("form[action='/people/new'] button[type=submit]").click()
        expect(page.locator(".invalid").first).to_be_visible()
        check(page, "/people/new (errors)", found)
        page.locator("#f-email").fill("leyla@example.com")
        page.locator("#f-phone").fill("+994 12 555 12 34")
        page.locator("form[action='/people/new'] button[type=submit]").click()
        expect(page.locator("#person-list")).to_be_visible()
        check(page, "/people", found)
        page.locator("#person-list a[href^='/people/']").first.click()
        check(page, "/people/{id}", found)
        page.goto(base + "/people/invite")
        page.locator("#f-email").fill(f"colleague-{tag}@example.com")
        page.locator("#f-name").fill("Colleague")
        page.locator("form[action='/people/invite'] button[type=submit]").click()
        expect(page.locator("#invitation-link")).to_be_visible()
        check(page, "/people/invite (made)", found)
        page.goto(base + "/people")
        page.locator("#account-list tr", has_text=admin).get_by_role("button").last.click()  # refused: last admin
        expect(page.locator("[role=alert]")).to_be_visible()
        check(page, "/people (last admin refused)", found)

        page.goto(base + "/keys")
        check(page, "/keys (none)", found)
        page.goto(base + "/keys/new")
        check(page, "/keys/new", found)
        page.locator("#f-name").fill("robot")
        page.locator("#f-allowed_networks").fill("not a network")
        page.locator("form[action='/keys/new'] button[type=submit]").click()
        expect(page.locator("#e-allowed_networks")).to_be_visible()
        check(page, "/keys/new (errors)", found)
        page.locator("#f-allowed_networks").fill("")
        page.locator("form[action='/keys/new'] button[type=submit]").click()
        expect(page.locator("#api-key")).to_be_visible()
        check(page, "/keys/new (created)", found)
        page.goto(base + "/keys")
        check(page, "/keys", found)
        page.locator("#key-list a").first.click()
        check(page, "/keys/{id}", found)
        page.locator("form[action$='/rotate'] button[type=submit]").click()
        expect(page.locator("#old-key")).to_be_visible()
        check(page, "/keys/{id}/rotate (rotated)", found)
        page.goto(base + "/keys?revoked=true")
        check(page, "/keys?revoked=true", found)

        # ops: the staff accounts page, empty form and the link shown once
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
        ops = f"a11y-ops-{language}-{tag}@example.com"
        ops_secret = enrol(page, portal.colo("accounts", "create-staff", "--email", ops, "--role", "ops"))
        sign_in(page, base, ops, ops_secret)
        page.goto(base + "/staff/accounts")
        check(page, "/staff/accounts", found)
        page.locator("#f-email").fill(ops)  # taken: refused next to the field
        page.locator("form[action='/staff/accounts'] button[type=submit]").click()
        expect(page.locator("#e-email")).to_be_visible()
        check(page, "/staff/accounts (errors)", found)
        page.locator("#f-email").fill(f"a11y-security-{language}-{tag}@example.com")
        page.locator("#f-role").select_option("security")
        page.locator("form[action='/staff/accounts'] button[type=submit]").click()
        expect(page.locator("#invitation-link")).to_be_visible()
        check(page, "/staff/accounts (made)", found)
        page.goto(base + "/people")  # ops read every tenant's people
        check(page, "/people (ops)", found)
    finally:
        context.close()
    assert found == {}, found
