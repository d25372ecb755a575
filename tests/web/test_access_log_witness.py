"""The integrity panel's witness line in a real browser against a real `colo serve` configured
with COLO_AUDIT_WITNESS_STATE: a real witness run (`colo audit witness --state DIR`) records the
log's checkpoint; the panel shows its size and age, that the live log extends it and how many
entries it is behind; the portal never writes the witness's state; proving an entry still works.
(The session's portal, configured with none, says "not configured": test_access_log_portal.py.
Forks, rollbacks and foreign keys: tests/integration/test_witness_comparison.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser import AppCall, Portal, new_tenant, sign_in, staff_person, start_portal
from tests.web.test_access_log_portal import tenant_request


@pytest.fixture
def witnessed_portal(live_portal: Portal, portal_env: dict[str, str], app_call: AppCall,
                     tmp_path: Path) -> Iterator[Portal]:
    """A second `colo serve` on the same database and keys, showing the witness's state in tmp_path."""
    state = tmp_path / "witness"
    tenant_request(live_portal, new_tenant(live_portal))  # the log holds entries, signed within 0.5 s
    witnessed = live_portal.colo("audit", "witness", "--state", str(state))
    assert re.fullmatch(r"witnessed size \d+ \(was 0\)", witnessed), witnessed
    portal = start_portal(env={**portal_env, "COLO_AUDIT_WITNESS_STATE": str(state)},
                          log_path=tmp_path / "serve.log", run_in_app=app_call)
    try:
        yield portal
    finally:
        portal.server.stop()


def snapshot(directory: Path) -> dict[str, tuple[bytes, float]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime) for p in sorted(directory.iterdir())}


def test_the_panel_shows_the_witness_and_that_the_log_extends_it(
    witnessed_portal: Portal, browser_page: Page, tmp_path: Path,
) -> None:
    page, portal = browser_page, witnessed_portal
    state = tmp_path / "witness"
    size = int((state / "checkpoint").read_text().splitlines()[1])  # the note: origin, size, root
    before = snapshot(state)
    email, secret = staff_person(portal, page, role="security")
    sign_in(page, portal.url, email, secret)
    _, index = tenant_request(portal, new_tenant(portal))

    page.goto(portal.url + "/access-log")
    witness = page.locator("#witness")
    expect(page.locator("#witness-state")).to_have_text("The log extends the witnessed checkpoint")
    expect(page.locator("#witness-checkpoint")).to_contain_text(f"Last witnessed checkpoint: {size:,} entries")
    expect(witness).to_contain_text(re.compile(r"The witness is \d+ entr(y|ies) behind the log\."))
    expect(witness).to_contain_text(re.compile(r"(second|minute)s? ago"))
    assert snapshot(state) == before  # the portal only reads the witness's state

    page.goto(f"{portal.url}/access-log/{index}")  # proving an entry still works beside it
    page.locator("#prove").click()
    expect(page.locator("#proof")).to_contain_text(re.compile(rf"Verified: entry {index} is in the log of size \d+"))
    assert snapshot(state) == before
