"""API keys in the portal, in Debian's Chromium against a real `colo serve`: a tenant admin creates
a key whose secret, shown once, works against the API; rotates it (the old key keeps working for
the overlap chosen, or stops at once); revokes it with a reason and the API refuses it. The form
shows the API's validation next to the field; another tenant's key answers like a missing one."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person

MISSING = "00000000-0000-4000-8000-000000000000"
KEY = re.compile(r"^\S{20,}$")


def whoami(portal: Portal, key: str) -> httpx.Response:
    return httpx.get(portal.url + "/v1/auth/whoami", headers={"Authorization": f"Bearer {key}", **client_headers()},
                     timeout=30)


def signed_in_admin(portal: Portal, page: Page) -> str:
    tenant_id = new_tenant(portal)
    email, secret = tenant_person(portal, page, tenant_id)
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main")).to_contain_text("Company administrator")
    return tenant_id


def test_create_rotate_revoke_with_the_secret_shown_once(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    tenant_id = signed_in_admin(portal, page)
    page.goto(portal.url + "/keys")
    page.get_by_role("link", name="Create a key").click()
    # the API's limits, next to the field: a name is one line of text
    page.locator("#f-name").fill("   ")
    page.locator("#f-allowed_networks").fill("not a network")
    with page.expect_response(lambda r: r.url.endswith("/keys/new") and r.request.method == "POST") as answer:
        page.locator("form[action='/keys/new'] button[type=submit]").click()
    assert answer.value.status == 422
    expect(page.locator(".invalid .error").first).to_be_visible()
    page.locator("#f-name").fill("billing robot")
    page.locator("#f-role").select_option("tenant_member")
    page.locator("#f-allowed_networks").fill("203.0.113.0/24 x")
    page.locator("form[action='/keys/new'] button[type=submit]").click()
    expect(page.locator("#e-allowed_networks")).to_be_visible()
    page.locator("#f-allowed_networks").fill("")
    page.locator("form[action='/keys/new'] button[type=submit]").click()

    secret = page.locator("#api-key").inner_text()
    assert KEY.match(secret), secret
    me = whoami(portal, secret)
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "tenant_member" and me.json()["tenant_id"] == tenant_id
    # shown once: the key's page, the list and a reload never show it again
    page.get_by_role("link", name="The key's page").click()
    expect(page.locator("#key-details")).to_contain_text("billing robot")
    assert secret not in page.content()
    page.goto(portal.url + "/keys")
    expect(page.locator("#key-list")).to_contain_text("billing robot")
    assert secret not in page.content()

    # rotate with an overlap: both keys work until the old one's (shortened) expiry
    page.locator("#key-list").get_by_role("link", name="billing robot").click()
    page.locator("#f-overlap_seconds").select_option("3600")
    page.locator("form[action$='/rotate'] button[type=submit]").click()
    expect(page.locator("#old-key")).to_contain_text("keeps working until")
    successor = page.locator("#api-key").inner_text()
    assert successor != secret and KEY.match(successor)
    assert whoami(portal, successor).status_code == 200 and whoami(portal, secret).status_code == 200

    # rotate again without an overlap: the predecessor stops at once
    page.get_by_role("link", name="The key's page").click()
    page.locator("#f-overlap_seconds").select_option("0")
    page.locator("form[action$='/rotate'] button[type=submit]").click()
    expect(page.locator("#old-key")).to_contain_text("no longer works")
    third = page.locator("#api-key").inner_text()
    assert whoami(portal, successor).status_code == 401
    assert whoami(portal, third).status_code == 200

    # revoke with a reason: the API refuses the key from the next request on
    page.get_by_role("link", name="The key's page").click()
    page.locator("#f-reason").fill("the robot was retired")
    page.locator("form[action$='/revoke'] button[type=submit]").click()
    expect(page.locator("#key-state")).to_contain_text("Revoked")
    expect(page.locator("#key-details")).to_contain_text("the robot was retired")
    expect(page.locator("form[action$='/rotate']")).to_have_count(0)
    assert whoami(portal, third).status_code == 401
    assert whoami(portal, secret).status_code == 200  # the first key's overlap hour is not over


def test_another_tenants_key_answers_like_a_missing_one(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    other_tenant = new_tenant(portal)
    other_admin = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", other_tenant, "--name", "theirs")
    their_key = whoami(portal, other_admin).json()["key_id"]
    signed_in_admin(portal, page)
    for key_id in (their_key, MISSING):
        response = page.goto(f"{portal.url}/keys/{key_id}")
        assert response is not None and response.status == 404, key_id
        expect(page.locator("[role=alert]")).to_contain_text("does not exist")
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        assert token
        for action in ("rotate", "revoke"):
            posted = page.request.post(f"{portal.url}/keys/{key_id}/{action}", max_redirects=0,
                                       form={"csrf_token": token, "overlap_seconds": "0", "reason": "hijack"})
            assert posted.status == 404, (key_id, action)
    assert whoami(portal, other_admin).status_code == 200  # still works: nothing happened to it


def test_a_member_cannot_open_the_keys_pages(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    email, secret = tenant_person(portal, page, new_tenant(portal), role="tenant_member")
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main")).to_contain_text("Company member")
    for path in ("/keys", "/keys/new", f"/keys/{MISSING}"):
        response = page.goto(portal.url + path)
        assert response is not None and response.status == 403, path
        expect(page.locator("[role=alert]")).to_contain_text("You may not do this.")


def test_ops_create_staff_keys_and_see_whose_keys_are_whose(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal, legal_name="Keys Owner Test GmbH")
    portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "owner-key")
    email, secret = staff_person(portal, page)
    sign_in(page, portal.url, email, secret)
    page.goto(portal.url + "/keys/new")
    roles = page.locator("#f-role option").evaluate_all("options => options.map(o => o.value)")
    assert "tenant_admin" not in roles and "auditor" in roles  # ops make staff keys only
    page.locator("#f-name").fill("audit export")
    page.locator("#f-role").select_option("auditor")
    page.locator("form[action='/keys/new'] button[type=submit]").click()
    me = whoami(portal, page.locator("#api-key").inner_text())
    assert me.status_code == 200 and me.json()["role"] == "auditor" and me.json()["tenant_id"] is None
    page.goto(portal.url + "/keys")
    expect(page.locator("#key-list tr", has_text="owner-key").first).to_contain_text("Keys Owner Test GmbH")
    expect(page.locator("#key-list tr", has_text="audit export")).to_contain_text("The facility")
    # a tenant's key is rotated by its tenant admin only: ops get no rotate form
    page.locator("#key-list tr", has_text="owner-key").first.get_by_role("link").click()
    expect(page.locator("form[action$='/revoke']")).to_be_visible()
    expect(page.locator("form[action$='/rotate']")).to_have_count(0)
