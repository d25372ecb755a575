"""`colo demo screenshots`: pictures of the portal's main pages for the README and docs, taken by
Debian's Chromium from a running Colo (`make run` in another terminal), never drawn by hand.

It acts as a new customer would arrive: one of the demo datacenter's NetBox tenants is adopted
as a Colo tenant (through the API, with an ops key made for the purpose and revoked at the end),
an order, a visit, service-desk tickets and shipments are placed for it (through the API, with a
tenant key also revoked at the end; the ops key works the tickets and receives deliveries at the
dock, a security key refuses two scans at the gate), its administrator is invited, sets a
password and enrols TOTP in the browser, signs in, and every main page is photographed in
English and Azerbaijani; then a security officer, an ops person and the gate's screen account
(staff accounts made for the run) photograph their consoles. Running it again adopts the same
tenant (adoption is idempotent) and invites a new person.
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
from typing import TYPE_CHECKING, Any

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
    ("shipments", "/shipments"),
    ("shipment-new", "/shipments/inbound/new"),
    ("outbound-new", "/shipments/outbound/new"),
    ("service-desk", "/service-desk"),
    ("hands-new", "/service-desk/hands/new"),
    ("trouble-new", "/service-desk/trouble/new"),
    ("notifications", "/notifications"),
    ("people", "/people"),
    ("keys", "/keys"),
    ("account", "/account"),
)
# The consoles, photographed as a security officer, as ops and as the gate's screen account (the
# tablet at the entrance, which also works the loading dock): staff accounts made for the run.
STAFF_PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "security": (("security-visits", "/security/visits"), ("gate", "/gate"), ("alerts", "/alerts"),
                 ("security-shipments", "/security/shipments"), ("access-log", "/access-log"),
                 ("access-review", "/access-review")),
    "ops": (("ops-applications", "/ops/applications"), ("ops-orders", "/ops/orders"),
            ("ops-service-desk", "/ops/service-desk"), ("capacity-map", "/ops/capacity"),
            ("reconciliation", "/ops/reconciliation"), ("tenants", "/ops/tenants"),
            ("staff-accounts", "/staff/accounts")),
    "gate": (("dock", "/dock"),),
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


def _post(run: Run, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any] | None:
    """An API call that makes or changes something: its answer, or None (what needed it is skipped)."""
    response = httpx.post(run.url + path, headers=headers, timeout=60, json=body)
    return response.json() if response.status_code in (200, 201) else None


def _activity(run: Run, tenant_id: str, ops: dict[str, str],
              security: dict[str, str]) -> tuple[list[tuple[str, str]], str]:
    """An order, a visit, tickets and shipments of the tenant's, so their pages have something to show:
    placed through the API with a tenant key made for the run (returned, to be revoked at the end);
    then refusals at the gate, for the alerts page."""
    from datetime import UTC, datetime, timedelta

    key = run.command("keys", "create", "--role", "tenant_admin", "--tenant", tenant_id, "--name", "screenshots")
    tenant = {"Authorization": f"Bearer {key}"}
    pages: list[tuple[str, str]] = []
    racks = httpx.get(run.url + "/v1/racks", headers=tenant, timeout=30).json()["items"]
    rack_id: int | None = racks[0]["netbox_id"] if racks else None
    if rack_id is not None:
        order = _post(run, "/v1/orders", tenant, {"spec": {"kind": "space", "rack_id": rack_id, "units": 2}})
        if order is not None:
            pages.append(("order", f"/orders/{order['id']}"))
    day = (datetime.now(UTC) + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    visit = _post(run, "/v1/visits", tenant, {
        "starts_at": day.isoformat(), "ends_at": (day + timedelta(hours=3)).isoformat(), "areas": ["meet-me-room"],
        "visitors": [{"guest": {"name": "Rauf Məmmədov", "company": "Caspian Fibre MMC",
                                "id_document_type": "national_id", "id_number": "AZE1234567"}}],
        "escort_required": True, "purpose": "Install a patch panel"})
    if visit is not None:
        pages.append(("visit", f"/visits/{visit['id']}"))
    _alerts(run, security, visit["visitors"][0]["id"] if visit else None)
    pages += _service_desk(run, tenant, ops, rack_id)
    pages += _shipments(run, tenant, ops, tenant_id, rack_id)
    return pages, key


def _alerts(run: Run, security: dict[str, str], visitor_id: str | None) -> None:
    """A badge nobody holds scanned at the gate (its alert acknowledged, with a note), then the
    tenant's visitor, whose visit is not approved yet (its alert left open)."""
    _post(run, "/v1/gate/check-in", security, {"badge": "B-UNKNOWN234"})
    alerts = httpx.get(run.url + "/v1/alerts", headers=security, timeout=30).json()["items"]
    if alerts:
        _post(run, f"/v1/alerts/{alerts[0]['id']}/acknowledge", security, {
            "note": "A contractor's expired card from another site; taken back at the desk."})
    if visitor_id is not None:
        _post(run, "/v1/gate/check-in", security, {"visitor_id": visitor_id})


