"""The dashboard, the rack page and the account page through the app (no browser): a brand-new
tenant's dashboard reads well with every section empty, an LOA waits on the Z side's dashboard
(not the A side's, whose order waits for it) and a visit shows as upcoming, the account page
carries the profile, the language choice and "sign out everywhere", a rack id nobody holds
answers the same 404 page however it is spelt, and staff get their short start page, never a
tenant's dashboard."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from accounts import service
from colo.identity import Principal, Role
from dcim.netbox import NetBoxGateway
from tenants.schemas import TenantRead
from tests.integration.orders.plant import private_orders_plant

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


async def test_an_loa_waits_on_the_z_sides_dashboard_and_a_visit_is_upcoming(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run, gateway: NetBoxGateway,
    make_tenant: Callable[..., Awaitable[TenantRead]], make_key: Callable[..., Awaitable[Any]],
) -> None:
    async with private_orders_plant(gateway, make_tenant) as plant:
        a, z = plant.tenants["a"], plant.tenants["z"]
        a_key = (await make_key(Role.TENANT_ADMIN, tenant_id=a.id)).headers
        z_key = (await make_key(Role.TENANT_ADMIN, tenant_id=z.id)).headers
        created = await portal.post("/v1/orders", headers=a_key, json={"spec": {
            "kind": "cross_connect", "a_port_id": plant.ports["a"][0], "z_port_id": plant.ports["z"][0],
            "media": "copper", "speed": "10G"}})
        assert created.status_code == 201, created.text
        order = created.json()
        loa = (await portal.get(f"/v1/orders/{order['id']}/loa", headers=a_key)).json()
        now = datetime.now(UTC)
        visit = await portal.post("/v1/visits", headers=z_key, json={
            "starts_at": (now + timedelta(days=1)).isoformat(),
            "ends_at": (now + timedelta(days=1, hours=2)).isoformat(),
            "areas": ["meet-me-room"], "purpose": "patching",
            "visitors": [{"guest": {"name": "Aysel Mammadova", "company": "Fiber Works",
                                    "id_document_type": "passport", "id_number": "C01X00T47"}}]})
        assert visit.status_code == 201, visit.text
        try:
            await _signed_in(portal, app, run_in_app, role=Role.TENANT_MEMBER, tenant_id=z.id)
            z_main = _main((await portal.get("/", headers={"Accept-Language": "en"})).text)
            assert f'<li data-loa-id="{loa["id"]}"><a href="/loas/{loa["id"]}">' in z_main
            assert 'id="no-loas"' not in z_main
            assert f'href="/visits/{visit.json()["id"]}"' in z_main and "Waiting for approval" in z_main
            assert 'id="no-orders"' in z_main  # the order is A's

            portal.cookies.clear()
            await _signed_in(portal, app, run_in_app, role=Role.TENANT_MEMBER, tenant_id=a.id)
            a_main = _main((await portal.get("/", headers={"Accept-Language": "en"})).text)
            row = re.search(rf'<tr data-order-id="{order["id"]}".*?</tr>', a_main, re.S)
            assert row is not None and "letter of authorization (LOA)" in row.group(0)
            assert f'href="/orders/{order["id"]}"' in row.group(0) and "Cross-connect" in row.group(0)
            assert 'id="no-loas"' in a_main and 'id="no-visits"' in a_main  # A decides nothing; Z's visit
        finally:
            await portal.post(f"/v1/orders/{order['id']}/cancel", headers=a_key)
