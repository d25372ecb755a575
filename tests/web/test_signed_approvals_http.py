"""The security console where visit approvals must be signed (COLO_SIGNED_APPROVALS=visits), through
the app (no browser): the approve button is refused with 409 and words saying to approve with a
signed document through the API, and the visit stays pending; with the setting off it approves."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from accounts import service
from colo.identity import Role
from tenants.schemas import TenantRead
from tests.api.test_visits_api import visit_body
from tests.conftest import IssuedTestKey

Run = Callable[..., Awaitable[Any]]
PASSWORD = "a long and quite unusual passphrase 42"
pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


@pytest.fixture
def signed_visits(app: Litestar) -> Iterator[Callable[[bool], None]]:
    services = app.state.services
    settings = services.settings

    def switch(on: bool) -> None:
        services.settings = dataclasses.replace(settings, signed_approvals=("visits",) if on else ())

    yield switch
    services.settings = settings


async def _officer(portal: AsyncTestClient, app: Litestar, run_in_app: Run) -> str:
    """A security officer enrolled and signed in, reading English; the console's CSRF token."""
    email = f"officer-{uuid.uuid4().hex[:10]}@example.com"
    master = app.state.services.keys.master_key
    issued = await run_in_app(service.create_staff, email=email, role=Role.SECURITY, name="Sevda Security",
                              created_by="tests", valid_hours=1)
    enrolment = await run_in_app(service.begin_enrolment, token=issued.token, master_key=master)
    account = await run_in_app(service.complete_enrolment, token=issued.token, password=PASSWORD,
                               code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    runtime = app.state.web
    session_id = await run_in_app(runtime.sessions.create, account_id=account.id, tenant_id=None)
    portal.cookies.set(runtime.session_cookie, session_id, domain="testserver.local")
    portal.cookies.set(runtime.language_cookie, "en", domain="testserver.local")
    queue = await portal.get("/security/visits")
    assert queue.status_code == 200, queue.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', queue.text)
    assert token is not None
    return token.group(1)


async def test_the_console_refuses_an_unsigned_approval_where_signatures_are_required(
    portal: AsyncTestClient, app: Litestar, run_in_app: Run, make_key: Callable[..., Awaitable[IssuedTestKey]],
    make_tenant: Callable[..., Awaitable[TenantRead]], signed_visits: Callable[[bool], None],
) -> None:
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=(await make_tenant()).id)
    visits = []
    for _ in range(2):
        created = await portal.post("/v1/visits", json=visit_body(), headers=admin.headers)
        assert created.status_code == 201, created.text
        visits.append(created.json()["id"])
    csrf = await _officer(portal, app, run_in_app)

    signed_visits(True)
    refused = await portal.post(f"/security/visits/{visits[0]}/approve", data={"csrf_token": csrf},
                                follow_redirects=False)
    assert refused.status_code == 409, refused.text
    assert "This facility requires visit approvals signed with your certificate" in refused.text
    assert (await portal.get(f"/v1/visits/{visits[0]}", headers=admin.headers)).json()["status"] == "pending"

    signed_visits(False)
    approved = await portal.post(f"/security/visits/{visits[1]}/approve", data={"csrf_token": csrf},
                                 follow_redirects=False)
    assert approved.status_code == 303, approved.text
    assert (await portal.get(f"/v1/visits/{visits[1]}", headers=admin.headers)).json()["status"] == "approved"
