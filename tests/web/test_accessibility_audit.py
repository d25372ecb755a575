"""axe-core finds no serious or critical violation on the access log (search with results and with
an error, an entry, its proof) and the access review — with real data — in Azerbaijani and in
English, in Debian's Chromium against a real `colo serve`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import Portal, client_headers, enrol, new_tenant, sign_in
from tests.web.test_access_review import aged_key
from tests.web.test_accessibility import LANGUAGES, check


@pytest.mark.parametrize("language", LANGUAGES)
def test_access_log_and_review_pages_have_no_serious_violation(live_portal: Portal, chromium: Browser,
                                                               language: str) -> None:
    portal, base = live_portal, live_portal.url
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    tag = uuid.uuid4().hex[:8]
    try:
        # a company with a key that made a request, and a person with a portal account
        tenant_id = new_tenant(portal)
        secret = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "a11y robot")
        key_id = httpx.get(base + "/v1/auth/whoami", headers={"Authorization": f"Bearer {secret}"},
                           timeout=30).json()["key_id"]
        portal.colo("accounts", "invite", "--tenant", tenant_id, "--email", f"a11y-audit-{tag}@example.com",
                    "--role", "tenant_member", "--name", "Invited Member")
        entries = portal.access_log(actor=key_id, wanted=bool)
        assert entries, "the tenant's request is logged"
        index = entries[0]["index"]

        officer = f"a11y-audit-{language}-{tag}@example.com"
        totp = enrol(page, portal.colo("accounts", "create-staff", "--email", officer, "--role", "security"))
        sign_in(page, base, officer, totp)
        expect(page.locator("html")).to_have_attribute("lang", language)

        page.goto(base + f"/access-log?tenant_id={tenant_id}")
        expect(page.locator(f"#entries tr[data-index='{index}']")).to_be_visible()
        check(page, "/access-log", found)
        page.goto(base + "/access-log?tenant_id=not-a-company&since=yesterday")
        expect(page.locator(".invalid").first).to_be_visible()
        check(page, "/access-log (errors)", found)
        page.goto(base + f"/access-log/{index}")
        check(page, "/access-log/{index}", found)
        page.locator("#prove").click()
        expect(page.locator("#proof")).to_be_visible()
        check(page, "/access-log/{index}/proof", found)
        page.goto(base + f"/access-review?tenant={tenant_id}")
        expect(page.locator(f"tr[data-key='{key_id}']")).to_be_visible()
        check(page, "/access-review", found)
        portal.query(lambda: aged_key(key_id, days=400))  # this test's own key, unused for 400 days
        page.reload()
        expect(page.locator(f"tr[data-key='{key_id}']")).to_have_class("dormant")
        check(page, "/access-review (dormant)", found)
        page.locator(f"tr[data-key='{key_id}'] form[action*='/revoke'] button").click()
        expect(page.locator("#notice")).to_be_visible()
        check(page, "/access-review (revoked)", found)
    finally:
        context.close()
    assert not found, found
