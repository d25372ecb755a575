"""SLA clocks with a controllable clock: the services take `now`, so a test moves time instead of
sleeping. Pausing while waiting for the customer moves the due time by the wait; a breach and an
approach each raise one ops alert per ticket (the sweep deduplicates), which ops list and acknowledge
through the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Principal
from servicedesk import alerts, service, work
from servicedesk.lifecycle import Action
from servicedesk.schemas import HandsCreate, TicketRead, TroubleCreate
from tests.api.servicedesk.conftest import DeskPlant, hands_body, trouble_body

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
Run = Callable[..., Awaitable[Any]]
# A year ahead of the wall clock: listing alerts also sweeps at the real time, and that sweep must
# never reach these tickets' clocks (a fixed date here turned into a failure on the day it named).
T0 = (datetime.now(UTC) + timedelta(days=365)).replace(hour=9, minute=0, second=0, microsecond=0)


def config(app: Litestar) -> Any:
    return app.state.services.service_desk.config


async def open_hands(run: Run, app: Litestar, who: Principal, body: dict[str, Any], now: datetime) -> TicketRead:
    data = msgspec.convert(body, HandsCreate)
    read: TicketRead = await run(service.create_hands, principal=who, data=data, config=config(app), now=now)
    return read


async def step(run: Run, app: Litestar, who: Principal, ticket: UUID, action: Action, now: datetime,
               **extra: Any) -> TicketRead:
    read: TicketRead = await run(work.act, principal=who, ticket_id=ticket, action=action, config=config(app),
                                 now=now, **extra)
    return read


async def test_waiting_for_the_customer_pauses_the_clock(app: Litestar, run_in_app: Run, desk: DeskPlant) -> None:
    tenant, ops = desk.a.member.principal, desk.ops.principal
    ticket = await open_hands(run_in_app, app, tenant, hands_body(desk.a.rack, scheduling="expedited"), T0)
    assert ticket.sla.due_at == T0 + timedelta(hours=1) and ticket.sla.seconds_left == 3600
    asked = await step(run_in_app, app, ops, ticket.id, Action.REQUEST_ACTION, T0 + timedelta(minutes=20),
                       text="Which server?")
    assert asked.sla.paused and asked.sla.seconds_left == 40 * 60
    # Two hours of waiting: time left stands still, the due time moves with the wait.
    later = await run_in_app(service.get_ticket, principal=tenant, ticket_id=ticket.id,
                             now=T0 + timedelta(hours=2, minutes=20))
    assert later.sla.seconds_left == 40 * 60 and later.sla.due_at == T0 + timedelta(hours=3)
    answered = await step(run_in_app, app, tenant, ticket.id, Action.ANSWER, T0 + timedelta(hours=2, minutes=20),
                          text="The one labelled WEB-01")
    assert not answered.sla.paused and answered.sla.due_at == T0 + timedelta(hours=3)
    ticking = await run_in_app(service.get_ticket, principal=tenant, ticket_id=ticket.id,
                               now=T0 + timedelta(hours=2, minutes=50))
    assert ticking.sla.seconds_left == 10 * 60 and ticking.sla.used_percent == 83
    await step(run_in_app, app, ops, ticket.id, Action.ACCEPT, T0 + timedelta(hours=2, minutes=55))
    started = await step(run_in_app, app, ops, ticket.id, Action.START, T0 + timedelta(hours=2, minutes=59))
    assert started.sla.met is True and started.sla.stopped_at == T0 + timedelta(hours=2, minutes=59)
    # stopped: the figures no longer change with time
    after = await run_in_app(service.get_ticket, principal=tenant, ticket_id=ticket.id, now=T0 + timedelta(days=3))
    assert after.sla.seconds_left == 60 and after.sla.met is True


async def test_approach_and_breach_raise_one_alert_each(
    app: Litestar, client: AsyncTestClient, run_in_app: Run, desk: DeskPlant,
) -> None:
    tenant, ops = desk.b.admin.principal, desk.ops.principal
    data = msgspec.convert(trouble_body(priority="critical", affected={"rack_ids": [desk.b.rack]}), TroubleCreate)
    ticket = await run_in_app(service.create_trouble, principal=tenant, data=data, config=config(app), now=T0)
    assert ticket.sla.target_seconds == 4 * 3600

    async def sweep(at: datetime) -> int:
        created: int = await run_in_app(alerts.sweep, config=config(app), now=at)
        return created

    def mine(items: list[dict[str, Any]]) -> list[str]:
        return sorted(a["kind"] for a in items if a["ticket_id"] == str(ticket.id))

    await sweep(T0 + timedelta(hours=3))  # 75 % used: nothing yet
    listed = (await client.get("/v1/service-desk/alerts", headers=desk.ops.headers, params={"limit": 200})).json()
    assert mine(listed["items"]) == []
    await sweep(T0 + timedelta(hours=3, minutes=15))  # 81 %
    await sweep(T0 + timedelta(hours=3, minutes=30))  # again: deduplicated
    await sweep(T0 + timedelta(hours=4, minutes=1))  # breached
    await sweep(T0 + timedelta(hours=5))
    rows = await run_in_app(alerts.list_alerts, open_only=True, page=alerts.PageRequest(limit=200))
    ours = [a for a in rows.items if a.ticket_id == ticket.id]
    assert sorted(a.kind.value for a in ours) == ["approaching", "breached"]
    breached = next(a for a in ours if a.kind.value == "breached")
    assert (await client.get("/v1/service-desk/alerts", headers=desk.b.admin.headers)).status_code == 403
    acked = await client.post(f"/v1/service-desk/alerts/{breached.id}/acknowledge", headers=desk.ops.headers)
    assert acked.status_code == 200 and acked.json()["acknowledged_by"] == desk.ops.principal.key_id
    still_open = {a.id for a in (await run_in_app(alerts.list_alerts, open_only=True,
                                                  page=alerts.PageRequest(limit=200))).items}
    assert breached.id not in still_open
    # resolved late: the SLA is missed, and stays missed
    for action in (Action.ACCEPT, Action.START):
        await step(run_in_app, app, ops, ticket.id, action, T0 + timedelta(hours=5))
    done = await step(run_in_app, app, ops, ticket.id, Action.COMPLETE, T0 + timedelta(hours=6),
                      completion=work.Completion(resolution="fixed", provider_caused=False))
    assert done.sla.met is False and done.sla.seconds_left == -2 * 3600


async def test_reopen_only_within_the_configured_days(app: Litestar, run_in_app: Run, desk: DeskPlant) -> None:
    tenant, ops = desk.a.admin.principal, desk.ops.principal
    ticket = await open_hands(run_in_app, app, tenant, hands_body(desk.a.rack), T0)
    for minutes, action in ((1, Action.ACCEPT), (2, Action.START), (3, Action.COMPLETE)):
        await step(run_in_app, app, ops, ticket.id, action, T0 + timedelta(minutes=minutes))
    days = config(app).reopen_days
    from colo.errors import Conflict

    with pytest.raises(Conflict, match=f"within {days} days"):
        await step(run_in_app, app, tenant, ticket.id, Action.REOPEN, T0 + timedelta(days=days, minutes=4),
                   text="too late")
    reopened = await step(run_in_app, app, tenant, ticket.id, Action.REOPEN, T0 + timedelta(days=days),
                          text="just in time")
    assert reopened.state == "submitted" and reopened.sla.due_at == T0 + timedelta(days=days, hours=4)
