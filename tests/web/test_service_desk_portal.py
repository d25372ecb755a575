"""The service desk in the portal, in Debian's Chromium against a real `colo serve`, in
Azerbaijani and in English, with axe-core on every page: a company's person asks for smart hands
from the form the catalogue builds (an empty form is refused next to its inputs), reports a fault,
and follows the ticket (an attachment whose file is not on the server shows a message, not an
error; a completed ticket offers no upload); ops find it in their queue (least SLA time left
first), accept, start, log time (billed in 30-minute steps) and complete it; the company then sees
it completed and reopens it.
The company's people are offered no ops action, and ops none of the company's."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from servicedesk.attachments import blob_path
from tests.api.servicedesk.test_attachments_isolation import png
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person
from tests.web.dashboard_plant import dashboard_plant
from tests.web.test_accessibility import LANGUAGES, check

PNG = png()


@pytest.mark.parametrize("language", LANGUAGES)
def test_service_desk_pages_work_and_have_no_serious_accessibility_violation(
    live_portal: Portal, chromium: Browser, language: str,
) -> None:
    portal, base = live_portal, live_portal.url
    tenant_id = new_tenant(portal)
    title = f"Find parcel {uuid.uuid4().hex[:6]}"
    context = chromium.new_context(extra_http_headers=client_headers())
    cookie = {"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}
    context.add_cookies([cookie])
    staff_context = chromium.new_context(extra_http_headers=client_headers())
    staff_context.add_cookies([cookie])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        email, secret = tenant_person(portal, page, tenant_id)
        sign_in(page, base, email, secret)
        assert page.locator("html").get_attribute("lang") == language
        page.goto(base + "/service-desk")
        expect(page.locator("#no-tickets")).to_be_visible()
        check(page, "/service-desk (empty)", found)
        page.goto(base + "/service-desk/hands/new?type=locate_package")
        expect(page.locator("#f-d_tracking_number")).to_be_visible()  # the type's own fields
        check(page, "/service-desk/hands/new", found)
        page.locator("#hands-form button[type=submit]").click()
        expect(page.locator("#hands-form .error").first).to_be_visible()
        check(page, "/service-desk/hands/new (refused)", found)
        page.locator("#f-title").fill(title)
        page.locator("#f-scope").fill("A box from DHL for us, please find it")
        page.locator("#f-d_tracking_number").fill("1Z999AA10123456784")
        page.locator("#f-contact_name").fill("Leyla Mammadova")
        page.locator("#hands-form button[type=submit]").click()
        expect(page.locator("#ticket-state")).to_have_attribute("data-state", "submitted")
        ticket_url = page.url
        assert page.locator("#action-accept").count() == 0 and page.locator("#action-cancel").count() == 1
        check(page, "/service-desk/tickets/{id}", found)
        page.locator("#f-file").set_input_files(files=[{"name": "label.jpg", "mimeType": "image/jpeg",
                                                        "buffer": b"MZ\x90\x00" + b"\x00" * 64}])
        page.locator("#attach-form button[type=submit]").click()
        expect(page.locator("#e-attach")).to_be_visible()  # a program named .jpg
        check(page, "/service-desk/tickets/{id} (attachment refused)", found)
        photo = PNG + uuid.uuid4().bytes  # bytes of this test's own: its file is removed below
        page.locator("#f-file").set_input_files(files=[{"name": "label.png", "mimeType": "image/png",
                                                        "buffer": photo}])
        page.locator("#attach-form button[type=submit]").click()
        expect(page.locator("#attachments li")).to_have_count(1)
        # the file lost from the disk (a database restored without it): the ticket page says so, not a 500
        attachments_dir = Path(portal.env.get("COLO_ATTACHMENTS_DIR", "./var/attachments"))
        blob_path(attachments_dir, hashlib.sha256(photo).hexdigest()).unlink()
        link = page.locator("#attachments li a").get_attribute("href")
        lost = page.goto(base + str(link))
        assert lost is not None and lost.status == 404
        expect(page.locator("[role=alert]")).to_be_visible()
        if language == "en":
            expect(page.locator("[role=alert]")).to_contain_text("not stored on this server")
        check(page, "/service-desk/tickets/{id}/attachments/{id} (file not stored)", found)
        page.goto(ticket_url)
        page.goto(base + "/service-desk/trouble/new")
        check(page, "/service-desk/trouble/new", found)
        page.locator("#f-title").fill("Too warm in our row")
        page.locator("#f-description").fill("Inlet temperature 31 °C since 09:00")
        page.locator("#f-category").select_option("environmental")
        page.locator("#f-contact_name").fill("Leyla Mammadova")
        page.locator("#trouble-form button[type=submit]").click()
        expect(page.locator("#ticket-state")).to_have_attribute("data-state", "submitted")
        page.goto(base + "/service-desk")
        expect(page.locator("#tickets tbody tr")).to_have_count(2)
        check(page, "/service-desk", found)

        tenant_page = page  # the company's person stays signed in; ops work in a browser of their own
        page = staff_context.new_page()
        staff_email, staff_secret = staff_person(portal, page, role="ops")
        sign_in(page, base, staff_email, staff_secret)
        page.goto(base + "/ops/service-desk")
        row = page.locator("#queue tr", has_text=title)
        expect(row).to_be_visible()
        check(page, "/ops/service-desk", found)
        page.goto(ticket_url)
        assert page.locator("#action-answer").count() == 0 and page.locator("#action-reopen").count() == 0
        page.locator("#action-accept button[type=submit]").click()
        page.locator("#action-start button[type=submit]").click()
        expect(page.locator("#ticket-state")).to_have_attribute("data-state", "in_progress")
        page.locator("#action-time button[type=submit]").click()  # no minutes: refused next to the input
        expect(page.locator("#e-time")).to_be_visible()
        check(page, "/service-desk/tickets/{id} (ops, refused)", found)
        page.locator("#m-time").fill("35")
        page.locator("#action-time button[type=submit]").click()
        expect(page.locator("#time-spent")).to_contain_text("60")
        page.locator("#t-complete").fill("Found on shelf 3, delivered to the cage")
        page.locator("#action-complete button[type=submit]").click()
        expect(page.locator("#ticket-state")).to_have_attribute("data-state", "completed")
        check(page, "/service-desk/tickets/{id} (ops, completed)", found)

        page = tenant_page
        page.goto(ticket_url)
        expect(page.locator("#ticket-state")).to_have_attribute("data-state", "completed")
        expect(page.locator("#ticket-history li")).to_have_count(6)  # opened, attached, accepted, started, time, done
        assert page.locator("#attach-form").count() == 0  # a completed ticket takes no files
        page.locator("#t-reopen").fill("It was the wrong box")
        page.locator("#action-reopen button[type=submit]").click()
        expect(page.locator("#ticket-state")).to_have_attribute("data-state", "submitted")
        check(page, "/service-desk/tickets/{id} (reopened)", found)
    finally:
        context.close()
        staff_context.close()
    assert found == {}, found


def test_a_smart_hands_ticket_reads_in_labels_and_rack_names_and_ops_see_their_own_state_words(
    live_portal: Portal, chromium: Browser,
) -> None:
    """The catalogue's fields and choices appear as the portal's labels (not `a_end`, `smf`), in
    the form and on the ticket; the rack by its name, not its NetBox id; a ticket waiting on the
    company reads "Waiting for the company" in ops' queue, "Your answer needed" to the company."""
    portal, base = live_portal, live_portal.url
    with dashboard_plant(portal) as plant:
        created = httpx.post(base + "/v1/service-desk/hands", headers=plant.buyer_key, timeout=30, json={
            "request_type": "cable_patch", "title": f"Reseat {plant.suffix}", "scope": "Reseat the uplink",
            "where": {"rack_id": plant.main_rack, "units": plant.mine[:1]}, "contact": {"name": "Nigar Aliyeva"},
            "details": {"action": "reseat", "a_end": "sw1 port 3", "cable_type": "smf"}})
        assert created.status_code == 201, created.text
        ticket = created.json()["id"]
        for step, body in (("accept", None), ("request-action", {"text": "Which cable is it?"})):
            moved = portal.api("POST", f"/v1/service-desk/tickets/{ticket}/{step}", json=body)
            assert moved.status_code == 200, moved.text
        context = chromium.new_context(extra_http_headers=client_headers())
        staff_context = chromium.new_context(extra_http_headers=client_headers())
        for each in (context, staff_context):
            each.add_cookies([{"name": "colo_lang", "value": "en", "domain": "127.0.0.1", "path": "/"}])
        try:
            page = context.new_page()
            email, secret = tenant_person(portal, page, plant.buyer_id)
            sign_in(page, base, email, secret)
            page.goto(base + "/service-desk/hands/new?type=cable_patch")
            expect(page.locator("label[for=f-d_a_end]")).to_have_text("From (device and port)")
            expect(page.locator("#f-d_cable_type option[value=smf]")).to_have_text("Single-mode fibre")
            page.goto(f"{base}/service-desk/tickets/{ticket}")
            facts = page.locator("#ticket-facts")
            expect(facts).to_contain_text("From (device and port)")
            expect(facts).to_contain_text("Reseat")
            expect(facts).to_contain_text("Single-mode fibre")
            for raw in ("a_end", "cable_type", "smf"):
                expect(facts).not_to_contain_text(raw)
            expect(page.locator("#ticket-rack")).to_contain_text(plant.main_name)
            assert not page.locator("#ticket-rack").inner_text().startswith(str(plant.main_rack))
            expect(page.locator("#ticket-state")).to_have_text("Your answer needed")

            staff = staff_context.new_page()
            staff_email, staff_secret = staff_person(portal, staff, role="ops")
            sign_in(staff, base, staff_email, staff_secret)
            staff.goto(base + "/ops/service-desk")
            row = staff.locator(f"#queue tr[data-ticket-id='{ticket}']")
            expect(row).to_contain_text("Waiting for the company")
            expect(row).not_to_contain_text("Your answer needed")
            staff.goto(f"{base}/service-desk/tickets/{ticket}")
            expect(staff.locator("#ticket-state")).to_have_text("Waiting for the company")
            expect(staff.locator("#ticket-rack")).to_contain_text(plant.main_name)  # staff: any rack by name
        finally:
            context.close()
            staff_context.close()
