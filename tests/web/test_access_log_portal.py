"""The access-log pages in a real browser against a real `colo serve`: a security officer finds a
tenant's API request, opens it, proves it against the signed checkpoint and exports the filter;
an auditor reads but may not revoke; a tenant admin finds no such page (404)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from playwright.sync_api import Browser, Page, expect

from audit.export import verify_export
from audit.keys import parse_published_keys
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person


def tenant_request(portal: Portal, tenant_id: str) -> tuple[str, int]:
    """A request a tenant makes through the API, found in the log: (the key's id, entry index)."""
    secret = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "log robot")
    answer = httpx.get(portal.url + "/v1/auth/whoami", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    key_id = answer.json()["key_id"]
    entries = portal.access_log(actor=key_id, wanted=lambda found: any(e["action"] == "GET /v1/auth/whoami"
                                                                       for e in found))
    entry = next(e for e in entries if e["action"] == "GET /v1/auth/whoami")
    assert entry["tenant_id"] == tenant_id
    return key_id, int(entry["index"])


def until_logged(portal: Portal, params: dict[str, str], within: float = 10.0) -> list[dict[str, Any]]:
    """Entries matching `params`, re-read through the API until there is one (the log is written in batches)."""
    deadline = time.monotonic() + within
    while True:
        answer = portal.api("GET", "/v1/access-log/entries", security=True, params=params)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        if items or time.monotonic() > deadline:
            assert items, params
            return items
        time.sleep(0.2)


def officer(portal: Portal, page: Page, role: str = "security") -> None:
    email, secret = staff_person(portal, page, role=role)
    sign_in(page, portal.url, email, secret)
    expect(page.locator("nav.sections")).to_contain_text("Access log")


def test_officer_searches_proves_and_exports(live_portal: Portal, browser_page: Page, tmp_path: Path) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    key_id, index = tenant_request(portal, tenant_id)
    officer(portal, page)

    page.goto(portal.url + "/access-log")
    expect(page.locator("#integrity")).to_contain_text("Signature verifies")
    expect(page.locator("#witness")).to_contain_text("colo audit witness")
    published = portal.api("GET", "/v1/access-log/keys", security=True).json()["items"]
    expect(page.locator("#vkey")).to_have_text(next(k["vkey"] for k in published if k["current"]))
    page.locator("#f-tenant_id").fill(tenant_id)
    page.locator("#f-action").fill("GET /v1/auth/*")
    page.locator("form.search button[type=submit]").click()
    row = page.locator(f"#entries tr[data-index='{index}']")
    expect(row).to_contain_text("GET /v1/auth/whoami")
    expect(row).to_contain_text(key_id)
    expect(page.locator("#entries tbody tr")).to_have_count(1)  # only this tenant's whoami

    row.get_by_role("link", name=str(index)).click()
    expect(page).to_have_url(re.compile(rf"/access-log/{index}$"))
    expect(page.locator("dl.entry")).to_contain_text(tenant_id)
    page.locator("#prove").click()
    expect(page.locator("#proof")).to_contain_text(re.compile(rf"Verified: entry {index} is in the log of size \d+"))
    expect(page.locator("#proof")).not_to_contain_text("Not verified")

    # the export link carries the same filter, and its CSV holds the entry
    page.go_back()
    page.go_back()
    href = page.locator("#export-csv").get_attribute("href")
    assert href is not None and f"tenant_id={tenant_id}" in href and "format=csv" in href
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [int(r["index"]) for r in rows] == [index]
    assert rows[0]["tenant_id"] == tenant_id and rows[0]["actor_key_id"] == key_id

    # the JSONL export of the same filter verifies against its own checkpoint (audit's verifier)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    jsonl = httpx.get(portal.url + href.replace("format=csv", "format=jsonl"), cookies=cookies, timeout=30,
                      headers={"X-Forwarded-For": "10.9.9.9"})
    assert jsonl.status_code == 200, jsonl.text
    lines = jsonl.content.splitlines()
    assert len(lines) == 2 and f'"index":{index}'.encode() in lines[1]
    extract = tmp_path / "extract.jsonl"
    extract.write_bytes(jsonl.content)
    keys = parse_published_keys(portal.api("GET", "/v1/access-log/keys", security=True).json())
    report = verify_export(extract, keys=keys, origin=None)
    assert report.ok and report.entries == 1, report.summary()


