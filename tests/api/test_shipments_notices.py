"""A tenant is told by e-mail — each active administrator, in their language, through a real SMTP
server — when the dock registers a delivery nobody announced for it, and when a delivery has
waited past the holding period; other tenants' administrators and members are not told, and a
run without SMTP (`no_mail`) sends nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from accounts.tables import Account
from colo.identity import Principal, Role
from colo.mail import Mailer
from tests.web.mailbox import SmtpServer, body_of

Run = Callable[..., Awaitable[Any]]
DOCK = Principal(key_id="dock-notice-test", role=Role.GATE, name="dock")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


async def _account(run_in_app: Run, *, tenant_id: uuid.UUID, role: Role, locale: str, status: str = "active") -> str:
    email = f"{role.value}-{uuid.uuid4().hex[:8]}@example.com"
    await run_in_app(Account.insert(Account(id=uuid.uuid4(), email=email, role=role.value, tenant_id=tenant_id,
                                            status=status, locale=locale)).run)
    return email


async def test_the_tenants_administrators_are_told_in_their_language(
    client: AsyncTestClient, run_in_app: Run, make_tenant: Callable[..., Awaitable[Any]], smtp: SmtpServer,
) -> None:
    from accounts.notices import mail_tenant_admins
    from siteaccess.dock import receive, sweep_held
    from siteaccess.journal import discard
    from siteaccess.shipment_schemas import Receipt

    tenant, other = await make_tenant(), await make_tenant()
    english = await _account(run_in_app, tenant_id=tenant.id, role=Role.TENANT_ADMIN, locale="en")
    azerbaijani = await _account(run_in_app, tenant_id=tenant.id, role=Role.TENANT_ADMIN, locale="az")
    member = await _account(run_in_app, tenant_id=tenant.id, role=Role.TENANT_MEMBER, locale="en")
    invited = await _account(run_in_app, tenant_id=tenant.id, role=Role.TENANT_ADMIN, locale="en", status="invited")
    stranger = await _account(run_in_app, tenant_id=other.id, role=Role.TENANT_ADMIN, locale="en")
    mailer = Mailer(host="127.0.0.1", port=smtp.port, sender="Colo <portal@colo.test>", starttls=False, timeout=5)
    tell = mail_tenant_admins(mailer, facility="Test DC")
    master_key = client.app.state.services.keys.master_key
    number = f"MAIL{uuid.uuid4().hex[:10].upper()}"

    received = await run_in_app(receive, principal=DOCK, journal=discard, master_key=master_key, tell=tell,
                                data=Receipt(tracking_number=number, tenant_id=tenant.id, boxes=4))
    assert received.announced is False
    told = smtp.mailbox.wait_for(english, within=10)
    assert told["Subject"] == "Test DC: an unannounced delivery was received"
    assert number in body_of(told) and "4 box(es)" in body_of(told)
    assert "elan edilməmiş" in smtp.mailbox.wait_for(azerbaijani, within=10)["Subject"]
    assert [smtp.mailbox.messages_to(a) for a in (member, invited, stranger)] == [[], [], []]

    later = datetime.fromisoformat(str(received.received_at)) + timedelta(days=6)
    await run_in_app(sweep_held, journal=discard, now=later, tell=tell)
    reminder = [m for m in smtp.mailbox.messages_to(english) if "too long" in m["Subject"]]
    assert len(reminder) == 1 and number in body_of(reminder[0]) and "6 day(s)" in body_of(reminder[0])
    await run_in_app(sweep_held, journal=discard, now=later + timedelta(hours=1), tell=tell)
    assert len([m for m in smtp.mailbox.messages_to(english) if "too long" in m["Subject"]]) == 1  # once

    quiet = f"MAIL{uuid.uuid4().hex[:10].upper()}"  # the default tell sends nothing
    await run_in_app(receive, principal=DOCK, journal=discard, master_key=master_key,
                     data=Receipt(tracking_number=quiet, tenant_id=tenant.id))
    assert not [m for m in smtp.mailbox.messages_to(english) if quiet in body_of(m)]
