"""The security officer's console, in Debian's Chromium against a real `colo serve`: a company
asks for a visit through the API, the officer approves it in the queue, the badge typed into the
gate screen (as a scanner does: the number and Enter) is ALLOWED and then checked out; an unknown
badge and a badge outside its window are REFUSED with the reason, recorded and alerted as the
API's gate does, and the officer acknowledges the alert with a note; a deny needs a reason; a
company administrator finds no console page (the answer of a missing page)."""

from __future__ import annotations

import base64
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person
from tests.web.people_support import post


def tenant_api(portal: Portal, tenant_id: str) -> dict[str, str]:
    key = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "console tests")
    return {"Authorization": f"Bearer {key}", **client_headers()}


def request_visit(portal: Portal, headers: dict[str, str], *, guest: str, starts: datetime, ends: datetime,
                  escort: bool = False) -> str:
    made = httpx.post(portal.url + "/v1/visits", headers=headers, timeout=30, json={
        "starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "areas": ["meet-me-room"],
        "escort_required": escort, "purpose": "Console test",
        "visitors": [{"guest": {"name": guest, "company": "Fibre Works LLC", "id_document_type": "passport",
                                "id_number": "P1234567"}}]})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def read_visit(portal: Portal, headers: dict[str, str], visit_id: str) -> dict[str, Any]:
    read = httpx.get(f"{portal.url}/v1/visits/{visit_id}", headers=headers, timeout=30)
    assert read.status_code == 200, read.text
    body: dict[str, Any] = read.json()
    return body


def officer(portal: Portal, page: Page) -> None:
    email, secret = staff_person(portal, page, role="security")
    sign_in(page, portal.url, email, secret)
    expect(page.locator("nav.sections")).to_contain_text("Visit queue")


def scan(page: Page, badge: str) -> None:
    """What a badge scanner does: keystrokes into the focused field, then Enter."""
    expect(page.locator("#badge-in")).to_be_focused()
    page.keyboard.type(badge)
    page.keyboard.press("Enter")


def alert_id(portal: Portal, dedup_prefix: str) -> str:
    from siteaccess.tables import Alert

    async def find() -> str:
        row = await Alert.select(Alert.id).where(Alert.dedup_key.like(f"{dedup_prefix}%")).first()
        assert row is not None, dedup_prefix
        return str(row["id"])

    return portal.query(find)


