"""A tenant's orders in the portal, in Chromium against a real `colo serve` with the real NetBox:
space ordered from the capacity search and fulfilled in NetBox by ops through the API, its
history; cancelling, answering "action required", asking for decommission; a domain refusal next
to its field; another tenant's order answering exactly like a missing one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pynetbox
import pytest
from playwright.sync_api import Page, expect

from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, new_tenant, sign_in, tenant_person
from tests.web.orders_support import (
    PortalPlant,
    build_xc_ports,
    fulfil,
    ops_order,
    ops_step,
    portal_plant,
    remove_xc_ports,
)
from web.controllers.orders import PAGE_SIZE

ORDER_URL = re.compile(r".*/orders/([0-9a-f-]{36})$")


@pytest.fixture(scope="module")
def orders_site(netbox_state: NetBoxState, live_portal: Portal) -> Iterator[PortalPlant]:
    yield from portal_plant(netbox_state, live_portal)


def _signed_in(portal: Portal, page: Page, *, role: str = "tenant_admin", tenant_id: str | None = None) -> str:
    """A new tenant (or the given one) with a person of `role` signed in on `page`: the tenant id."""
    tenant_id = tenant_id or new_tenant(portal)
    email, secret = tenant_person(portal, page, tenant_id, role=role)
    sign_in(page, portal.url, email, secret)
    expect(page).to_have_url(portal.url + "/")
    return tenant_id


def _space(plant: PortalPlant, position: int, units: int = 1) -> dict[str, object]:
    return {"kind": "space", "rack_id": plant.racks["actions"], "units": units, "position": position}


def _state(portal: Portal, order_id: str) -> str:
    found = portal.api("GET", f"/v1/orders/{order_id}")
    assert found.status_code == 200, found.text
    return str(found.json()["state"])


def _history(page: Page) -> list[str]:
    return [row.get_attribute("data-action") or "" for row in page.locator("#history tbody tr").all()]


def test_space_from_the_capacity_search_to_fulfilled_with_history(
    live_portal: Portal, browser_page: Page, orders_site: PortalPlant, netbox_state: NetBoxState,
) -> None:
    page, base = browser_page, live_portal.url
    _signed_in(live_portal, page)
    page.get_by_role("link", name="Order", exact=True).click()
    expect(page).to_have_url(base + "/capacity")
    page.locator("#f-units").fill("2")
    page.locator("#f-kw").fill("1")
    page.locator("#f-site_id").select_option(str(orders_site.site_id))
    page.locator("#f-hall").fill(orders_site.hall)
    page.locator("#capacity-form button[type=submit]").click()
    rack = orders_site.racks["journey"]
    row = page.locator(f"#placements tbody tr[data-rack-id='{rack}']")
    expect(row).to_contain_text(orders_site.rack_names["journey"])
    expect(row).to_contain_text("U1-U2")
    # ranked as the API ranks the same search (no rack here is anyone's: every buyer sees the same)
    ranked = live_portal.api("POST", "/v1/capacity/search", json={
        "units": 2, "kw": 1.0, "redundant": True, "site_id": orders_site.site_id, "hall": orders_site.hall})
    assert ranked.status_code == 200, ranked.text
    shown = [int(r.get_attribute("data-rack-id") or 0) for r in page.locator("#placements tbody tr").all()]
    assert shown == [p["rack_id"] for p in ranked.json()["placements"]] and rack in shown

    row.get_by_role("button", name=re.compile("^Order here")).click()
    expect(page).to_have_url(re.compile(r".*/orders/new\?kind=space&rack_id="))
    expect(page.locator("#chosen-rack")).to_contain_text(orders_site.rack_names["journey"])
    expect(page.locator("#f-rack_id")).to_have_value(str(rack))
    expect(page.locator("#f-units")).to_have_value("2")
    expect(page.locator("#f-position")).to_have_value("1")
    expect(page.locator("#f-kw")).to_have_value("1")
    page.locator("#f-note").fill("two units for the firewall pair")
    page.locator("#order-form button[type=submit]").click()
    expect(page).to_have_url(ORDER_URL)
    found = ORDER_URL.match(page.url)
    assert found is not None
    order_id = found.group(1)
    expect(page.locator("#order-state")).to_have_attribute("data-state", "submitted")
    expect(page.locator("#waits-for")).to_contain_text("The datacenter to review it")
    expect(page.locator("#order-facts")).to_contain_text("U1-U2")
    assert _history(page) == ["submit"]

    built = fulfil(live_portal, order_id)  # ops: review, approve, build in NetBox
    reservation = pynetbox.api(netbox_state.url, token=netbox_state.token).dcim.rack_reservations.get(
        built["netbox"]["reservation_id"])
    assert reservation is not None and reservation.rack.id == rack and sorted(reservation.units) == [1, 2]
    page.reload()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "active")
    expect(page.locator("#order-state")).to_have_text("Fulfilled: in service")
    assert _history(page) == ["submit", "review", "approve", "start_provisioning", "activate"]
    expect(page.locator("#history")).to_contain_text("capacity checked")
    page.goto(base + "/orders")
    expect(page.locator(f"#orders tr[data-order-id='{order_id}']")).to_have_attribute("data-state", "active")

    # power for the rack it now holds: a circuit too small for the load is refused next to kW
    page.goto(base + f"/orders/{order_id}")
    page.get_by_role("link", name="Order power for this rack").click()
    expect(page.locator("#f-rack_id")).to_have_value(str(rack))
    page.locator("#f-kw").fill("4")
    page.locator("#f-redundancy").select_option("single")
    page.locator("#order-form button[type=submit]").click()
    expect(page.locator("#e-kw")).to_have_text(
        "This circuit cannot carry this load: choose a larger circuit or a smaller load.")
    page.locator("#f-kw").fill("1.5")
    page.locator("#order-form button[type=submit]").click()
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("#order-facts")).to_contain_text("1.5")
    power = ORDER_URL.match(page.url)
    assert power is not None and power.group(1) != order_id
    ordered = live_portal.api("GET", f"/v1/orders/{power.group(1)}").json()
    assert ordered["kind"] == "power" and ordered["spec"]["rack_id"] == rack and ordered["spec"]["kw"] == 1.5
    assert ordered["spec"]["redundancy"] == "single" and ordered["state"] == "submitted"
    page.goto(base + "/orders")
    page.locator("#f-kind").select_option("power")
    page.locator("form.filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/orders\?state=&kind=power$"))
    assert [r.get_attribute("data-order-id") for r in page.locator("#orders tbody tr").all()] == [power.group(1)]


def test_a_member_cancels_an_order(live_portal: Portal, browser_page: Page, orders_site: PortalPlant) -> None:
    page = browser_page
    tenant_id = new_tenant(live_portal)
    order_id = ops_order(live_portal, tenant_id, _space(orders_site, 10))
    _signed_in(live_portal, page, role="tenant_member", tenant_id=tenant_id)
    page.goto(live_portal.url + "/orders")
    page.locator(f"#orders tr[data-order-id='{order_id}'] a").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "submitted")
    expect(page.locator("#action-request-decommission")).to_have_count(0)
    page.locator("#r-cancel").fill("ordered the wrong rack")
    page.get_by_role("button", name="Cancel the order").click()
    expect(page).to_have_url(live_portal.url + f"/orders/{order_id}")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "cancelled")
    assert _history(page) == ["submit", "cancel"]
    expect(page.locator("#history tbody tr").last).to_contain_text("ordered the wrong rack")
    expect(page.locator("#actions-h")).to_have_count(0)  # nothing more to do
    assert _state(live_portal, order_id) == "cancelled"


def test_answering_action_required_resubmits(live_portal: Portal, browser_page: Page,
                                             orders_site: PortalPlant) -> None:
    page = browser_page
    tenant_id = new_tenant(live_portal)
    order_id = ops_order(live_portal, tenant_id, _space(orders_site, 12))
    ops_step(live_portal, order_id, "review")
    ops_step(live_portal, order_id, "request-action", "Front or rear mounting?")
    _signed_in(live_portal, page, tenant_id=tenant_id)
    page.goto(live_portal.url + f"/orders/{order_id}")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "action_required")
    expect(page.locator("#asked")).to_contain_text("Front or rear mounting?")
    expect(page.locator("#waits-for")).to_contain_text("You: the datacenter needs more from you")
    page.locator("#r-resubmit").fill("Front mounting, please.")
    page.get_by_role("button", name="Send the answer and resubmit").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "submitted")
    assert _history(page) == ["submit", "review", "request_action", "resubmit"]
    expect(page.locator("#history tbody tr").last).to_contain_text("Front mounting, please.")
    events = live_portal.api("GET", f"/v1/orders/{order_id}/events").json()["items"]
    assert events[-1]["action"] == "resubmit" and events[-1]["reason"] == "Front mounting, please."
    # a move the order no longer allows (ops rejected it meanwhile) answers 409 and says so
    ops_step(live_portal, order_id, "reject", "no longer possible")
    with page.expect_response(lambda r: r.url.endswith(f"/orders/{order_id}/cancel")) as sent:
        page.get_by_role("button", name="Cancel the order").click()
    assert sent.value.status == 409
    expect(page.locator("#action-error")).to_have_text(
        "This cannot be done in the current state. Reload the page and try again.")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "rejected")
    expect(page.locator("#actions-h")).to_have_count(0)


def test_requesting_decommission_of_a_fulfilled_order(live_portal: Portal, browser_page: Page,
                                                      orders_site: PortalPlant) -> None:
    page = browser_page
    tenant_id = new_tenant(live_portal)
    order_id = ops_order(live_portal, tenant_id, _space(orders_site, 14))
    fulfil(live_portal, order_id)
    # a member may not ask for it (the API's policy): not offered, and a forged post is refused
    _signed_in(live_portal, page, role="tenant_member", tenant_id=tenant_id)
    page.goto(live_portal.url + f"/orders/{order_id}")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "active")
    expect(page.locator("#action-request-decommission")).to_have_count(0)
    page.goto(live_portal.url + "/orders/new")
    token = page.locator("#order-form input[name=csrf_token]").get_attribute("value")
    forged = page.request.post(live_portal.url + f"/orders/{order_id}/request-decommission",
                               form={"csrf_token": token or "", "reason": ""}, max_redirects=0)
    assert forged.status == 403, forged.status
    assert _state(live_portal, order_id) == "active"
    page.get_by_role("button", name="Sign out", exact=True).click()
    _signed_in(live_portal, page, tenant_id=tenant_id)
    page.goto(live_portal.url + f"/orders/{order_id}")
    expect(page.locator("#action-cancel")).to_have_count(0)  # built: it can no longer be cancelled
    page.locator("#r-request-decommission").fill("moving out")
    page.get_by_role("button", name="Request decommission").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "decommission_requested")
    expect(page.locator("#waits-for")).to_contain_text("The datacenter to remove it")
    assert _history(page)[-1] == "request_decommission"
    assert _state(live_portal, order_id) == "decommission_requested"


def test_a_refusal_is_shown_next_to_its_field(live_portal: Portal, browser_page: Page,
                                              orders_site: PortalPlant) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = _signed_in(live_portal, page)
    rack = orders_site.racks["actions"]
    # the domain: 4 units from U40 do not fit in a 42U rack
    page.goto(base + f"/orders/new?kind=space&rack_id={rack}&units=4&position=40")
    with page.expect_response(lambda r: r.url == base + "/orders/new" and r.request.method == "POST") as sent:
        page.locator("#order-form button[type=submit]").click()
    assert sent.value.status == 422
    expect(page.locator("#e-position")).to_have_text(
        "These units do not fit in this rack: choose a lower position or fewer units.")
    expect(page.locator("#f-position")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-position")).to_have_value("40")
    # the API's struct: at most 60 units (the browser's own check switched off)
    page.locator("#f-units").fill("61")
    page.evaluate("document.querySelector('#order-form').noValidate = true")
    page.locator("#order-form button[type=submit]").click()
    expect(page.locator("#e-units")).to_have_text("Enter a whole number of units from 1 to 60.")
    expect(page.locator("#e-position")).to_have_count(0)
    # power only where the tenant holds space: another rack is refused next to the rack
    page.goto(base + f"/orders/new?kind=power&rack_id={rack}&kw=1")
    page.locator("#f-kw").fill("1")
    page.locator("#order-form button[type=submit]").click()
    expect(page.locator("#e-rack_id")).to_have_text(
        "You hold no space in this rack: order power only where you have space.")
    listed = live_portal.api("GET", "/v1/orders", params={"tenant_id": tenant_id})
    assert listed.status_code == 200 and listed.json()["items"] == []  # nothing was ordered


def test_another_tenants_order_answers_like_a_missing_one(live_portal: Portal, browser_page: Page,
                                                          orders_site: PortalPlant) -> None:
    page, base = browser_page, live_portal.url
    theirs = ops_order(live_portal, new_tenant(live_portal), _space(orders_site, 16))
    _signed_in(live_portal, page)
    answers = {}
    for name, order_id in (("theirs", theirs), ("missing", str(uuid.uuid4()))):
        response = page.goto(base + f"/orders/{order_id}")
        assert response is not None
        answers[name] = (response.status, page.locator("main").inner_text())
    assert answers["theirs"][0] == 404 and answers["theirs"] == answers["missing"]
    page.goto(base + "/orders/new")
    token = page.locator("#order-form input[name=csrf_token]").get_attribute("value")
    for order_id in (theirs, str(uuid.uuid4())):
        posted = page.request.post(base + f"/orders/{order_id}/cancel", form={"csrf_token": token or "", "reason": ""},
                                   max_redirects=0)
        assert posted.status == 404, posted.status
    assert _state(live_portal, theirs) == "submitted"


def test_orders_page_by_keyset_newest_first_and_filter_by_state(live_portal: Portal, browser_page: Page,
                                                                orders_site: PortalPlant) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = new_tenant(live_portal)
    rack = orders_site.racks["paging"]
    made = [ops_order(live_portal, tenant_id, {"kind": "space", "rack_id": rack, "units": 1})
            for _ in range(PAGE_SIZE + 1)]
    ops_step(live_portal, made[3], "cancel", "not needed")
    _signed_in(live_portal, page, tenant_id=tenant_id)
    page.goto(base + "/orders")

    def shown() -> list[str]:
        return [r.get_attribute("data-order-id") or "" for r in page.locator("#orders tbody tr").all()]

    first = shown()
    assert first == list(reversed(made))[:PAGE_SIZE]  # newest first, one page
    page.locator("#next-page").click()
    expect(page).to_have_url(re.compile(r"/orders\?cursor="))
    assert shown() == [made[0]]
    expect(page.locator("#next-page")).to_have_count(0)  # the last page
    page.goto(base + "/orders")
    page.locator("#f-state").select_option("cancelled")
    page.locator("form.filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/orders\?state=cancelled&kind=$"))
    assert shown() == [made[3]]
    expect(page.locator(f"#orders tr[data-order-id='{made[3]}'] .state")).to_have_class(re.compile("bad"))


def test_a_cross_connect_from_the_ports_lists_waits_for_the_loa(
    live_portal: Portal, browser_page: Page, orders_site: PortalPlant, netbox_state: NetBoxState,
) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = new_tenant(live_portal)
    tenant = live_portal.api("GET", f"/v1/tenants/{tenant_id}")
    assert tenant.status_code == 200, tenant.text
    built = build_xc_ports(live_portal, netbox_state, orders_site, tenant.json()["netbox_tenant_id"])
    try:
        _signed_in(live_portal, page, tenant_id=tenant_id)
        page.goto(base + "/orders/new?kind=cross_connect")
        offered_a = page.locator("#f-a_port_id option").evaluate_all("options => options.map(o => o.value)")
        offered_z = page.locator("#f-z_port_id option").evaluate_all("options => options.map(o => o.value)")
        # the API's lists: only the tenant's own free ports on the A side, never on the Z side
        assert {str(p) for p in built.own} <= set(offered_a) and not {str(p) for p in built.carrier} & set(offered_a)
        assert {str(p) for p in built.carrier} <= set(offered_z) and not {str(p) for p in built.own} & set(offered_z)
        page.locator("#f-a_port_id").select_option(str(built.own[0]))
        page.locator("#f-z_port_id").select_option(str(built.carrier[1]))
        page.locator("#f-z_side").select_option("carrier")
        page.locator("#f-media").select_option("copper")
        page.locator("#f-speed").select_option("1G")
        page.locator("#order-form button[type=submit]").click()
        expect(page).to_have_url(ORDER_URL)
        expect(page.locator("#order-state")).to_have_attribute("data-state", "submitted")
        expect(page.locator("#waits-for")).to_contain_text("The other side's letter of authorization (LOA)")
        expect(page.locator("#order-facts")).to_contain_text(f"{built.own_panel}:1")
        expect(page.locator("#order-facts")).to_contain_text(f"{built.carrier_panel}:2")
        found = ORDER_URL.match(page.url)
        assert found is not None
        order = live_portal.api("GET", f"/v1/orders/{found.group(1)}").json()
        assert order["kind"] == "cross_connect" and order["loa_status"] == "loa_pending"
        assert order["spec"]["a_port"]["id"] == built.own[0] and order["spec"]["z_port"]["id"] == built.carrier[1]
        loa = live_portal.api("GET", f"/v1/orders/{found.group(1)}/loa").json()
        expect(page.locator("#order-loa")).to_have_attribute("href", f"/loas/{loa['id']}")
        expect(page.locator("#order-loa")).to_have_text("Waiting for the other side")
        ops_step(live_portal, found.group(1), "cancel", "test done")
    finally:
        remove_xc_ports(live_portal, netbox_state, built)
