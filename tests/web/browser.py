"""Browser-test support: a real `colo serve` on PostgreSQL driven by Debian's Chromium through
Playwright (never a downloaded browser), and the steps journeys share (set up an account from
its link, sign in with a fresh TOTP code, read the access log through the API)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pyotp
from playwright.sync_api import Page, expect

from colo.settings import Settings
from tests.servers import ColoServer, colo_command

CHROMIUM = "/usr/bin/chromium"
type AppCall = Callable[[Callable[[], Awaitable[Any]]], Any]  # blocking: runs a coroutine function on the app's loop
PASSWORD = "a long and quite unusual passphrase 42"


@dataclass
class Portal:
    """One running server, with what a test needs to act as ops around the browser."""

    server: ColoServer
    env: dict[str, str]
    ops_headers: dict[str, str]
    security_headers: dict[str, str]
    run_in_app: AppCall

    @property
    def url(self) -> str:
        return self.server.url

    def colo(self, *args: str) -> str:
        return colo_command(*args, env=self.env).strip()

    def api(self, method: str, path: str, *, security: bool = False, **kwargs: Any) -> httpx.Response:
        """Call the API as ops (or as a security officer, who reads the access log)."""
        headers = self.security_headers if security else self.ops_headers
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def query[T](self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run database code against the server's database (the test session's, see `portal_env`),
        on the test session's app's event loop, through its engine. Colo binds its tables
        process-wide (colo.db.bind_tables), so a second engine in this process — on a loop of its
        own — would pull the session app's background passes onto the wrong loop."""
        result: T = self.run_in_app(fn)
        return result

    def today(self) -> date:
        """The facility's date now (COLO_TIME_ZONE): what the dock calls "today", which is not the
        test machine's UTC date for part of every day."""
        return datetime.now(UTC).astimezone(ZoneInfo(self.env.get("COLO_TIME_ZONE") or Settings().time_zone)).date()

    def account_id(self, email: str) -> UUID:
        from accounts.tables import Account

        async def find() -> UUID:
            row = await Account.select(Account.id).where(Account.email == email).first()
            assert row is not None, email
            found: UUID = row["id"]
            return found

        return self.query(find)

    def access_log(self, *, actor: str, wanted: Callable[[list[dict[str, Any]]], bool],
                   within: float = 10.0) -> list[dict[str, Any]]:
        """Entries of `actor`, re-read until `wanted(entries)` (the log is written in batches)."""
        deadline = time.monotonic() + within
        while True:
            response = self.api("GET", "/v1/access-log/entries", security=True, params={"actor": actor, "limit": 200})
            assert response.status_code == 200, response.text
            body = response.json()
            entries: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
            if wanted(entries) or time.monotonic() > deadline:
                return entries
            time.sleep(0.2)


def client_headers() -> dict[str, str]:
    """An address of its own for one browser or client (the test server trusts 127.0.0.1 as a proxy)."""
    n = uuid.uuid4().int
    return {"X-Forwarded-For": f"10.{n % 250 + 1}.{(n >> 8) % 250 + 1}.{(n >> 16) % 250 + 1}"}


def totp_code(secret: str, *, steps_ahead: int = 0) -> str:
    """The code of the current 30 s step, or of a later one (a code is good once: a second
    sign-in of the same account within one step uses the next step's code, still accepted)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(page: Page, link: str, *, password: str = PASSWORD) -> str:
    """Open a set-up or invitation link, set the password and confirm TOTP; returns the secret."""
    page.goto(link)
    secret = page.locator("code.secret").get_attribute("data-secret")
    assert secret and re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = page.locator("a[href^='otpauth://totp/']").get_attribute("href", timeout=5000)
    assert uri is not None and f"secret={secret}" in uri
    page.locator("#f-password").fill(password)
    page.locator("#f-password_again").fill(password)
    page.locator("#f-code").fill(totp_code(secret))
    page.locator("form[action='/welcome'] button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_be_visible()
    return secret


def sign_in(page: Page, base_url: str, email: str, secret: str, *, password: str = PASSWORD,
            steps_ahead: int = 1) -> None:
    page.goto(base_url + "/sign-in")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("#f-code").fill(totp_code(secret, steps_ahead=steps_ahead))
    page.locator("form[action='/sign-in'] button[type=submit]").click()


def session_cookie(page: Page) -> dict[str, Any] | None:
    return next((c for c in page.context.cookies() if c["name"].endswith("colo_session")), None)


def start_portal(*, env: dict[str, str], log_path: Path, run_in_app: AppCall) -> Portal:
    """`run_in_app`: the `app_call` fixture — the server must use the test session's database."""
    server = ColoServer(env=env, log_path=log_path)
    env = {**env, "COLO_PORT": str(server.port)}  # links printed by the CLI point at this server
    server.env = env
    server.start()
    ops, security = (colo_command("keys", "create", "--role", role, "--name", "portal tests", env=env).strip()
                     for role in ("ops", "security"))
    return Portal(server=server, env=env, ops_headers={"Authorization": f"Bearer {ops}"},
                  security_headers={"Authorization": f"Bearer {security}"}, run_in_app=run_in_app)


def new_tenant(portal: Portal, legal_name: str | None = None) -> str:
    """An active tenant made the way a company becomes one: it applies, ops approve (the API)."""
    number = f"HRB{uuid.uuid4().int % 10**8:08d}"
    contact = {"name": "Tech Person", "email": "tech@example.com", "phone": "+49 30 1234567"}
    applied = httpx.post(portal.url + "/v1/applications", timeout=30, headers=client_headers(), json={
        "legal_name": legal_name or f"Portal Tenant {number} GmbH", "registration_number": number, "country": "DE",
        "address": {"street": "Parkring 1", "postal_code": "10115", "city": "Berlin"},
        "billing_contact": contact, "technical_contact": contact, "services_of_interest": ["rack_space"]})
    assert applied.status_code == 201, applied.text
    approved = portal.api("POST", f"/v1/applications/{applied.json()['id']}/approve", json={})
    assert approved.status_code == 200, approved.text
    return str(approved.json()["tenant"]["id"])


def tenant_person(portal: Portal, page: Page, tenant_id: str, *, role: str = "tenant_admin") -> tuple[str, str]:
    """A tenant's person with an account set up in `page`'s browser: (e-mail, TOTP secret)."""
    email = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}@example.com"
    link = portal.colo("accounts", "invite", "--tenant", tenant_id, "--email", email, "--role", role)
    return email, enrol(page, link)


def staff_person(portal: Portal, page: Page, *, role: str = "ops") -> tuple[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    return email, enrol(page, portal.colo("accounts", "create-staff", "--email", email, "--role", role))
