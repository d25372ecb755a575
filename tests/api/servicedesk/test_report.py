"""The monthly service report of one tenant, JSON and CSV: hands time and billable minutes in
30-minute steps, trouble tickets resolved in the month with resolution time and SLA met or missed
(provider-caused ones not billed), and the shipments tally from site access. A tenant gets only
its own report; ops name the tenant."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from servicedesk import service, work
from servicedesk.lifecycle import Action
from servicedesk.schemas import Completion, HandsCreate, TroubleCreate
from tests.api.servicedesk.conftest import DeskPlant, hands_body, trouble_body

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
Run = Callable[..., Awaitable[Any]]
MONTH_START = datetime(2026, 10, 1, tzinfo=UTC)


async def test_monthly_report_json_and_csv(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, make_tenant: Any, make_key: Any, desk: DeskPlant,
) -> None:
    from colo.identity import Role

    tenant = await make_tenant()  # a fresh tenant: its month holds only what this test does
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    who, ops, config = admin.principal, desk.ops.principal, app.state.services.service_desk.config
    t0 = MONTH_START + timedelta(days=3)
    body = hands_body(desk.a.rack, request_type="other", details={}, where={})
    hands = await run_in_app(service.create_hands, principal=who, data=msgspec.convert(body, HandsCreate),
                             config=config, now=t0)
    for minutes, action in ((5, Action.ACCEPT), (10, Action.START)):
        await run_in_app(work.act, principal=ops, ticket_id=hands.id, action=action, config=config,
                         now=t0 + timedelta(minutes=minutes))
    for minutes in (10, 45):  # billed 30 + 60
        await run_in_app(work.log_time, principal=ops, ticket_id=hands.id, minutes=minutes,
                         now=t0 + timedelta(minutes=60))
    troubles = []
    for hours, caused in ((2, True), (30, False)):  # normal priority: 24 h target → met, then missed
        data = msgspec.convert(trouble_body(priority="normal"), TroubleCreate)
        ticket = await run_in_app(service.create_trouble, principal=who, data=data, config=config, now=t0)
        for action in (Action.ACCEPT, Action.START):
            await run_in_app(work.act, principal=ops, ticket_id=ticket.id, action=action, config=config, now=t0)
        await run_in_app(work.log_time, principal=ops, ticket_id=ticket.id, minutes=40, now=t0)
        await run_in_app(work.act, principal=ops, ticket_id=ticket.id, action=Action.COMPLETE, config=config,
                         now=t0 + timedelta(hours=hours), completion=Completion(resolution="done",
                                                                                provider_caused=caused))
        troubles.append(ticket.id)
    report = await client.get("/v1/service-desk/reports/2026-10", headers=admin.headers)
    assert report.status_code == 200, report.text
    r = report.json()
    assert [h["ticket_id"] for h in r["hands"]] == [str(hands.id)]
    assert r["hands"][0]["minutes_spent"] == 55 and r["hands"][0]["billable_minutes"] == 90
    by_id = {t["ticket_id"]: t for t in r["trouble"]}
    met, missed = by_id[str(troubles[0])], by_id[str(troubles[1])]
    assert (met["resolution_minutes"], met["sla_met"], met["billable_minutes"]) == (120, True, 0)
    assert (missed["resolution_minutes"], missed["sla_met"], missed["billable_minutes"]) == (1800, False, 60)
    assert (r["trouble_sla_met"], r["trouble_sla_missed"], r["billable_minutes"]) == (1, 1, 150)
    assert r["shipments"] == {"inbound_received": 0, "inbound_unannounced": 0, "outbound_handed_over": 0}
    # another month is empty; another tenant's report is refused for a tenant, given to ops
    assert (await client.get("/v1/service-desk/reports/2026-09", headers=admin.headers)).json()["hands"] == []
    other = await client.get("/v1/service-desk/reports/2026-10", headers=desk.b.admin.headers,
                             params={"tenant_id": str(tenant.id)})
    assert other.status_code == 422 and other.json()["field"] == "tenant_id"
    as_csv = await client.get("/v1/service-desk/reports/2026-10", headers=desk.ops.headers,
                              params={"tenant_id": str(tenant.id), "format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["section"] for row in rows] == ["hands", "trouble", "trouble", "total", "shipments", "shipments",
                                                "shipments"]
    assert rows[0]["billable_minutes"] == "90" and rows[3]["billable_minutes"] == "150"
