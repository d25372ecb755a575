"""LOAs in the portal, in a real Chromium against a real `colo serve` and the real NetBox: the Z
side finds the LOA waiting for it, grants it (the order's LOA status moves, as the API shows),
downloads the document (the API's text, byte for byte), the signed file (`colo loa verify` accepts
it) and the PDF (read back: the same text, the signed JSON attached); the refusal path; and
another company's LOA answers exactly like a missing one."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from colo.secretstore import SigningKey
from dcim.orders.loa import parse_time, render_text, sign, verify
from dcim.orders.loa_pdf import loa_pdf
from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, tenant_person
from tests.web.loa_plant import LoaPlant, loa_plant


@pytest.fixture(scope="module")
def plant(live_portal: Portal, netbox_state: NetBoxState) -> Iterator[LoaPlant]:
    with loa_plant(live_portal, netbox_state) as built:
        yield built


def signed_in(portal: Portal, page: Page, tenant_id: str, *, role: str = "tenant_admin") -> str:
    email, secret = tenant_person(portal, page, tenant_id, role=role)
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main h1")).to_be_visible()
    return email


def download(page: Page, link: str, into: Path) -> bytes:
    with page.expect_download() as waiting:
        page.locator(f"a[href='{link}']").click()
    target = into / waiting.value.suggested_filename
    waiting.value.save_as(target)
    return target.read_bytes()


def test_the_z_side_grants_and_downloads_the_signed_loa(live_portal: Portal, plant: LoaPlant, browser_page: Page,
                                                        tmp_path: Path) -> None:
    page = browser_page
    order_id, loa_id = plant.order_cross_connect()
    signed_in(live_portal, page, plant.z_tenant)

    page.goto(live_portal.url + "/loas")
    waiting = page.locator("tr.waiting", has=page.locator(f"a[href='/loas/{loa_id}']"))
    expect(waiting).to_contain_text(plant.a_name)
    waiting.locator("a").click()
    expect(page).to_have_url(f"{live_portal.url}/loas/{loa_id}")
    expect(page.locator("#a-side")).to_contain_text(plant.a_name)
    expect(page.locator("#z-side")).to_contain_text(plant.z_name)
    expect(page.locator("#loa-status")).to_have_text("Waiting for the Z side")

    page.locator("#f-valid_days").fill("30")
    page.locator(f"form[action='/loas/{loa_id}/grant'] button[type=submit]").click()
    expect(page.locator("#loa-status")).to_have_text("Granted")
    expect(page.locator(f"form[action='/loas/{loa_id}/grant']")).to_have_count(0)

    read = plant.a_api("GET", f"/v1/loas/{loa_id}").json()
    assert read["status"] == "loa_granted" and read["signed"] is not None
    document = read["signed"]["document"]
    assert parse_time(document["expires_at"]) - parse_time(document["issued_at"]) == timedelta(days=30)
    assert plant.a_api("GET", f"/v1/orders/{order_id}").json()["loa_status"] == "loa_granted"

    text = download(page, f"/loas/{loa_id}/document", tmp_path)
    api_text = plant.a_api("GET", f"/v1/loas/{loa_id}/text")
    assert api_text.status_code == 200 and text == api_text.content
    assert read["signed"]["signature"].encode() in text

    signed = download(page, f"/loas/{loa_id}/signed", tmp_path)
    assert json.loads(signed) == read["signed"]
    verified = live_portal.colo("loa", "verify", str(tmp_path / f"loa-{loa_id}.json"), "--api", live_portal.url)
    assert f"LOA valid: {loa_id}" in verified and plant.z_name in verified

    pdf = PdfReader(io.BytesIO(download(page, f"/loas/{loa_id}/pdf", tmp_path)))
    lines = [line.rstrip() for page_ in pdf.pages for line in page_.extract_text().split("\n")]
    assert [line.strip() and line for line in lines] == [
        line.strip() and line for line in api_text.text.rstrip("\n").split("\n")]
    attached = pdf.attachments[f"loa-{loa_id}.json"][0]
    assert json.loads(attached) == read["signed"]


def test_the_z_side_refuses_with_a_reason(live_portal: Portal, plant: LoaPlant, browser_page: Page) -> None:
    page = browser_page
    order_id, loa_id = plant.order_cross_connect()
    signed_in(live_portal, page, plant.z_tenant)
    page.goto(f"{live_portal.url}/loas/{loa_id}")
    refuse = page.locator(f"form[action='/loas/{loa_id}/refuse']")
    refuse.locator("#f-reason").fill("   ")  # passes the browser's `required`, not the server
    refuse.locator("button[type=submit]").click()
    expect(page.locator("#e-reason")).to_have_text("Say why you refuse (at most 1000 characters).")
    expect(page.locator("#f-reason")).to_have_attribute("aria-invalid", "true")
    assert plant.a_api("GET", f"/v1/loas/{loa_id}").json()["status"] == "loa_pending"

    page.locator("#f-reason").fill("port promised to another carrier")
    page.locator(f"form[action='/loas/{loa_id}/refuse'] button[type=submit]").click()
    expect(page.locator("#loa-status")).to_have_text("Refused")
    expect(page.locator("#refusal-reason")).to_have_text("port promised to another carrier")
    expect(page.locator(f"a[href='/loas/{loa_id}/pdf']")).to_have_count(0)
    assert page.request.get(f"{live_portal.url}/loas/{loa_id}/pdf").status == 409  # nothing signed to print
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    stale = page.request.post(f"{live_portal.url}/loas/{loa_id}/grant", max_redirects=0,  # a grant form left open
                              form={"csrf_token": csrf or "", "valid_days": "90"},
                              headers={"Accept-Language": "en"})  # as the browser's own requests say
    assert stale.status == 409
    assert "This LOA has been decided already, or its order is closed. Reload the page." in stale.text()

    read = plant.a_api("GET", f"/v1/loas/{loa_id}").json()
    assert read["status"] == "loa_refused" and read["reason"] == "port promised to another carrier"
    assert live_portal.api("POST", f"/v1/orders/{order_id}/review").status_code == 200
    blocked = live_portal.api("POST", f"/v1/orders/{order_id}/approve")
    assert blocked.status_code == 409 and blocked.json()["loa_status"] == "loa_refused"


def test_the_a_side_and_a_member_see_the_loa_but_do_not_decide(live_portal: Portal, plant: LoaPlant,
                                                               browser_page: Page, chromium: Browser) -> None:
    order_id, loa_id = plant.order_cross_connect()
    page = browser_page
    signed_in(live_portal, page, plant.a_tenant)
    page.goto(f"{live_portal.url}/loas")
    expect(page.locator(f"tr.waiting a[href='/loas/{loa_id}']")).to_have_count(0)  # the A side does not answer
    page.locator(f"a[href='/loas/{loa_id}']").click()
    expect(page.locator("#loa-status")).to_have_text("Waiting for the Z side")
    expect(page.locator("form[action$='/grant'], form[action$='/refuse']")).to_have_count(0)
    expect(page.locator(f"a[href='/orders/{order_id}']")).to_be_visible()  # its own order

    context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    try:
        member = context.new_page()
        signed_in(live_portal, member, plant.z_tenant, role="tenant_member")
        member.goto(f"{live_portal.url}/loas")
        expect(member.locator(f"tr.waiting a[href='/loas/{loa_id}']")).to_be_visible()  # the company's to answer
        expect(member.locator("#waiting ~ p.muted")).to_have_text(
            "Your company's administrator grants or refuses these.")
        member.goto(f"{live_portal.url}/loas/{loa_id}")
        expect(member.locator("#loa-status")).to_have_text("Waiting for the Z side")
        expect(member.locator("form[action$='/grant']")).to_have_count(0)
        csrf = member.locator("input[name=csrf_token]").first.get_attribute("value")
        refused = member.request.post(f"{live_portal.url}/loas/{loa_id}/grant",
                                      form={"csrf_token": csrf or "", "valid_days": "90"}, max_redirects=0)
        assert refused.status == 403  # the API's rule: only the Z side's company administrator decides
    finally:
        context.close()
    assert plant.a_api("GET", f"/v1/loas/{loa_id}").json()["status"] == "loa_pending"


def test_another_companys_loa_answers_like_a_missing_one(live_portal: Portal, plant: LoaPlant,
                                                         browser_page: Page) -> None:
    _order_id, loa_id = plant.order_cross_connect()
    page = browser_page
    signed_in(live_portal, page, new_tenant(live_portal))
    missing = f"/loas/{uuid.uuid4()}"
    for suffix in ("", "/document", "/pdf", "/signed"):
        theirs = page.goto(f"{live_portal.url}/loas/{loa_id}{suffix}")
        assert theirs is not None and theirs.status == 404
        body = page.locator("main").inner_text()
        nothing = page.goto(f"{live_portal.url}{missing}{suffix}")
        assert nothing is not None and nothing.status == 404
        assert page.locator("main").inner_text() == body
    page.goto(f"{live_portal.url}/loas")
    expect(page.locator(f"a[href='/loas/{loa_id}']")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("No LOA waits for your decision.")


def test_the_pdf_keeps_names_in_any_script_and_the_signature_verifies() -> None:
    """Azerbaijani letters (schwa, s-cedilla, dotless i) are outside Latin-1: the PDF still carries
    them exactly, and the attached JSON is the signed document itself (its signature checks out)."""
    facility, party, granted_by = "Bak\u0131 Mərkəzi DC", "Azəriş\u0131q Şəbəkə MMC", "Şəhla Əliyeva"
    key = SigningKey(key_id="k-test", private=Ed25519PrivateKey.generate())
    signed = sign({"loa_id": "l-1", "order_id": "o-1", "facility": facility, "issued_at": "2026-12-01T00:00:00Z",
                   "expires_at": "2027-03-01T00:00:00Z", "media": "smf", "speed": "10G", "granted_by": granted_by,
                   "a_side": {"party": party, "port": {"id": 7, "device": "PP-Ə1", "name": "3"}},
                   "z_side": {"party": "Nord Telecom", "port": {"id": 9, "device": "MMR-1", "name": "12"}}}, key)
    reader = PdfReader(io.BytesIO(loa_pdf(text=render_text(signed), signed=signed, loa_id="l-1")))
    extracted = "\n".join(page_.extract_text() for page_ in reader.pages)
    for name in (facility, party, "PP-Ə1", granted_by, signed["signature"]):
        assert name in extracted
    attached = json.loads(reader.attachments["loa-l-1.json"][0])
    checked = verify(attached, trusted={"k-test": key.private.public_key()}, now=parse_time("2026-12-02T00:00:00Z"))
    assert checked.document["a_side"]["party"] == party
