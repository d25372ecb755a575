"""The dashboard, the rack page and the account page through the app (no browser): a brand-new
tenant's dashboard reads well with every section empty, the account page carries the profile,
the language choice and "sign out everywhere", a rack id nobody holds answers the same 404 page
however it is spelt, and staff get their short start page, never a tenant's dashboard."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from accounts import service
from colo.identity import Principal, Role
from tenants.schemas import TenantRead

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")

Run = Callable[..., Awaitable[Any]]
PASSWORD = "a long and quite unusual passphrase 42"
OPS = Principal(key_id="tests", role=Role.OPS, tenant_id=None, name="tests")


async def _signed_in(portal: AsyncTestClient, app: Litestar, run_in_app: Run, *, role: Role,
                     tenant_id: uuid.UUID | None = None, name: str = "Dana Dashboard") -> str:
    """An enrolled account of `role` with a live session, its cookie set on the client; its e-mail."""
    email = f"dash-{uuid.uuid4().hex[:10]}@example.com"
    master = app.state.services.keys.master_key
    if tenant_id is None:
        issued = await run_in_app(service.create_staff, email=email, role=role, name=name, created_by="tests",
                                  valid_hours=1)
    else:
        issued = await run_in_app(service.invite, principal=OPS, email=email, name=name, role=role,
                                  valid_hours=1, tenant_id=tenant_id)
    enrolment = await run_in_app(service.begin_enrolment, token=issued.token, master_key=master)
    account = await run_in_app(service.complete_enrolment, token=issued.token, password=PASSWORD,
                               code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    runtime = app.state.web
    session_id = await run_in_app(runtime.sessions.create, account_id=account.id, tenant_id=tenant_id)
    portal.cookies.set(runtime.session_cookie, session_id, domain="testserver.local")
    return email


def _main(html: str) -> str:
    found = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    assert found is not None
    return found.group(1)


async def test_a_new_tenants_dashboard_has_every_section_empty_and_readable(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> None:
    tenant = await make_tenant()
    email = await _signed_in(portal, app, run_in_app, role=Role.TENANT_ADMIN, tenant_id=tenant.id)
    response = await portal.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    main = _main(response.text)
    assert "<h1>Dashboard</h1>" in main
    assert tenant.legal_name in main and "Company administrator" in main
    for empty in ('id="no-racks"', 'id="no-orders"', 'id="no-loas"', 'id="no-visits"'):
        assert empty in main, empty
    assert "Your company holds no rack space yet." in main
    assert 'id="plant-freshness"' not in main  # no racks: no plant data to date
    assert 'href="/people/invite"' in main  # a tenant admin's quick action
    assert 'class="rack-card"' not in main and "<svg" not in main
    assert " style=" not in response.text and "<style" not in response.text
    assert email in response.text  # the header names who is signed in

    az = await portal.get("/", headers={"Accept-Language": "en"}, cookies={"colo_lang": "az"})
    assert az.status_code == 200 and '<html lang="az">' in az.text


async def test_a_tenant_member_sees_no_invitation_and_the_same_empty_sections(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> None:
    tenant = await make_tenant()
    await _signed_in(portal, app, run_in_app, role=Role.TENANT_MEMBER, tenant_id=tenant.id)
    main = _main((await portal.get("/", headers={"Accept-Language": "en"})).text)
    assert "Company member" in main and 'href="/people/invite"' not in main
    assert 'id="no-racks"' in main and 'id="no-orders"' in main


async def test_the_account_page_has_the_profile_language_and_sign_out_everywhere(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> None:
    tenant = await make_tenant()
    email = await _signed_in(portal, app, run_in_app, role=Role.TENANT_ADMIN, tenant_id=tenant.id,
                             name="Aysel Account")
    response = await portal.get("/account", headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    main = _main(response.text)
    profile = re.search(r'<dl id="profile">(.*?)</dl>', main, re.S)
    assert profile is not None
    for shown in ("Aysel Account", email, "Company administrator", tenant.legal_name):
        assert shown in profile.group(1), shown
    assert 'action="/sign-out-everywhere"' in main and 'action="/language"' in main
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', main)
    assert token is not None
    moved = await portal.post("/language", data={"locale": "az", "next": "/account", "csrf_token": token.group(1)},
                             follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/account"
    again = await portal.get("/account", headers={"Accept-Language": "en"})
    assert '<html lang="az">' in again.text  # stored on the account: it wins over the browser's wish
    assert 'id="account-locale-az" name="locale" value="az" checked' in again.text


async def test_the_account_page_needs_a_session(portal: AsyncTestClient) -> None:
    response = await portal.get("/account", headers={"Accept-Language": "en"})
    assert response.status_code == 401 and 'action="/sign-in"' in response.text


async def test_a_rack_nobody_holds_answers_one_404_page_however_its_id_is_spelt(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> None:
    tenant = await make_tenant()
    await _signed_in(portal, app, run_in_app, role=Role.TENANT_MEMBER, tenant_id=tenant.id)
    pages = [await portal.get(path, headers={"Accept-Language": "en"})
             for path in ("/racks/2000000000", "/racks/1", "/racks/99999999999")]
    assert [p.status_code for p in pages] == [404, 404, 404]
    assert len({_main(p.text) for p in pages}) == 1
    assert "This page does not exist, or you may not see it." in pages[0].text


async def test_staff_get_a_start_page_with_their_sections_not_a_dashboard(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run,
) -> None:
    email = await _signed_in(portal, app, run_in_app, role=Role.OPS)
    response = await portal.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    main = _main(response.text)
    assert email in main and "Datacenter operations" in main
    assert 'href="/account"' in main and 'id="no-racks"' not in main
    account = await portal.get("/account", headers={"Accept-Language": "en"})
    assert "The datacenter (staff)" in account.text
