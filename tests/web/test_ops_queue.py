"""The ops console's queues in Chromium against a real `colo serve` with the real NetBox: a
company applies through the API and ops approve it in the portal (the API then shows it approved
and its tenant active), another is asked for information and rejected with a reason (an empty
reason answered next to the field); a tenant's space order (placed with the tenant's own API key)
reviewed, approved and fulfilled from the order queue, its reservation in NetBox; ops asking for
action with a reason that the tenant's order page then shows; an order waiting for NetBox with its
next attempt; approval offering (and linking) the NetBox tenant of the same name; and a tenant
admin finds neither queue (the answer of a missing page)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pynetbox
import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person
from tests.web.orders_support import PortalPlant, ops_order, ops_step, portal_plant, postponed_order


@pytest.fixture(scope="module")
def ops_site(netbox_state: NetBoxState, live_portal: Portal) -> Iterator[PortalPlant]:
    yield from portal_plant(netbox_state, live_portal)


def apply(portal: Portal, name: str) -> tuple[str, str]:
    """A company applies through the public API (no key): (application id, tracking secret)."""
    number = f"HRB{uuid.uuid4().int % 10**8:08d}"
    contact = {"name": "Tech Person", "email": "tech@example.com", "phone": "+49 30 1234567"}
    applied = httpx.post(portal.url + "/v1/applications", timeout=30, headers=client_headers(), json={
        "legal_name": name, "registration_number": number, "country": "DE",
        "address": {"street": "Parkring 1", "postal_code": "10115", "city": "Berlin"},
        "billing_contact": {**contact, "name": "Billing Person", "email": "billing@example.com"},
        "technical_contact": contact, "services_of_interest": ["rack_space", "power"]})
    assert applied.status_code == 201, applied.text
    body: dict[str, Any] = applied.json()
    return str(body["id"]), str(body["tracking_secret"])


def application(portal: Portal, application_id: str) -> dict[str, Any]:
    found = portal.api("GET", f"/v1/applications/{application_id}")
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def ops_signed_in(portal: Portal, page: Page) -> None:
    email, secret = staff_person(portal, page, role="ops")
    sign_in(page, portal.url, email, secret)
    expect(page).to_have_url(portal.url + "/")


def find_row(page: Page, url: str, selector: str, *, pages: int = 20) -> None:
    """Open a queue and follow its pager until the row shows (other tests' items may come first)."""
    page.goto(url)
    for _ in range(pages):
        if page.locator(selector).count():
            break
        page.locator("#next-page").click()
    expect(page.locator(selector)).to_be_visible()


def test_ops_approve_one_application_and_reject_another_with_a_reason(live_portal: Portal,
                                                                     browser_page: Page) -> None:
    page, base = browser_page, live_portal.url
    suffix = uuid.uuid4().hex[:8]
    first, _ = apply(live_portal, f"Queue First {suffix} GmbH")
    second, tracking = apply(live_portal, f"Queue Second {suffix} GmbH")
    ops_signed_in(live_portal, page)
    page.locator("nav.sections").get_by_role("link", name="Applications", exact=True).click()
    find_row(page, base + "/ops/applications?status=submitted", f"#applications tr[data-application-id='{first}']")
    expect(page.locator(f"#applications tr[data-application-id='{first}']")).to_contain_text(f"Queue First {suffix}")
    rows = [r.get_attribute("data-application-id") for r in page.locator("#applications tbody tr").all()]
    if second in rows:  # oldest first, like the API
        assert rows.index(first) < rows.index(second)

    page.locator(f"#applications tr[data-application-id='{first}'] a").click()
    expect(page).to_have_url(f"{base}/ops/applications/{first}")
    expect(page.locator("#contacts")).to_contain_text("billing@example.com")
    expect(page.locator("#address")).to_contain_text("Parkring 1")
    # linking NetBox needs a NetBox tenant id: anything else is answered next to the field
    page.locator("#netbox-link").check()
    page.locator("#f-netbox_tenant_id").fill("not a number")
    page.locator("#form-approve button[type=submit]").click()
    expect(page.locator("#e-netbox_tenant_id")).to_be_visible()
    assert application(live_portal, first)["status"] == "submitted"
    page.locator("#form-approve input[value=own]").check()
    page.locator("#form-approve button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/applications/{first}?done=approved")
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#application-status")).to_have_attribute("data-status", "approved")
    expect(page.locator("#tenant-status")).to_have_attribute("data-status", "active")
    expect(page.locator("#track-link")).to_have_attribute("href", "/track")
    approved = application(live_portal, first)
    assert approved["status"] == "approved" and approved["tenant_id"] == first
    tenant = live_portal.api("GET", f"/v1/tenants/{first}")
    assert tenant.status_code == 200 and tenant.json()["status"] == "active", tenant.text
    assert tenant.json()["netbox_tenant_id"] is not None

    page.goto(f"{base}/ops/applications/{second}")
    page.locator("#f-info_reason").fill("Please send the trade register extract.")
    page.locator("#form-info button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/applications/{second}?done=asked")
    asked = application(live_portal, second)
    assert asked["status"] == "action_required" and asked["review_reason"] == "Please send the trade register extract."
    expect(page.locator("#form-approve")).to_have_count(0)  # waiting for the applicant: no approval yet
    answered = httpx.post(f"{base}/v1/applications/{second}/answer", timeout=30, json={"answer": "It is HRB 1."},
                          headers={**client_headers(), "X-Tracking-Secret": tracking})
    assert answered.status_code == 200, answered.text
    page.goto(f"{base}/ops/applications/{second}")
    expect(page.locator("#applicant-answer")).to_contain_text("It is HRB 1.")
    expect(page.locator("#application-status")).to_have_attribute("data-status", "submitted")
    # an empty reason is refused next to its field, and nothing changes
    page.locator("#form-reject button[type=submit]").click()
    expect(page.locator("#e-reject")).to_be_visible()
    expect(page.locator("#f-reject_reason")).to_have_attribute("aria-invalid", "true")
    assert application(live_portal, second)["status"] == "submitted"
    page.locator("#f-reject_reason").fill("We cannot verify the company.")
    page.locator("#form-reject button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/applications/{second}?done=rejected")
    expect(page.locator("#application-status")).to_have_attribute("data-status", "rejected")
    rejected = application(live_portal, second)
    assert rejected["status"] == "rejected" and rejected["review_reason"] == "We cannot verify the company."
    expect(page.locator("#form-approve")).to_have_count(0)


def test_ops_review_approve_and_fulfil_a_tenants_space_order(live_portal: Portal, browser_page: Page,
                                                             ops_site: PortalPlant, netbox_state: NetBoxState) -> None:
    page, base = browser_page, live_portal.url
    name = f"Queue Space {uuid.uuid4().hex[:8]} GmbH"
    application_id, secret = apply(live_portal, name)
    assert live_portal.api("POST", f"/v1/applications/{application_id}/approve", json={}).status_code == 200
    key = httpx.post(f"{base}/v1/applications/{application_id}/key", timeout=30,
                     headers={**client_headers(), "X-Tracking-Secret": secret})
    assert key.status_code == 201, key.text
    rack = ops_site.racks["actions"]
    placed = httpx.post(f"{base}/v1/orders", timeout=30, headers={"Authorization": f"Bearer {key.json()['api_key']}"},
                        json={"spec": {"kind": "space", "rack_id": rack, "units": 2, "position": 3}})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]

    ops_signed_in(live_portal, page)
    page.locator("nav.sections").get_by_role("link", name="Order queue", exact=True).click()
    row = f"#orders tr[data-order-id='{order_id}']"
    find_row(page, base + "/ops/orders?state=submitted", row)
    expect(page.locator(row)).to_contain_text(name)
    expect(page.locator(row + " td.waits")).to_contain_text("Review")
    page.locator(row + " a").click()
    expect(page).to_have_url(f"{base}/ops/orders/{order_id}")
    expect(page.locator("#order-tenant")).to_have_text(name)
    expect(page.locator("#action-fulfil")).to_have_count(0)  # nothing to build before approval

    page.locator("#action-review button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/orders/{order_id}?done=review")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "in_review")
    page.locator("#r-approve").fill("capacity checked")
    page.locator("#action-approve button[type=submit]").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "approved")
    expect(page.locator("#waits-for")).to_contain_text("Fulfilment in NetBox")
    page.locator("#action-fulfil button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/orders/{order_id}?done=fulfil")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "active")
    history = [r.get_attribute("data-action") for r in page.locator("#history tbody tr").all()]
    assert history == ["submit", "review", "approve", "start_provisioning", "activate"]

    built = live_portal.api("GET", f"/v1/orders/{order_id}").json()
    assert built["state"] == "active"
    reservation = pynetbox.api(netbox_state.url, token=netbox_state.token).dcim.rack_reservations.get(
        built["netbox"]["reservation_id"])
    assert reservation is not None and reservation.rack.id == rack and sorted(reservation.units) == [3, 4]
    expect(page.locator("#netbox-reservation")).to_contain_text(str(reservation.id))

    # taken out again: ops ask for decommission, then remove it from NetBox now
    page.locator("#action-request-decommission button[type=submit]").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "decommission_requested")
    page.locator("#action-decommission button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/orders/{order_id}?done=decommission")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "decommissioned")
    expect(page.locator("#action-decommission")).to_have_count(0)
    assert pynetbox.api(netbox_state.url, token=netbox_state.token).dcim.rack_reservations.get(reservation.id) is None


