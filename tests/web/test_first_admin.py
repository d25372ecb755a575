"""A company that applied sets up its first administrator with its tracking secret
(accounts/first_admin.py), on the real database: not before approval, not with a wrong secret,
for the technical contact in the new tenant, a new link replaces an unused one, and once the
account exists it is refused."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from accounts import first_admin, service
from colo.errors import Conflict, NotFound
from tests.api.test_tenants_onboarding import application_body
from tests.web.browser import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
Run = Callable[..., Awaitable[Any]]


async def test_first_administrator_from_the_tracking_secret(app: Litestar, client: AsyncTestClient,
                                                             run_in_app: Run, ops_key: Any) -> None:
    services = app.state.services
    from tenants.keys import KeyRing

    ring, master = KeyRing.of(services.keys.api_key_peppers), services.keys.master_key
    contact = f"noc-{uuid.uuid4().hex[:8]}@nordlys.example"
    body = application_body(technical_contact={"name": "Ola Nordmann", "email": contact, "phone": "+47 22 65 43 21"})
    applied = (await client.post("/v1/applications", json=body)).json()
    application_id, secret = UUID(applied["id"]), applied["tracking_secret"]

    def link(**overrides: Any) -> Awaitable[Any]:
        args = {"application_id": application_id, "secret": secret, "ring": ring, "master_key": master,
                "valid_hours": 1, **overrides}
        return run_in_app(first_admin.first_admin_link, **args)

    with pytest.raises(Conflict) as early:
        await link()
    assert early.value.extra.get("current_status") == "submitted"
    approved = await client.post(f"/v1/applications/{application_id}/approve", headers=ops_key.headers)
    assert approved.status_code == 200, approved.text
    with pytest.raises(NotFound):
        await link(secret="cat_" + "x" * 40)

    first = await link()
    assert first.account.email == contact and first.account.role.value == "tenant_admin"
    assert str(first.account.tenant_id) == approved.json()["tenant"]["id"]
    second = await link()  # lost or expired: a new link for the same account, the old one is dead
    assert second.account.id == first.account.id and second.token != first.token
    with pytest.raises(NotFound):
        await run_in_app(service.begin_enrolment, token=first.token, master_key=master)
    enrolment = await run_in_app(service.begin_enrolment, token=second.token, master_key=master)
    await run_in_app(service.complete_enrolment, token=second.token, password=PASSWORD,
                     code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    with pytest.raises(Conflict) as done:
        await link()
    assert done.value.extra.get("reason") == first_admin.ADMIN_EXISTS