def _service_desk(run: Run, tenant: dict[str, str], ops: dict[str, str], rack_id: int | None) -> list[tuple[str, str]]:
    """A smart-hands request ops accepted and noted on, and a trouble ticket ops asked the tenant about."""
    contact = {"name": "Leyla Əliyeva", "phone": "+994 12 555 01 02", "email": "noc@acme-bank.example"}
    trouble = _post(run, "/v1/service-desk/trouble", tenant, {
        "category": "cross_connect_down", "priority": "high", "title": "Cross-connect to Caspian Fibre down",
        "description": "The link to Caspian Fibre has been down since 09:40; our side shows no light.",
        "contact": contact, "affected": {"rack_ids": [rack_id] if rack_id is not None else []}})
    if trouble is not None:
        _post(run, f"/v1/service-desk/tickets/{trouble['id']}/accept", ops, {})
        _post(run, f"/v1/service-desk/tickets/{trouble['id']}/request-action", ops, {
            "text": "Which port of your patch panel does the cross-connect land on?"})
    hands = _post(run, "/v1/service-desk/hands", tenant, {
        "request_type": "cable_patch", "title": "Reseat the uplink in U12", "contact": contact,
        "where": {"rack_id": rack_id, "units": [12]} if rack_id is not None else {},
        "scope": "Reseat the fibre in port 1 of the core switch and send a photo of the link light.",
        "details": {"action": "reseat", "a_end": "core-sw-1 port 1", "cable_type": "smf"}})
    if hands is None:
        return []
    _post(run, f"/v1/service-desk/tickets/{hands['id']}/accept", ops, {})
    _post(run, f"/v1/service-desk/tickets/{hands['id']}/notes", ops, {"text": "Technician on the way with a SMF kit."})
    return [("service-ticket", f"/service-desk/tickets/{hands['id']}")]


def _shipments(run: Run, tenant: dict[str, str], ops: dict[str, str], tenant_id: str,
               rack_id: int | None) -> list[tuple[str, str]]:
    """Deliveries announced for today (one already received at the dock and shelved), one the dock
    received unannounced, and equipment asked to leave (one request approved, one waiting)."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from colo.cli import settings_or_exit

    today = datetime.now(UTC).astimezone(ZoneInfo(settings_or_exit().time_zone)).date().isoformat()
    tracking = [f"1Z{secrets.token_hex(6).upper()}" for _ in range(3)]
    to_rack = {"deliver_to": f"rack:{rack_id}"} if rack_id is not None else {}
    _post(run, "/v1/shipments/inbound", tenant, {
        "carrier": "DHL Express", "tracking_numbers": [tracking[0]], "boxes": 2, "expected_on": today,
        "description": "Two 1U servers", **to_rack})
    shelved = _post(run, "/v1/shipments/inbound", tenant, {
        "carrier": "UPS", "tracking_numbers": [tracking[1]], "boxes": 1, "expected_on": today,
        "description": "SFP+ optics, 20 pcs"})
    if shelved is not None:
        _post(run, "/v1/dock/receive", ops, {"tracking_number": tracking[1]})
        _post(run, f"/v1/dock/shipments/{shelved['id']}/store", ops, {"location": "3B"})
    _post(run, "/v1/dock/receive", ops, {"tracking_number": tracking[2], "tenant_id": tenant_id,
                                         "carrier": "Azərpoçt", "boxes": 1})
    collect_at = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    for number, what in enumerate(("Retired Dell R640, serial 7XK2QH2", "2 x Juniper EX4300, RMA")):
        outbound = _post(run, "/v1/shipments/outbound", tenant, {
            "description": what, "boxes": 1, "collect_at": collect_at.isoformat(),
            "collector": {"name": "Elvin Quliyev", "company": "Caspian Logistics MMC"}})
        if outbound is not None and number == 0:
            _post(run, f"/v1/shipments/{outbound['id']}/approve", ops, {"reason": "On the tenant's inventory"})
    return [("shipment", f"/shipments/{shelved['id']}")] if shelved is not None else []


def _revoke(run: Run, key: str, *, by: str) -> None:
    """Revoke `key` with the ops key `by` (a tenant may not revoke its own last tenant-admin key)."""
    key_id = httpx.get(run.url + "/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"},
                       timeout=10).json()["key_id"]
    response = httpx.post(run.url + f"/v1/keys/{key_id}/revoke", headers={"Authorization": f"Bearer {by}"},
                          timeout=10, json={"reason": "screenshots taken"})
    if response.status_code != 200:
        raise ScreenshotError(f"revoking the run's key {key_id} failed: {response.status_code} {response.text[:300]}")


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
    security_key = run.command("keys", "create", "--role", "security", "--name", "screenshots")
    extra_pages, tenant_key = _activity(run, tenant_id, ops, {"Authorization": f"Bearer {security_key}"})
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
    for key in (tenant_key, security_key, ops_key):  # made for this run only; the ops key last
        _revoke(run, key, by=ops_key)
    return taken