def test_ops_ask_for_action_and_the_tenant_sees_the_reason(live_portal: Portal, browser_page: Page,
                                                           chromium: Browser, ops_site: PortalPlant) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = new_tenant(live_portal)
    order_id = ops_order(live_portal, tenant_id, {"kind": "space", "rack_id": ops_site.racks["actions"],
                                                  "units": 1, "position": 10})
    ops_step(live_portal, order_id, "review")
    ops_signed_in(live_portal, page)
    page.goto(f"{base}/ops/orders/{order_id}")
    page.locator("#action-request-action button[type=submit]").click()  # no reason: refused next to it
    expect(page.locator("#e-request-action")).to_be_visible()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "in_review")
    page.locator("#r-request-action").fill("Which face of the rack: front or rear?")
    page.locator("#action-request-action button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/orders/{order_id}?done=request_action")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "action_required")
    expect(page.locator("#waits-for")).to_contain_text("The tenant's answer")

    context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    try:
        tenant_page = context.new_page()
        email, secret = tenant_person(live_portal, tenant_page, tenant_id)
        sign_in(tenant_page, base, email, secret)
        expect(tenant_page).to_have_url(base + "/")
        tenant_page.goto(f"{base}/orders/{order_id}")
        expect(tenant_page.locator("#asked")).to_contain_text("Which face of the rack: front or rear?")
    finally:
        context.close()


