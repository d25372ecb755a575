"""The order form through the app (no browser): staff are told that they order for a tenant through
the API; and when NetBox cannot be reached — ordering reads the live plant before anything is
stored — the form answers 503 with what was typed and says that nothing was ordered, not the
generic error page. NetBox is made unreachable for real: the app's provisioner talks to a closed
port for the length of the test (as tests/faults do)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from accounts import service
from colo.identity import Principal, Role
from dcim.netbox import NetBoxGateway
from dcim.netbox.provisioning import Provisioner
from tenants.schemas import TenantRead

Run = Callable[..., Awaitable[Any]]
PASSWORD = "a long and quite unusual passphrase 42"
OPS = Principal(key_id="tests", role=Role.OPS, tenant_id=None, name="tests")


async def _signed_in(portal: AsyncTestClient, app: Litestar, run_in_app: Run, tenant_id: uuid.UUID | None) -> None:
    """A tenant admin (or, without a tenant, an ops person) enrolled and signed in, reading English:
    the session and language cookies set on the client."""
    email = f"orders-{uuid.uuid4().hex[:10]}@example.com"
    master = app.state.services.keys.master_key
    if tenant_id is None:
        issued = await run_in_app(service.create_staff, email=email, role=Role.OPS, name="Otto Ops",
                                  created_by="tests", valid_hours=1)
    else:
        issued = await run_in_app(service.invite, principal=OPS, email=email, name="Olga Orders",
                                  role=Role.TENANT_ADMIN, valid_hours=1, tenant_id=tenant_id)
    enrolment = await run_in_app(service.begin_enrolment, token=issued.token, master_key=master)
    account = await run_in_app(service.complete_enrolment, token=issued.token, password=PASSWORD,
                               code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    runtime = app.state.web
    session_id = await run_in_app(runtime.sessions.create, account_id=account.id, tenant_id=tenant_id)
    portal.cookies.set(runtime.session_cookie, session_id, domain="testserver.local")
    portal.cookies.set(runtime.language_cookie, "en", domain="testserver.local")  # the messages read here


async def _csrf(portal: AsyncTestClient) -> str:
    form = await portal.get("/orders/new")
    assert form.status_code == 200, form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return token.group(1)


@pytest.fixture
def netbox_unreachable(app: Litestar) -> Iterator[None]:
    orders = app.state.services.orders
    previous = orders.provisioner
    orders.provisioner = Provisioner(NetBoxGateway(url="http://127.0.0.1:9", token="nbt_x.y", connect_timeout=0.5,
                                                   read_timeout=0.5))
    try:
        yield
    finally:
        orders.provisioner = previous


@pytest.mark.usefixtures("netbox_unreachable")
async def test_netbox_unreachable_keeps_the_form_and_orders_nothing(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> None:
    tenant = await make_tenant()
    await _signed_in(portal, app, run_in_app, tenant.id)
    sent = await portal.post("/orders/new", data={
        "csrf_token": await _csrf(portal), "kind": "space", "rack_id": "4242", "units": "3", "position": "7",
        "note": "keep me", "idempotency_key": uuid.uuid4().hex})
    assert sent.status_code == 503, sent.text
    assert "Nothing was ordered" in sent.text and 'role="alert"' in sent.text
    assert 'value="4242"' in sent.text and 'value="7"' in sent.text and "keep me</textarea>" in sent.text
    listed = await portal.get("/orders")
    assert listed.status_code == 200 and 'id="no-orders"' in listed.text


async def test_staff_are_told_the_portal_orders_for_a_tenants_own_people(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run,
) -> None:
    await _signed_in(portal, app, run_in_app, None)
    sent = await portal.post("/orders/new", data={"csrf_token": await _csrf(portal), "kind": "space", "units": "1"})
    assert sent.status_code == 422, sent.text
    assert "Staff order for a tenant through the API" in sent.text and 'role="alert"' in sent.text
