"""`colo demo screenshots`: pictures of the portal's main pages for the README and docs, taken by
Debian's Chromium from a running Colo (`make run` in another terminal), never drawn by hand.

It acts as a new customer would arrive: one of the demo datacenter's NetBox tenants is adopted
as a Colo tenant (through the API, with an ops key made for the purpose and revoked at the end),
an order and a visit are placed for it (through the API, with a tenant key also revoked at the
end), its administrator is invited, sets a password and enrols TOTP in the browser, signs in,
and every main page is photographed in English and Azerbaijani; then a security officer and an
ops person (staff accounts made for the run) photograph their consoles. Running it again adopts the same tenant
(adoption is idempotent) and invites a new person.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pyotp

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
DEMO_TENANT = "acme-bank"  # has racks, kit and cross-connects in the demo plant
# (file name, path): the main pages, photographed in both languages
PAGES: tuple[tuple[str, str], ...] = (
    ("dashboard", "/"),
    ("capacity", "/capacity"),
    ("orders", "/orders"),
    ("order-new", "/orders/new"),
    ("loas", "/loas"),
    ("visits", "/visits"),
    ("visit-new", "/visits/new"),
    ("people", "/people"),
    ("keys", "/keys"),
    ("account", "/account"),
)
# The consoles, photographed as a security officer and as ops (staff accounts made for the run).
STAFF_PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "security": (("security-visits", "/security/visits"), ("gate", "/gate"), ("alerts", "/alerts"),
                 ("access-log", "/access-log"), ("access-review", "/access-review")),
    "ops": (("ops-applications", "/ops/applications"), ("ops-orders", "/ops/orders"),
            ("capacity-map", "/ops/capacity"), ("reconciliation", "/ops/reconciliation"),
            ("tenants", "/ops/tenants"), ("staff-accounts", "/staff/accounts")),
}


class ScreenshotError(RuntimeError):
    pass


@dataclass(frozen=True)
class Run:
    url: str
    out: Path
    colo: str

    def command(self, *args: str) -> str:
        done = subprocess.run([self.colo, *args], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise ScreenshotError(f"colo {' '.join(args[:2])} failed: {done.stderr.strip()[-300:]}")
        return done.stdout.strip().splitlines()[-1]


def _netbox_tenant_id(slug: str) -> int:
    """The demo tenant's NetBox id, through the one gateway (devtools may call it on a thread of
    its own: no event loop here)."""
    import asyncio

    from colo.cli import settings_or_exit
    from dcim.netbox import gateway_from_settings

    gateway = gateway_from_settings(settings_or_exit())

    async def find() -> int:
        found = await gateway.call(lambda api: api.tenancy.tenants.get(slug=slug))
        if found is None:
            raise ScreenshotError(f"NetBox has no tenant {slug!r}: run `colo demo seed` (make run does)")
        return int(found.id)

    return asyncio.run(find())


def _tenant(run: Run, ops: dict[str, str]) -> str:
    response = httpx.post(run.url + "/v1/tenants/adopt", headers=ops, timeout=60, json={
        "netbox_tenant_id": _netbox_tenant_id(DEMO_TENANT), "registration_number": "1700012345", "country": "AZ",
        "legal_name": "Acme Bank ASC"})
    if response.status_code not in (200, 201):
        raise ScreenshotError(f"adopting the demo tenant failed: {response.status_code} {response.text[:300]}")
    httpx.post(run.url + "/v1/netbox/sync", headers=ops, timeout=120)
    return str(response.json()["id"])


def _activity(run: Run, tenant_id: str) -> tuple[list[tuple[str, str]], str]:
    """An order and a visit of the tenant's, so their pages have something to show: placed through
    the API with a tenant key made for the run (returned, to be revoked at the end)."""
    from datetime import UTC, datetime, timedelta

    key = run.command("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "screenshots")
    tenant = {"Authorization": f"Bearer {key}"}
    pages: list[tuple[str, str]] = []
    racks = httpx.get(run.url + "/v1/racks", headers=tenant, timeout=30).json()["items"]
    if racks:
        order = httpx.post(run.url + "/v1/orders", headers=tenant, timeout=60, json={
            "spec": {"kind": "space", "rack_id": racks[0]["netbox_id"], "units": 2}})
        if order.status_code == 201:
            pages.append(("order", f"/orders/{order.json()['id']}"))
    day = (datetime.now(UTC) + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    visit = httpx.post(run.url + "/v1/visits", headers=tenant, timeout=30, json={
        "starts_at": day.isoformat(), "ends_at": (day + timedelta(hours=3)).isoformat(), "areas": ["meet-me-room"],
        "visitors": [{"guest": {"name": "Rauf Məmmədov", "company": "Caspian Fibre MMC",
                                "id_document_type": "national_id", "id_number": "AZE1234567"}}],
        "escort_required": True, "purpose": "Install a patch panel"})
    if visit.status_code == 201:
        pages.append(("visit", f"/visits/{visit.json()['id']}"))
    return pages, key


def _revoke(run: Run, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    key_id = httpx.get(run.url + "/v1/auth/whoami", headers=headers, timeout=10).json()["key_id"]
    httpx.post(run.url + f"/v1/keys/{key_id}/revoke", headers=headers, timeout=10, json={"reason": "screenshots taken"})


def _sign_in(page: Page, run: Run, *, link: str, email: str) -> None:
    """Set the account up from its one-time link (a password for this run only, TOTP) and sign in."""
    password = secrets.token_urlsafe(24)
    page.goto(re.sub(r"^https?://[^/]+", run.url, link))
    secret = page.locator("code.secret").get_attribute("data-secret") or ""
    page.locator("#f-password").fill(password)
    page.locator("#f-password_again").fill(password)
    page.locator("#f-code").fill(pyotp.TOTP(secret).now())
    page.locator("form[action='/welcome'] button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(run.url + "/sign-in")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("#f-code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.wait_for_load_state()


def _photograph(page: Page, run: Run, pages: Sequence[tuple[str, str]], *, rack_page: bool) -> list[Path]:
    """Each page in English, then in Azerbaijani (`<name>.az.png`); pages this version lacks are skipped."""
    taken: list[Path] = []
    for language in ("en", "az"):
        if language == "az":
            page.goto(run.url + "/")  # the last page may have been one this version lacks
            page.locator("#locale").select_option("az")
            page.locator("form[action='/language'] button[type=submit]").click()
            page.wait_for_load_state()
        suffix = ".az.png" if language == "az" else ".png"
        for name, path in pages:
            response = page.goto(run.url + path)
            if response is None or response.status >= 400:
                continue
            page.screenshot(path=str(run.out / f"{name}{suffix}"), full_page=True)
            taken.append(run.out / f"{name}{suffix}")
        if rack_page:
            page.goto(run.url + "/")
            racks = page.locator("a[href^='/racks/']")
            if racks.count():
                page.goto(run.url + (racks.first.get_attribute("href") or "/"))
                page.screenshot(path=str(run.out / f"rack{suffix}"), full_page=True)
                taken.append(run.out / f"rack{suffix}")
    return taken


def take(*, url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    colo = shutil.which("colo")
    if colo is None:
        raise ScreenshotError("the colo command is not on PATH (activate .venv)")
    if not Path(CHROMIUM).exists():
        raise ScreenshotError("install Debian's chromium first: make chromium")
    run = Run(url=url.rstrip("/"), out=out, colo=colo)
    try:
        httpx.get(run.url + "/healthz", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        raise ScreenshotError(f"no Colo answers at {run.url} ({exc}): start it with `make run`") from None
    ops_key = run.command("keys", "create", "--role", "ops", "--name", "screenshots")
    ops = {"Authorization": f"Bearer {ops_key}"}
    tenant_id = _tenant(run, ops)
    extra_pages, tenant_key = _activity(run, tenant_id)
    run_id = uuid.uuid4().hex[:6]
    people: list[tuple[str, str, tuple[str, ...], Sequence[tuple[str, str]]]] = [
        ("admin", f"admin-{run_id}@acme-bank.example",
         ("accounts", "invite", "--tenant", tenant_id, "--role", "tenant_admin"), (*PAGES, *extra_pages))]
    people += [(role, f"{role}-{run_id}@dc.example", ("accounts", "create-staff", "--role", role), STAFF_PAGES[role])
               for role in STAFF_PAGES]
    out.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for role, email, command, pages in people:
            link = run.command(*command, "--email", email)
            context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(20_000)
            if role == "admin":
                page.goto(run.url + "/sign-in")
                page.screenshot(path=str(out / "sign-in.png"), full_page=True)
                taken.append(out / "sign-in.png")
            _sign_in(page, run, link=link, email=email)
            taken += _photograph(page, run, pages, rack_page=role == "admin")
            context.close()
        browser.close()
    for key in (tenant_key, ops_key):  # made for this run only
        _revoke(run, key)
    return taken