def test_a_tenant_admin_finds_no_ops_queue(live_portal: Portal, browser_page: Page,
                                                             ops_site: PortalPlant) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = new_tenant(live_portal)
    order_id = ops_order(live_portal, tenant_id, {"kind": "space", "rack_id": ops_site.racks["actions"],
                                                  "units": 1, "position": 20})
    email, secret = tenant_person(live_portal, page, tenant_id)
    sign_in(page, base, email, secret)
    expect(page).to_have_url(base + "/")
    expect(page.locator("nav.sections")).not_to_contain_text("Order queue")
    for path in ("/ops/orders", f"/ops/orders/{order_id}", "/ops/applications", f"/ops/applications/{tenant_id}"):
        response = page.goto(base + path)
        assert response is not None and response.status == 404, path  # as a missing page
        expect(page.locator("[role=alert]")).to_contain_text("This page does not exist, or you may not see it.")
    # its own order, moved by a form post to the ops route: refused, and the order stays submitted
    page.goto(f"{base}/orders/{order_id}")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    posted = page.request.post(f"{base}/ops/orders/{order_id}/review", form={"csrf_token": token or ""})
    assert posted.status == 404
    assert ops_step(live_portal, order_id, "cancel")["state"] == "cancelled"  # it was still submitted


def test_approval_offers_the_netbox_tenant_of_the_same_name_and_links_it(live_portal: Portal, browser_page: Page,
                                                                          netbox_state: NetBoxState) -> None:
    page, base = browser_page, live_portal.url
    name = f"Queue Known {uuid.uuid4().hex[:8]} GmbH"
    known = pynetbox.api(netbox_state.url, token=netbox_state.token).tenancy.tenants.create(
        name=name, slug=f"queue-known-{uuid.uuid4().hex[:8]}")
    application_id, _ = apply(live_portal, name)
    ops_signed_in(live_portal, page)
    page.goto(f"{base}/ops/applications/{application_id}")
    page.locator("#form-approve button[type=submit]").click()  # "create its NetBox tenant": NetBox has one
    expect(page.locator("#clashes")).to_contain_text(name)
    expect(page.locator("#e-netbox_tenant_id")).to_be_visible()
    expect(page.locator("#netbox-link")).to_be_checked()
    expect(page.locator("#f-netbox_tenant_id")).to_have_value(str(known.id))
    assert application(live_portal, application_id)["status"] == "submitted"
    page.locator("#form-approve button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/applications/{application_id}?done=approved")
    tenant = live_portal.api("GET", f"/v1/tenants/{application_id}").json()
    assert tenant["status"] == "active" and tenant["netbox_tenant_id"] == known.id


def test_the_queue_shows_an_order_waiting_for_netbox_with_its_next_attempt(
        live_portal: Portal, browser_page: Page, ops_site: PortalPlant) -> None:
    page, base = browser_page, live_portal.url
    order_id = postponed_order(live_portal, ops_site.racks["actions"], 30)
    ops_signed_in(live_portal, page)
    row = f"#orders tr[data-order-id='{order_id}']"
    find_row(page, base + "/ops/orders?state=provisioning", row)
    expect(page.locator(row + " td.waits")).to_contain_text("next attempt at")
    expect(page.locator(row + " td.waits")).to_contain_text("2031")
    page.goto(f"{base}/ops/orders/{order_id}")
    expect(page.locator("#last-error")).to_contain_text("connection refused")
    page.locator("#action-fulfil button[type=submit]").click()  # NetBox answers now: built
    expect(page.locator("#order-state")).to_have_attribute("data-state", "active")
    expect(page.locator("#waits-for")).to_contain_text("Nothing")