def test_older_pages_keep_the_filter(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    secret = portal.colo("keys", "create", "--role", "tenant_member", "--tenant", tenant_id, "--name", "pager")
    headers = {"Authorization": f"Bearer {secret}"}
    key_id = httpx.get(portal.url + "/v1/auth/whoami", headers=headers, timeout=30).json()["key_id"]
    for _ in range(2):
        assert httpx.get(portal.url + "/v1/auth/whoami", headers=headers, timeout=30).status_code == 200
    logged = portal.access_log(actor=key_id, wanted=lambda found: len(found) >= 3)
    indexes = sorted((int(e["index"]) for e in logged), reverse=True)
    assert len(indexes) == 3
    officer(portal, page)
    page.goto(portal.url + f"/access-log?actor={key_id}&limit=2")
    rows = page.locator("#entries tbody tr")
    expect(rows).to_have_count(2)
    assert [int(i) for i in rows.evaluate_all("rs => rs.map(r => r.dataset.index)")] == indexes[:2]
    page.locator("#older").click()
    expect(rows).to_have_count(1)
    expect(page.locator(f"#entries tr[data-index='{indexes[2]}']")).to_be_visible()
    expect(page.locator("#older")).to_have_count(0)
    assert f"actor={key_id}" in page.url and "limit=2" in page.url
    # a filter the log cannot take is shown on its field, not searched
    response = page.goto(portal.url + "/access-log?outcome=sideways&since=yesterday")
    assert response is not None and response.status == 422
    expect(page.locator("#e-outcome")).to_be_visible()
    expect(page.locator("#e-since")).to_be_visible()


def test_proving_an_entry_past_the_end_is_not_found(live_portal: Portal, browser_page: Page) -> None:
    """No entry, no proof: the Prove page answers 404 for a position past the log's end."""
    page, portal = browser_page, live_portal
    officer(portal, page)
    response = page.goto(portal.url + f"/access-log/{2**52}/proof")
    assert response is not None and response.status == 404


async def any_tenant_account(tenant_id: str) -> str:
    from accounts.tables import Account

    row = await Account.select(Account.id).where(Account.tenant_id == UUID(tenant_id)).first()
    assert row is not None
    return str(row["id"])


def test_auditor_reads_but_cannot_revoke(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    portal.colo("accounts", "invite", "--tenant", tenant_id, "--email", f"m-{uuid.uuid4().hex[:8]}@example.com",
                "--role", "tenant_member")
    key_id, index = tenant_request(portal, tenant_id)
    officer(portal, page, role="auditor")
    page.goto(portal.url + f"/access-log/{index}")
    expect(page.locator("dl.entry")).to_contain_text(key_id)
    page.goto(portal.url + f"/access-review?tenant={tenant_id}")
    expect(page.locator(f"section[data-tenant='{tenant_id}']")).to_contain_text("log robot")
    expect(page.locator("form[action*='/revoke']")).to_have_count(0)
    expect(page.locator("form[action*='/disable']")).to_have_count(0)
    # a forged revoke post, with the auditor's own valid CSRF token: 403, and the key still works
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(portal.url + f"/access-review/keys/{key_id}/revoke",
                               form={"csrf_token": csrf or ""}, max_redirects=0)
    assert answer.status == 403
    account = portal.query(lambda: any_tenant_account(tenant_id))
    forged = page.request.post(portal.url + f"/access-review/accounts/{account}/disable",
                               form={"csrf_token": csrf or ""}, max_redirects=0)
    assert forged.status == 403
    page.goto(portal.url + f"/access-review?tenant={tenant_id}")
    expect(page.locator(f"tr[data-key='{key_id}']")).not_to_contain_text("Revoked")


def test_personal_data_shows_to_the_officer_and_is_withheld_from_the_auditor(
        live_portal: Portal, browser_page: Page, chromium: Browser) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    secret = portal.colo("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "gate robot")
    headers = {"Authorization": f"Bearer {secret}", **client_headers()}
    now = datetime.now(UTC)
    guest = f"Nigar Gate {uuid.uuid4().hex[:6]}"
    made = httpx.post(portal.url + "/v1/visits", headers=headers, timeout=30, json={
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(hours=1)).isoformat(),
        "areas": ["meet-me-room"], "visitors": [{"guest": {
            "name": guest, "company": "Fibre Works LLC", "id_document_type": "passport", "id_number": "P7654321"}}]})
    assert made.status_code == 201, made.text
    approved = portal.api("POST", f"/v1/visits/{made.json()['id']}/approve", security=True, json={"reason": "checked"})
    assert approved.status_code == 200, approved.text
    badge = approved.json()["visitors"][0]["badge_number"]
    entered = portal.api("POST", "/v1/gate/check-in", security=True, json={"badge": badge})
    assert entered.status_code == 200, entered.text

    logged = until_logged(portal, {"tenant_id": tenant_id, "action": "gate.check_in"})
    assert logged[0]["pii"] and guest in logged[0]["pii"]  # the API shows a security key the same

    officer(portal, page)
    page.goto(portal.url + f"/access-log?tenant_id={tenant_id}&action=gate.check_in")
    row = page.locator("#entries tbody tr")
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    expect(page.locator("#pii")).to_contain_text(guest)
    entry_path = page.url.removeprefix(portal.url)

    auditor_context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    try:
        auditor = auditor_context.new_page()
        officer(portal, auditor, role="auditor")
        auditor.goto(portal.url + entry_path)
        expect(auditor.locator("#pii")).to_have_text("[withheld]")
        expect(auditor.locator("dl.entry")).not_to_contain_text(guest)
    finally:
        auditor_context.close()


def test_tenant_admin_finds_no_access_log(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    tenant_id = new_tenant(portal)
    email, secret = tenant_person(portal, page, tenant_id)
    sign_in(page, portal.url, email, secret)
    expect(page.locator("nav.sections")).to_be_visible()
    expect(page.locator("nav.sections")).not_to_contain_text("Access log")
    for path in ("/access-log", "/access-review", "/access-log/0", "/access-log/export?format=csv"):
        response = page.goto(portal.url + path)
        assert response is not None and response.status == 404, path  # as a missing page
        expect(page.locator("main h1")).to_be_visible()


def test_prove_names_an_altered_entry_and_a_foreign_signature() -> None:
    """The Prove button's check (web.access_log_view.prove) on a scratch log of its own: it verifies
    an intact entry, and refuses one a database admin rewrote after it was signed, and a
    checkpoint checked against keys that did not sign it."""
    from concurrent.futures import ThreadPoolExecutor

    from audit.note import verifier_key
    from audit.sequencer import Sequencer
    from audit.service import AccessLog
    from audit.store import PostgresStore
    from colo.crypto import ed25519_from_seed
    from tests import audit_support as support
    from web.access_log_view import prove

    name = f"colo_portal_proof_{uuid.uuid4().hex[:8]}"
    url = f"{support.PG_SERVER}/{name}"
    support.migrate_in_subprocess(url)

    async def scenario() -> list[tuple[bool, str | None, int | None]]:
        store = await PostgresStore.open(url)
        try:
            await support.append(store, 10)
            signer = support.signer()
            access_log = AccessLog(store=store, sequencer=Sequencer(store=store, signer=signer), signer=signer,
                                   keys=[("t1", support.keys()[0])], origin=support.ORIGIN)
            intact = await prove(access_log=access_log, index=4)
            stranger = verifier_key(support.ORIGIN, ed25519_from_seed(bytes(32)))
            foreign = await prove(access_log=AccessLog(
                store=store, sequencer=access_log.sequencer, signer=signer, keys=[("x", stranger)],
                origin=support.ORIGIN), index=4)
            await support.tamper(url, "UPDATE audit_entry SET body = replace(body, '/test/t', '/test/X') WHERE idx = 4")
            altered = await prove(access_log=access_log, index=4)
            neighbour = await prove(access_log=access_log, index=5)
            return [(r.verified, r.problem, r.tree_size) for r in (intact, foreign, altered, neighbour)]
        finally:
            await store.close()

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:  # an event loop of its own
            intact, foreign, altered, neighbour = pool.submit(asyncio.run, scenario()).result()
    finally:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, support.drop_database(name)).result()
    assert intact == (True, None, 10)
    assert foreign[0] is False and foreign[1] is not None and "signature" in foreign[1]
    assert altered == (False, "The inclusion proof does not lead to the signed root.", 10)
    assert neighbour == (True, None, 10)
