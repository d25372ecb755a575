"""E-mail notices to a real SMTP server (aiosmtpd on loopback): each subscribed person of a tenant
gets the event types they chose, in their language, about their own tenant only, with no secret
and nobody else's personal data; people who did not opt in get nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from litestar import Litestar

from colo.errors import NotFound
from colo.mail import Mailer
from colo.outbox import EventType, LoaChanged, OrderStateChanged
from notify.config import NotifyConfig
from notify.dispatcher import Dispatcher
from notify.email import SubscriptionCreate, subscribe
from notify.outbound import new_client
from tenants.tables import Person
from tests.api.notify.support import MakeTenant, Run, admin, event
from tests.web.mailbox import SmtpServer, body_of


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


async def person(run: Run, tenant_id: uuid.UUID, name: str) -> tuple[uuid.UUID, str]:
    person_id = uuid.uuid4()
    address = f"{name.split()[0].lower()}.{person_id.hex[:6]}@tenant.example"
    await run(Person.insert(Person(id=person_id, tenant=tenant_id, name=name, email=address,
                                   created_at=datetime.now(UTC), updated_at=datetime.now(UTC))).run)
    return person_id, address


async def mail_pass(mailer: Mailer, master_key: bytes) -> None:
    client = new_client(1.0)
    try:
        dispatcher = Dispatcher(NotifyConfig(timeout=1.0), master_key=master_key, client=client, mailer=mailer,
                                facility="Colo Test DC")
        while await dispatcher.run_once():
            pass
    finally:
        await client.aclose()


async def test_subscribers_get_their_event_types_in_their_language_about_their_tenant_only(
        app: Litestar, run_in_app: Run, make_tenant: MakeTenant, smtp: SmtpServer) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    english_id, english = await person(run_in_app, tenant.id, "Alice Smith")
    azeri_id, azeri = await person(run_in_app, tenant.id, "Aysel Məmmədova")
    _, quiet = await person(run_in_app, tenant.id, "Quiet Person")
    other_id, stranger = await person(run_in_app, other.id, "Bob Other")
    await run_in_app(subscribe, principal=admin(tenant.id), data=SubscriptionCreate(
        person_id=english_id, event_types=[EventType.ORDER_STATE_CHANGED], language="en"))
    await run_in_app(subscribe, principal=admin(tenant.id), data=SubscriptionCreate(
        person_id=azeri_id, event_types=[EventType.LOA_GRANTED], language="az"))
    await run_in_app(subscribe, principal=admin(other.id), data=SubscriptionCreate(
        person_id=other_id, event_types=list(EventType), language="en"))
    with pytest.raises(NotFound):  # another tenant's person cannot be subscribed
        await run_in_app(subscribe, principal=admin(tenant.id), data=SubscriptionCreate(
            person_id=other_id, event_types=[EventType.LOA_GRANTED]))
    order_id, loa_id, foreign_order = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, OrderStateChanged(
        order_id=order_id, kind="space", action="approve", from_state="submitted", to_state="approved"))
    await event(run_in_app, EventType.LOA_GRANTED, tenant.id, LoaChanged(loa_id=loa_id, order_id=order_id,
                                                                         status="granted"))
    await event(run_in_app, EventType.ORDER_STATE_CHANGED, other.id, OrderStateChanged(
        order_id=foreign_order, kind="power", action="approve", from_state="submitted", to_state="approved"))
    mailer = Mailer(host="127.0.0.1", port=smtp.port, sender="Colo <portal@colo.test>", starttls=False, timeout=5)
    await run_in_app(mail_pass, mailer, app.state.services.keys.master_key)

    [to_english] = smtp.mailbox.messages_to(english)
    assert to_english["Subject"] == f"[Colo Test DC] Order {order_id}: approved"
    assert to_english["Content-Language"] == "en"
    [to_azeri] = smtp.mailbox.messages_to(azeri)
    assert to_azeri["Subject"] == f"[Colo Test DC] LOA {loa_id} təsdiq edildi"
    assert to_azeri["Content-Language"] == "az" and str(order_id) in body_of(to_azeri)
    assert smtp.mailbox.messages_to(quiet) == []
    [to_stranger] = smtp.mailbox.messages_to(stranger)
    assert str(foreign_order) in body_of(to_stranger)
    for recipients, message in smtp.mailbox.received:
        text = message["Subject"] + body_of(message)
        assert recipients in ([english], [azeri], [stranger])
        assert "whsec_" not in text
        for name in ("Alice", "Aysel", "Quiet", "Bob", "tenant.example"):
            assert name not in text  # no one's name or address in any body, not even their own
    everything = "".join(body_of(m) for r, m in smtp.mailbox.received if r != [stranger])
    assert str(foreign_order) not in everything
