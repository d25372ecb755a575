"""Browser-test support: a real `colo serve` on PostgreSQL driven by Debian's Chromium through
Playwright (never a downloaded browser), and the steps journeys share (set up an account from
its link, sign in with a fresh TOTP code, read the access log through the API)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyotp
from playwright.sync_api import Page, expect

from colo.db import bound_engine
from tests.servers import ColoServer, colo_command

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long and quite unusual passphrase 42"


@dataclass
class Portal:
    """One running server, with what a test needs to act as ops around the browser."""

    server: ColoServer
    env: dict[str, str]
    ops_headers: dict[str, str]
    security_headers: dict[str, str]

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
        """Run database code against the server's database, on a thread of its own (Playwright's
        sync API owns this thread's event loop)."""

        async def bound() -> T:
            async with bound_engine(self.env["COLO_DATABASE_URL"]):
                return await fn()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, bound()).result()

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


def totp_code(secret: str, *, steps_ahead: int = 0) -> str:
    """The code of the current 30 s step, or of a later one (a code is good once: a second
    sign-in of the same account within one step uses the next step's code, still accepted)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(page: Page, link: str, *, password: str = PASSWORD) -> str:
    """Open a set-up or invitation link, set the password and confirm TOTP; returns the secret."""
    page.goto(link)
    secret = page.locator("code.secret").get_attribute("data-secret")
    assert secret and re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert page.get_by_role("link", name=re.compile("authenticator", re.I)).get_attribute(
        "href", timeout=5000).startswith("otpauth://totp/")
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


def start_portal(*, env: dict[str, str], log_path: Path) -> Portal:
    server = ColoServer(env=env, log_path=log_path)
    env = {**env, "COLO_PORT": str(server.port)}  # links printed by the CLI point at this server
    server.env = env
    server.start()
    ops, security = (colo_command("keys", "create", "--role", role, "--name", "portal tests", env=env).strip()
                     for role in ("ops", "security"))
    return Portal(server=server, env=env, ops_headers={"Authorization": f"Bearer {ops}"},
                  security_headers={"Authorization": f"Bearer {security}"})