def test_approve_in_the_queue_then_check_in_and_out_at_the_gate(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    headers = tenant_api(portal, new_tenant(portal))
    now = datetime.now(UTC)
    guest = f"Leyla Aliyeva {uuid.uuid4().hex[:6]}"
    visit_id = request_visit(portal, headers, guest=guest, starts=now - timedelta(minutes=5),
                             ends=now + timedelta(hours=2), escort=True)
    officer(portal, page)

    page.goto(portal.url + "/security/visits")
    card = page.locator(f"[id='visit-{visit_id}']")
    expect(card).to_contain_text(guest)
    expect(card).to_contain_text("Meet-me room")
    expect(card).to_contain_text("Required")  # the escort
    card.locator(f"[id='note-{visit_id}']").fill("escort: duty officer")
    card.locator("form[action$='/approve'] button[type=submit]").click()
    expect(page.locator("#queue-status")).to_have_text("The visit was approved; its badges are issued.")
    expect(page.locator(f"[id='visit-{visit_id}']")).to_have_count(0)
    read = read_visit(portal, headers, visit_id)  # what the company's own visit page shows
    assert read["status"] == "approved" and read["decision_reason"] == "escort: duty officer", read
    badge = read["visitors"][0]["badge_number"]
    assert badge and read["visitors"][0]["badge_status"] == "issued"

    page.goto(portal.url + "/gate")
    expect(page.locator("#gate-result")).to_have_count(0)
    scan(page, badge.lower())  # a scanner in lower case still reads the badge
    expect(page.locator("#gate-verdict")).to_have_text("ALLOWED")
    expect(page.locator("#gate-who")).to_contain_text(guest)
    expect(page.locator("#gate-escort")).to_be_visible()
    expect(page.locator("#on-site")).to_contain_text(badge)
    assert read_visit(portal, headers, visit_id)["visitors"][0]["on_site"] is True

    scan(page, badge)  # the same badge again: already inside
    expect(page.locator("#gate-verdict")).to_have_text("REFUSED")
    expect(page.locator("#gate-reason")).to_have_text("This visitor is already on site.")

    page.locator("#badge-out").fill(badge)
    page.locator("form[action='/gate/check-out'] button[type=submit]").click()
    expect(page.locator("#gate-verdict")).to_have_text("ALLOWED")
    expect(page.locator("#gate-result")).to_contain_text("Check-out")
    expect(page.locator("#on-site")).not_to_contain_text(badge)
    visitor = read_visit(portal, headers, visit_id)["visitors"][0]
    assert visitor["on_site"] is False and visitor["checked_out_at"] is not None


def test_refused_badges_are_alerted_and_acknowledged_with_a_note(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    legal_name = portal.api("GET", f"/v1/tenants/{tenant_id}").json()["legal_name"]
    headers = tenant_api(portal, tenant_id)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    visit_id = request_visit(portal, headers, guest="Early Bird", starts=tomorrow, ends=tomorrow + timedelta(hours=2))
    approved = portal.api("POST", f"/v1/visits/{visit_id}/approve", security=True, json={"reason": "fine by us"})
    assert approved.status_code == 200, approved.text
    early = approved.json()["visitors"][0]["badge_number"]
    unknown = "B-" + base64.b32encode(os.urandom(10)).decode()[:10]
    officer(portal, page)

    page.goto(portal.url + "/gate")
    scan(page, unknown)
    expect(page.locator("#gate-verdict")).to_have_text("REFUSED")
    expect(page.locator("#gate-reason")).to_have_text("Unknown badge: no visitor holds this badge.")
    scan(page, "not-a-badge")
    expect(page.locator("#gate-reason")).to_have_text(
        "Not a badge number: a badge reads B- and ten letters or digits.")
    scan(page, early)
    expect(page.locator("#gate-verdict")).to_have_text("REFUSED")
    expect(page.locator("#gate-reason")).to_have_text("Outside the visit's time window.")
    assert read_visit(portal, headers, visit_id)["visitors"][0]["on_site"] is False

    unknown_alert = alert_id(portal, f"unknown_badge:{unknown}:")
    listed = portal.api("GET", "/v1/alerts", security=True, params={"kind": "out_of_window", "limit": 200}).json()
    window_alert = next(a["id"] for a in listed["items"] if a["visit_id"] == visit_id)

    page.goto(portal.url + "/alerts")
    expect(page.locator(f"[id='alert-{unknown_alert}']")).to_contain_text("Unknown badge")
    row = page.locator(f"[id='alert-{window_alert}']")
    expect(row).to_contain_text("Outside the visit's window")
    expect(row).to_contain_text(legal_name)

    page.goto(portal.url + "/alerts?kind=out_of_window")
    expect(page.locator(f"[id='alert-{unknown_alert}']")).to_have_count(0)  # another kind
    row = page.locator(f"[id='alert-{window_alert}']")
    row.locator("button[type=submit]").click()  # no note
    expect(page.locator(f"[id='e-note-{window_alert}']")).to_have_text(
        "Write what you did about it, in 3 to 500 characters.")
    expect(page.locator(f"[id='note-{window_alert}']")).to_have_attribute("aria-invalid", "true")
    page.locator(f"[id='note-{window_alert}']").fill("called the company: they come tomorrow")
    page.locator(f"[id='alert-{window_alert}'] button[type=submit]").click()
    expect(page.locator("#alerts-status")).to_have_text("The alert was acknowledged; your note is in the access log.")
    expect(page.locator(f"[id='alert-{window_alert}']")).to_have_count(0)
    assert "kind=out_of_window" in page.url  # back to the kind the officer was looking at
    handled = page.locator(f"[id='handled-{window_alert}']")  # recently acknowledged, of this kind
    expect(handled).to_contain_text("called the company: they come tomorrow")
    expect(handled).to_contain_text(legal_name)
    expect(page.locator("#handled")).not_to_contain_text("Unknown badge")  # another kind
    everything = portal.api("GET", "/v1/alerts", security=True,
                            params={"kind": "out_of_window", "open_only": "false", "limit": 200}).json()
    done = next(a for a in everything["items"] if a["id"] == window_alert)
    assert done["acknowledged_at"] is not None and done["acknowledged_by"]
    assert done["acknowledgement_note"] == "called the company: they come tomorrow"  # kept on the alert
    entries = portal.access_log(actor=done["acknowledged_by"], wanted=lambda found: any(
        e.get("action") == "alert.acknowledged" for e in found))
    noted = [e for e in entries if e.get("action") == "alert.acknowledged"]
    assert noted and noted[0]["detail"] == "called the company: they come tomorrow", noted


def test_a_deny_needs_a_reason_the_company_then_sees(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    headers = tenant_api(portal, new_tenant(portal))
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    visit_id = request_visit(portal, headers, guest="Denied Guest", starts=tomorrow, ends=tomorrow + timedelta(hours=1))
    officer(portal, page)
    page.goto(portal.url + "/security/visits")
    card = page.locator(f"[id='visit-{visit_id}']")
    card.locator(f"[id='reason-{visit_id}']").fill("  ")
    card.locator("form[action$='/deny'] button[type=submit]").click()
    expect(page.locator(f"[id='e-reason-{visit_id}']")).to_have_text(
        "Give the reason in 3 to 500 characters; the company sees it.")
    expect(page.locator(f"[id='reason-{visit_id}']")).to_have_attribute("aria-invalid", "true")
    assert read_visit(portal, headers, visit_id)["status"] == "pending"

    page.locator(f"[id='reason-{visit_id}']").fill("no escort available that day")
    page.locator(f"[id='visit-{visit_id}'] form[action$='/deny'] button[type=submit]").click()
    expect(page.locator("#queue-status")).to_have_text("The visit was denied; the company sees your reason.")
    read = read_visit(portal, headers, visit_id)
    assert read["status"] == "denied" and read["decision_reason"] == "no escort available that day"
    assert all(v["badge_number"] is None for v in read["visitors"])
    refused = post(page, f"{portal.url}/security/visits/{visit_id}/approve")  # decided already
    assert refused.status == 409 and "decided or withdrawn in the meantime" in refused.text()


def test_a_company_administrator_finds_no_console(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    email, secret = tenant_person(portal, page, new_tenant(portal))
    sign_in(page, portal.url, email, secret)
    expect(page.locator("nav.sections")).to_contain_text("Visits")
    expect(page.locator("nav.sections")).not_to_contain_text("Visit queue")
    for path in ("/security/visits", "/gate", "/alerts"):
        response = page.goto(portal.url + path)
        assert response is not None and response.status == 404, path  # as a missing page
        expect(page.locator("[role=alert]")).to_contain_text("This page does not exist, or you may not see it.")
    for path in (f"/security/visits/{uuid.uuid4()}/approve", "/gate/check-in", f"/alerts/{uuid.uuid4()}/acknowledge"):
        refused = post(page, portal.url + path, badge="B-AAAAAAAAAA", reason="let me in", note="mine")
        assert refused.status == 404, path


def test_who_overstayed_shows_at_the_gate_and_in_the_alerts(live_portal: Portal, browser_page: Page) -> None:
    from siteaccess.tables import Visit

    page, portal = browser_page, live_portal
    headers = tenant_api(portal, new_tenant(portal))
    now = datetime.now(UTC)
    visit_id = request_visit(portal, headers, guest="Late Leaver", starts=now - timedelta(minutes=5),
                             ends=now + timedelta(hours=1))
    approved = portal.api("POST", f"/v1/visits/{visit_id}/approve", security=True, json={"reason": "fine"})
    badge = approved.json()["visitors"][0]["badge_number"]
    entered = portal.api("POST", "/v1/gate/check-in", security=True, json={"badge": badge})
    assert entered.status_code == 200, entered.text

    async def end_the_window() -> None:  # the hour passes: the visit ended a minute ago
        await Visit.update({Visit.ends_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
            Visit.id == uuid.UUID(visit_id))

    officer(portal, page)
    page.goto(portal.url + "/gate")
    expect(page.locator("#on-site")).to_contain_text(badge)
    expect(page.locator("#overstayed")).not_to_contain_text(badge)
    portal.query(end_the_window)
    page.goto(portal.url + "/gate")
    expect(page.locator("#overstayed")).to_contain_text(badge)
    expect(page.locator("#overstayed")).to_contain_text("********ver")  # masked: the tablet is in the entrance
    expect(page.locator("#overstayed")).not_to_contain_text("Late Leaver")
    expect(page.locator("#on-site")).not_to_contain_text(badge)
    page.goto(portal.url + "/alerts?kind=overstay")  # the list sweeps first, as the API does
    listed = portal.api("GET", "/v1/alerts", security=True, params={"kind": "overstay", "limit": 200}).json()
    overstay = next(a["id"] for a in listed["items"] if a["visit_id"] == visit_id)
    expect(page.locator(f"[id='alert-{overstay}']")).to_contain_text("Overstay")
    # leave nobody inside and nothing open behind
    assert portal.api("POST", "/v1/gate/check-out", security=True, json={"badge": badge}).status_code == 200
    done = portal.api("POST", f"/v1/alerts/{overstay}/acknowledge", security=True)
    assert done.status_code == 200, done.text
    page.goto(portal.url + "/alerts?kind=overstay")  # acknowledged through an API key: "By" names the key
    by = page.locator(f"[id='handled-{overstay}'] td").nth(5)
    expect(by).to_have_text("portal tests")  # the key's name (tests/web/browser.py), not its id
    assert done.json()["acknowledged_by"] not in by.inner_text()
