"""The portal through the app (no browser): security headers, CSRF, static files, the docs UI
without a CDN, and the access log naming the person."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


async def test_start_page_is_the_sign_in_form_with_strict_headers(portal: AsyncTestClient) -> None:
    response = await portal.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert 'action="/sign-in"' in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert response.headers["cache-control"] == "no-store"
    # no inline script or style in the page itself
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert "<style" not in response.text and " style=" not in response.text


async def test_language_from_accept_language(portal: AsyncTestClient) -> None:
    az = await portal.get("/sign-in", headers={"Accept-Language": "az,en;q=0.5"})
    en = await portal.get("/sign-in", headers={"Accept-Language": "en-GB,en;q=0.9,az;q=0.1"})
    assert '<html lang="az">' in az.text and "Daxil ol" in az.text
    assert '<html lang="en">' in en.text and "Sign in" in en.text


async def test_portal_routes_answer_options(portal: AsyncTestClient) -> None:
    response = await portal.options("/sign-in")
    assert response.status_code == 204 and "POST" in response.headers["allow"]


async def test_a_form_post_without_its_csrf_token_is_refused(portal: AsyncTestClient) -> None:
    await portal.get("/sign-in")  # gets the CSRF binding cookie
    response = await portal.post("/sign-in", data={"email": "a@example.com", "password": "x", "code": "123456"})
    assert response.status_code == 403
    forged = await portal.post("/sign-in", data={"email": "a@example.com", "password": "x", "code": "123456",
                                                 "csrf_token": "0" * 64})
    assert forged.status_code == 403


async def test_a_form_post_with_its_token_gets_through(portal: AsyncTestClient) -> None:
    page = await portal.get("/sign-in", headers={"Accept-Language": "en"})
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert token is not None
    response = await portal.post("/sign-in", data={"email": "nobody@example.com", "password": "wrong password",
                                                   "code": "123456", "csrf_token": token.group(1)},
                                 headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "The e-mail address, password or code is wrong." in response.text


async def test_static_files_have_content_digests_and_long_cache(portal: AsyncTestClient) -> None:
    page = await portal.get("/sign-in")
    urls = re.findall(r'(?:href|src)="(/static/[0-9a-f]{12}/[^"]+)"', page.text)
    assert any(u.endswith("/colo.css") for u in urls) and any(u.endswith("/vendor/htmx.min.js") for u in urls)
    for url in urls:
        response = await portal.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    stale = re.sub(r"/static/[0-9a-f]{12}/", "/static/000000000000/", urls[0])
    assert (await portal.get(stale)).status_code == 404


async def test_api_docs_load_nothing_from_a_cdn(portal: AsyncTestClient) -> None:
    for path in ("/schema", "/schema/swagger"):
        page = await portal.get(path)
        assert page.status_code == 200
        external = re.findall(r'(?:href|src)="(https?://[^"]+)"', page.text)
        assert external == [], external
        for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
            assert (await portal.get(url)).status_code == 200, url


async def test_refusals_are_in_the_access_log_with_their_reason(portal: AsyncTestClient, make_key: Any) -> None:
    import asyncio

    security = await make_key(Role.SECURITY)
    await portal.get("/sign-in")
    refused = await portal.post("/sign-in", data={"email": "x@example.com", "password": "p", "code": "1"},
                                headers={"User-Agent": f"csrf-probe-{uuid.uuid4().hex}"})
    assert refused.status_code == 403
    agent = refused.request.headers["user-agent"]
    for _ in range(50):  # the log is written in batches of ≤50 ms
        listed = await portal.get("/v1/access-log/entries", headers=security.headers,
                                  params={"action": "POST /sign-in", "outcome": "denied", "limit": 50})
        assert listed.status_code == 200, listed.text
        body = listed.json()
        entries = body["items"] if isinstance(body, dict) else body
        mine = [e for e in entries if e.get("user_agent") == agent]
        if mine:
            break
        await asyncio.sleep(0.1)
    assert mine and mine[0]["detail"] == "csrf" and mine[0]["status"] == 403


def test_every_portal_route_is_in_a_policy_table(app: Litestar) -> None:
    """The portal's guard denies by default: each of its routes is signed-in (its own entry in
    accounts/POLICY, or the API operation it performs, `acts_as`, in the merged table) or public
    (PORTAL_PUBLIC), and the portal's own tables name no route that does not exist."""
    from accounts.policy import POLICY, PORTAL_PUBLIC
    from api.guards import is_automatic_options, load_access_policy, operation_id_of
    from web.guard import policy_operation, portal_guard

    handlers = [handler for route in app.routes for handler in getattr(route, "route_handlers", [])
                if portal_guard in handler.resolve_guards() and not is_automatic_options(handler)]
    portal_ops = {operation_id_of(handler) for handler in handlers}
    assert None not in portal_ops and len(portal_ops) >= 12
    acting = {handler.opt["acts_as"] for handler in handlers if "acts_as" in handler.opt}
    merged = set(load_access_policy().roles)
    assert acting <= merged, acting - merged
    guarded_by = {policy_operation(handler) for handler in handlers}
    assert guarded_by <= merged | set(PORTAL_PUBLIC), guarded_by - merged - set(PORTAL_PUBLIC)
    # the portal's own rows (accounts/policy.py) each guard a route: none is stale
    assert (set(PORTAL_PUBLIC) | set(POLICY)) - {"portal_static"} <= guarded_by | portal_ops
