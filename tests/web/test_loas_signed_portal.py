"""The LOA page's signed upload in a real Chromium against a `colo serve` with a trust list (the
real PKI on loopback, tests/pki.py): the Z side's administrator downloads the LOA to sign, a
revoked certificate's signature is refused next to the file input, a valid one grants it and the
page then offers the countersigned PDF; axe finds no serious or critical violation on the page
with the upload form, and with a refusal shown, in Azerbaijani and in English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.netbox.paths import NetBoxState
from tests.pki import LoopbackPki
from tests.web.browser import AppCall, Portal, client_headers, sign_in, start_portal, tenant_person
from tests.web.loa_plant import LoaPlant, loa_plant
from tests.web.test_accessibility import LANGUAGES, check

ALICE = "serialNumber:PNOAZ-1111111"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackPki]:
    with LoopbackPki.serve(tmp_path_factory.mktemp("browser-pki-keys")) as served:
        yield served


@pytest.fixture(scope="module")
def pki_portal(portal_env: dict[str, str], app_call: AppCall, pki: LoopbackPki,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A `colo serve` of its own whose COLO_LOA_TRUST_LIST is the loopback PKI's root."""
    trust = pki.write_trust_dir(tmp_path_factory.mktemp("browser-trust"))
    portal = start_portal(env={**portal_env, "COLO_LOA_TRUST_LIST": str(trust)},
                          log_path=tmp_path_factory.mktemp("pki-portal") / "serve.log", run_in_app=app_call)
    try:
        yield portal
    finally:
        portal.server.stop()


@pytest.fixture(scope="module")
def plant(pki_portal: Portal, netbox_state: NetBoxState) -> Iterator[LoaPlant]:
    with loa_plant(pki_portal, netbox_state) as built:
        key = pki_portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", built.z_tenant,
                              "--name", "z signers").strip()
        added = httpx.post(pki_portal.url + "/v1/people", timeout=30, json={
            "name": "Alice Aliyeva", "email": "alice@z.example", "signing_identity": ALICE},
            headers={"Authorization": f"Bearer {key}", **client_headers()})
        assert added.status_code == 201, added.text
        yield built


def _signed_in_z(portal: Portal, page: Page, plant: LoaPlant) -> None:
    email, secret = tenant_person(portal, page, plant.z_tenant)
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main h1")).to_be_visible()


def _to_sign(page: Page, loa_id: str, into: Path) -> bytes:
    with page.expect_download() as waiting:
        page.locator(f"a[href='/loas/{loa_id}/pdf']").click()
    assert "to-sign" in waiting.value.suggested_filename
    target = into / waiting.value.suggested_filename
    waiting.value.save_as(target)
    return target.read_bytes()


def _upload(page: Page, loa_id: str, pdf: bytes) -> None:
    form = page.locator(f"form[action='/loas/{loa_id}/grant-signed']")
    form.locator("#f-file").set_input_files(files=[{"name": "loa-signed.pdf", "mimeType": "application/pdf",
                                                    "buffer": pdf}])
    form.locator("button[type=submit]").click()


def test_the_z_side_grants_by_uploading_the_signed_pdf(pki_portal: Portal, plant: LoaPlant, pki: LoopbackPki,
                                                        browser_page: Page, tmp_path: Path) -> None:
    page = browser_page
    _order, loa_id = plant.order_cross_connect()
    _signed_in_z(pki_portal, page, plant)
    page.goto(f"{pki_portal.url}/loas/{loa_id}")
    expect(page.locator("#sign-with-certificate")).to_have_text("Grant with your certificate")
    to_sign = _to_sign(page, loa_id, tmp_path)

    _upload(page, loa_id, pki.sign(to_sign, "bob"))
    expect(page.locator("#e-file")).to_have_text("Your certificate has been revoked.")
    expect(page.locator("#f-file")).to_have_attribute("aria-invalid", "true")
    assert plant.a_api("GET", f"/v1/loas/{loa_id}").json()["status"] == "loa_pending"

    _upload(page, loa_id, pki.sign(to_sign, "alice"))
    expect(page.locator("#loa-status")).to_have_text("Granted")
    expect(page.locator(f"form[action='/loas/{loa_id}/grant-signed']")).to_have_count(0)
    assert plant.a_api("GET", f"/v1/loas/{loa_id}").json()["status"] == "loa_granted"
    with page.expect_download() as waiting:
        page.locator(f"a[href='/loas/{loa_id}/pdf']").click()
    assert waiting.value.suggested_filename == f"loa-{loa_id}-signed.pdf"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_signed_upload_has_no_serious_accessibility_violation(
    pki_portal: Portal, chromium: Browser, plant: LoaPlant, pki: LoopbackPki, language: str, tmp_path: Path,
) -> None:
    _order, loa_id = plant.order_cross_connect()
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        _signed_in_z(pki_portal, page, plant)
        assert page.locator("html").get_attribute("lang") == language
        page.goto(f"{pki_portal.url}/loas/{loa_id}")
        expect(page.locator(f"form[action='/loas/{loa_id}/grant-signed']")).to_be_visible()
        check(page, "/loas/{id} (signed upload offered)", found)
        _upload(page, loa_id, _to_sign(page, loa_id, tmp_path))  # not signed at all
        expect(page.locator("#e-file")).to_be_visible()
        check(page, "/loas/{id} (signed upload refused)", found)
    finally:
        context.close()
    assert not found, found
