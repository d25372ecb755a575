"""`colo servicedesk …` as staff run it: a tenant's hands request (opened through the API) is in
the queue, accepted, started, noted, timed and completed from the command line, its history
shows every step, each step (and the refused one) is an access-log entry, and the monthly report comes
out as CSV; a refused step is one line, status 2."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from litestar.testing import AsyncTestClient

from colo.identity import Role
from colo.settings import Settings
from tests.integration.test_keys_cli import colo


async def test_staff_work_a_ticket_from_the_command_line(
    client: AsyncTestClient, settings: Settings, make_tenant: Callable[..., Awaitable[Any]],
    make_key: Callable[..., Awaitable[Any]],
) -> None:
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    opened = await client.post("/v1/service-desk/hands", headers=admin.headers, json={
        "request_type": "locate_package", "title": "Find our parcel", "scope": "A box from DHL, 1Z999",
        "details": {"tracking_number": "1Z999"}, "contact": {"name": "Leyla Mammadova"}})
    assert opened.status_code == 201, opened.text
    ticket = opened.json()["id"]

    queue = await colo(settings, "servicedesk", "list", "--tenant", str(tenant.id))
    assert queue.returncode == 0, queue.stderr.decode()
    assert ticket in queue.stdout.decode() and "submitted" in queue.stdout.decode()
    refused = await colo(settings, "servicedesk", "start", ticket)
    assert refused.returncode == 2 and b"cannot start a ticket that is submitted" in refused.stderr
    for args in (("accept", ticket), ("start", ticket), ("note", ticket, "found it in the dock"),
                 ("time", ticket, "20", "--note", "searching"), ("complete", ticket, "--resolution", "delivered")):
        done = await colo(settings, "servicedesk", *args)
        assert done.returncode == 0, (args, done.stderr.decode())
    security = await make_key(Role.SECURITY)
    logged = (await client.get("/v1/access-log/entries", params={"object": ticket, "limit": 100},
                               headers=security.headers)).json()["items"]
    steps = sorted((e["action"], e["outcome"]) for e in logged if e["action"].startswith("cli:servicedesk"))
    assert steps == sorted([("cli:servicedesk start", "refused"), ("cli:servicedesk accept", "allowed"),
                            ("cli:servicedesk start", "allowed"), ("cli:servicedesk note", "allowed"),
                            ("cli:servicedesk time", "allowed"), ("cli:servicedesk complete", "allowed")]), steps
    assert all(e["tenant_id"] == str(tenant.id) for e in logged
               if e["action"].startswith("cli:servicedesk") and e["outcome"] == "allowed" and
               e["action"] != "cli:servicedesk note")
    shown = (await colo(settings, "servicedesk", "show", ticket)).stdout.decode()
    assert "completed" in shown and "found it in the dock" in shown and "20 min" in shown
    assert "billable 30 min" in shown
    read = (await client.get(f"/v1/service-desk/tickets/{ticket}", headers=admin.headers)).json()
    assert read["state"] == "completed" and read["billable_minutes"] == 30
    month = datetime.now(UTC).strftime("%Y-%m")
    report = await colo(settings, "servicedesk", "report", str(tenant.id), month, "--csv")
    assert report.returncode == 0, report.stderr.decode()
    lines = report.stdout.decode().splitlines()
    assert lines[0].startswith("section,ticket_id") and any(ticket in line and ",20,30," in line for line in lines)
