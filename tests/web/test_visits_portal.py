"""Visits in the portal, in a real Chromium against a real `colo serve`: a company administrator
requests a visit for a colleague with site access and a guest, sees it waiting for security,
its badges once security approves, and cancels it; the service's refusals appear next to the
input they are about; another company's visit answers exactly like a missing one."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pynetbox
from playwright.sync_api import Page, expect

from devtools.demo.seed import authenticated_user_id
from tests.netbox_cleanup import remove_sites
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, tenant_person

BAKU = ZoneInfo("Asia/Baku")  # the facility's time zone, the form's default


def tenant_api(portal: Portal, tenant_id: str) -> dict[str, str]:
    key = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "visit tests")
    return {"Authorization": f"Bearer {key}", **client_headers()}


def colleague(portal: Portal, headers: dict[str, str], name: str) -> str:
    made = httpx.post(portal.url + "/v1/people", headers=headers, timeout=30, json={
        "name": name, "email": f"{uuid.uuid4().hex[:8]}@example.com", "site_access": True,
        "id_document_type": "passport", "id_number": "C01X00T47"})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def tomorrow_at(hour: int) -> datetime:
    day = datetime.now(BAKU).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=BAKU)


def fill_window(page: Page, starts: datetime, ends: datetime) -> None:
    page.locator("#f-starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#f-ends_at").fill(ends.strftime("%Y-%m-%dT%H:%M"))


def submit(page: Page) -> None:
    page.locator("form[action='/visits/new'] button[type=submit]").click()


def test_request_see_badges_and_cancel_a_visit(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    tenant_id = new_tenant(live_portal)
    headers = tenant_api(live_portal, tenant_id)
    person_id = colleague(live_portal, headers, "Rauf Mammadov")
    email, secret = tenant_person(live_portal, page, tenant_id)
    sign_in(page, live_portal.url, email, secret)

    page.goto(live_portal.url + "/visits/new")
    starts, ends = tomorrow_at(9), tomorrow_at(17)
    fill_window(page, ends, starts)  # the end before the start
    page.locator("#a-mmr").check()
    page.locator(f"[id='p-{person_id}']").check()
    submit(page)
    expect(page.locator("#e-ends_at")).to_have_text("The end must be after the start.")
    expect(page.locator("#f-ends_at")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"[id='p-{person_id}']")).to_be_checked()  # what was entered stays

    fill_window(page, starts, ends)
    page.locator("#f-guest_name_0").fill("Leyla Aliyeva")
    page.locator("#f-guest_company_0").fill("Fibre Works LLC")
    page.locator("#f-guest_id_document_type_0").select_option("national_id")
    page.locator("#f-guest_id_number_0").fill("12")  # too short for an ID number
    submit(page)
    expect(page.locator("#e-guest_id_number_0")).to_have_text("Enter the ID document's number (3 to 40 characters).")
    assert httpx.get(live_portal.url + "/v1/visits", headers=headers, timeout=30).json()["items"] == []

    page.locator("#f-guest_id_number_0").fill("AZE1234567")
    page.locator("#f-escort").check()
    page.locator("#f-purpose").fill("Patch the new cross-connect")
    submit(page)
    expect(page).to_have_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
    visit_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#visit-status")).to_have_text("Waiting for security")
    expect(page.locator("main")).to_contain_text("Rauf Mammadov")
    expect(page.locator("main")).to_contain_text("Leyla Aliyeva")
    expect(page.locator("main")).not_to_contain_text("AZE1234567")  # the ID number is shown masked

    read = httpx.get(f"{live_portal.url}/v1/visits/{visit_id}", headers=headers, timeout=30).json()
    assert read["status"] == "pending" and read["areas"] == ["meet-me-room"] and read["escort_required"]
    assert datetime.fromisoformat(read["starts_at"]) == starts.astimezone(UTC)  # 09:00 in Baku
    assert datetime.fromisoformat(read["ends_at"]) == ends.astimezone(UTC)
    assert {v["person_id"] for v in read["visitors"]} == {person_id, None}
    page.goto(live_portal.url + "/visits")
    expect(page.locator(f"a[href='/visits/{visit_id}']")).to_be_visible()

    approved = live_portal.api("POST", f"/v1/visits/{visit_id}/approve", security=True,
                               json={"reason": "escort booked for 09:00"})
    assert approved.status_code == 200, approved.text
    badges = {v["badge_number"] for v in approved.json()["visitors"]}
    page.goto(f"{live_portal.url}/visits/{visit_id}")
    expect(page.locator("#visit-status")).to_have_text("Approved")
    expect(page.locator("#decision-reason")).to_have_text("escort booked for 09:00")
    for badge in badges:
        expect(page.locator("main")).to_contain_text(badge)

    page.locator(f"form[action='/visits/{visit_id}/cancel'] button[type=submit]").click()
    expect(page.locator("#visit-status")).to_have_text("Cancelled")
    expect(page.locator(f"form[action='/visits/{visit_id}/cancel']")).to_have_count(0)
    read = httpx.get(f"{live_portal.url}/v1/visits/{visit_id}", headers=headers, timeout=30).json()
    assert read["status"] == "cancelled" and {v["badge_status"] for v in read["visitors"]} == {"expired"}


def test_areas_and_visitors_are_required_next_to_their_inputs(live_portal: Portal, browser_page: Page) -> None:
    page = browser_page
    email, secret = tenant_person(live_portal, page, new_tenant(live_portal))
    sign_in(page, live_portal.url, email, secret)
    page.goto(live_portal.url + "/visits/new")
    fill_window(page, tomorrow_at(10), tomorrow_at(12))
    submit(page)  # no area, no visitor
    expect(page.locator("#e-areas")).to_have_text("Choose at least one area your company may visit (at most 10).")
    page.locator("#a-mmr").check()
    submit(page)
    expect(page.locator("#e-visitors")).to_have_text("Add at least one visitor, a colleague or a guest (at most 20).")
    fill_window(page, datetime.now(BAKU) - timedelta(days=2), datetime.now(BAKU) - timedelta(days=1))
    page.locator("#f-guest_name_0").fill("Past Guest")
    page.locator("#f-guest_company_0").fill("Nowhere LLC")
    page.locator("#f-guest_id_document_type_0").select_option("passport")
    page.locator("#f-guest_id_number_0").fill("P1234567")
    submit(page)
    expect(page.locator("#e-starts_at")).to_have_text("The start must not be in the past.")


def test_another_companys_visit_answers_like_a_missing_one(live_portal: Portal, browser_page: Page) -> None:
    owner = new_tenant(live_portal)
    headers = tenant_api(live_portal, owner)
    made = httpx.post(live_portal.url + "/v1/visits", headers=headers, timeout=30, json={
        "starts_at": tomorrow_at(9).isoformat(), "ends_at": tomorrow_at(11).isoformat(), "areas": ["meet-me-room"],
        "visitors": [{"guest": {"name": "Guest One", "company": "Owner Co", "id_document_type": "passport",
                                "id_number": "P7654321"}}]})
    assert made.status_code == 201, made.text
    visit_id = made.json()["id"]

    page = browser_page
    email, secret = tenant_person(live_portal, page, new_tenant(live_portal))
    sign_in(page, live_portal.url, email, secret)
    theirs = page.goto(f"{live_portal.url}/visits/{visit_id}")
    assert theirs is not None and theirs.status == 404
    body = page.locator("main").inner_text()
    nothing = page.goto(f"{live_portal.url}/visits/{uuid.uuid4()}")
    assert nothing is not None and nothing.status == 404
    assert page.locator("main").inner_text() == body
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    cancel = page.request.post(f"{live_portal.url}/visits/{visit_id}/cancel", form={"csrf_token": csrf or ""},
                               max_redirects=0)
    assert cancel.status == 404
    page.goto(live_portal.url + "/visits")
    expect(page.locator(f"a[href='/visits/{visit_id}']")).to_have_count(0)
    owned = httpx.get(f"{live_portal.url}/v1/visits/{visit_id}", headers=headers, timeout=30).json()
    assert owned["status"] == "pending"


def test_a_rack_the_company_holds_is_an_area_to_visit(live_portal: Portal, browser_page: Page) -> None:
    tenant_id = new_tenant(live_portal)
    netbox_tenant = live_portal.api("GET", f"/v1/tenants/{tenant_id}").json()["netbox_tenant_id"]
    api = pynetbox.api(live_portal.env["COLO_NETBOX_URL"], token=live_portal.env["COLO_NETBOX_TOKEN"])
    s = uuid.uuid4().hex[:8]
    site = api.dcim.sites.create(name=f"Visit {s}", slug=f"visit-{s}").id
    try:
        held = api.dcim.racks.create(name=f"Visit Held {s}", site=site, u_height=42).id
        other = api.dcim.racks.create(name=f"Visit Other {s}", site=site, u_height=42).id
        api.dcim.rack_reservations.create(rack=held, units=[1, 2], user=authenticated_user_id(api),
                                          tenant=netbox_tenant, description=f"visit test {s}")
        synced = httpx.post(live_portal.url + "/v1/netbox/sync", headers=live_portal.ops_headers, timeout=300)
        assert synced.status_code == 200, synced.text

        page = browser_page
        email, secret = tenant_person(live_portal, page, tenant_id)
        sign_in(page, live_portal.url, email, secret)
        page.goto(live_portal.url + "/visits/new")
        expect(page.locator(f"#a-rack-{other}")).to_have_count(0)  # only racks the company holds
        fill_window(page, tomorrow_at(9), tomorrow_at(10))
        page.locator(f"#a-rack-{held}").check()
        page.locator("#f-cage").fill("C-7")
        page.locator("#f-guest_name_0").fill("Rack Visitor")
        page.locator("#f-guest_company_0").fill("Installers Ltd")
        page.locator("#f-guest_id_document_type_0").select_option("driving_licence")
        page.locator("#f-guest_id_number_0").fill("DL998877")
        submit(page)
        expect(page.locator("#visit-status")).to_have_text("Waiting for security")
        expect(page.locator("main")).to_contain_text(f"Visit Held {s}")
        visit_id = page.url.rsplit("/", 1)[1]
        read = live_portal.api("GET", f"/v1/visits/{visit_id}", security=True).json()
        assert read["areas"] == ["cage:C-7", f"rack:{held}"]
    finally:
        remove_sites(api, [site])


def test_a_member_requests_for_guests_without_seeing_the_people_list(live_portal: Portal,
                                                                     browser_page: Page) -> None:
    """The API lets a company member request visits but not list the company's people: the form
    offers a member guest lines only."""
    tenant_id = new_tenant(live_portal)
    headers = tenant_api(live_portal, tenant_id)
    person_id = colleague(live_portal, headers, "Hidden Colleague")
    page = browser_page
    email, secret = tenant_person(live_portal, page, tenant_id, role="tenant_member")
    sign_in(page, live_portal.url, email, secret)
    page.goto(live_portal.url + "/visits/new")
    expect(page.locator("#visitors")).to_be_visible()
    expect(page.locator("input[name=people]")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Hidden Colleague")
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    fill_window(page, tomorrow_at(14), tomorrow_at(15))
    page.locator("#a-mmr").check()
    page.locator("#f-guest_name_0").fill("Member Guest")
    page.locator("#f-guest_company_0").fill("Guest Co")
    page.locator("#f-guest_id_document_type_0").select_option("other")
    page.locator("#f-guest_id_number_0").fill("X-123")
    submit(page)
    expect(page.locator("#visit-status")).to_have_text("Waiting for security")
    assert csrf  # a member may still name a colleague by id, as through the API
    named = page.request.post(live_portal.url + "/visits/new", max_redirects=0, form={
        "csrf_token": csrf, "starts_at": tomorrow_at(16).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": tomorrow_at(17).strftime("%Y-%m-%dT%H:%M"), "zone": "Asia/Baku", "areas": "meet-me-room",
        "people": person_id})
    assert named.status == 303
    visit_id = named.headers["location"].rsplit("/", 1)[1]
    read = httpx.get(f"{live_portal.url}/v1/visits/{visit_id}", headers=headers, timeout=30).json()
    assert [v["person_id"] for v in read["visitors"]] == [person_id]
