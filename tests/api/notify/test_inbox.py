"""A tenant's inbox over HTTP (GET /v1/events/mine): its own events, newest first, with the data its
webhooks carry, filtered by type; never another tenant's; facility keys are refused."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from colo.identity import Role
from tests.api.notify.support import MakeTenant
from tests.api.notify.test_isolation import DESK, ok
from tests.api.servicedesk.conftest import trouble_body

MakeKey = Any


async def test_a_tenant_lists_its_own_events_newest_first_by_type(
        client: AsyncTestClient, make_tenant: MakeTenant, make_key: MakeKey, fresh_rate_limits: None) -> None:
    ops = await make_key(Role.OPS, name="inbox ops")
    mine, other = await make_tenant(), await make_tenant()
    member = await make_key(Role.TENANT_MEMBER, tenant_id=mine.id, name="inbox member")
    theirs = await make_key(Role.TENANT_ADMIN, tenant_id=other.id, name="inbox other admin")
    first = await ok(await client.post(f"{DESK}/trouble", headers=member.headers, json=trouble_body()), 201)
    second = await ok(await client.post(f"{DESK}/trouble", headers=member.headers, json=trouble_body()), 201)
    await ok(await client.post(f"{DESK}/tickets/{first['id']}/accept", headers=ops.headers))
    await ok(await client.post(f"{DESK}/trouble", headers=theirs.headers, json=trouble_body()), 201)

    listed = await ok(await client.get("/v1/events/mine", headers=member.headers))
    assert [(e["type"], e["data"]["ticket_id"]) for e in listed["items"]] == [
        ("ticket.accepted", first["id"]), ("ticket.submitted", second["id"]), ("ticket.submitted", first["id"])]
    assert {e["data"]["tenant_id"] for e in listed["items"]} == {str(mine.id)}
    accepted = listed["items"][0]
    assert accepted["data"] == {"event_id": accepted["id"], "tenant_id": str(mine.id), "ticket_id": first["id"],
                                "kind": "trouble", "action": "accept", "from_state": "submitted",
                                "to_state": "accepted"}
    only = await ok(await client.get("/v1/events/mine", headers=member.headers, params={"type": "ticket.submitted"}))
    assert [e["data"]["ticket_id"] for e in only["items"]] == [second["id"], first["id"]]
    paged = await ok(await client.get("/v1/events/mine", headers=member.headers, params={"limit": "1"}))
    assert len(paged["items"]) == 1 and paged["next_cursor"]
    bad = await client.get("/v1/events/mine", headers=member.headers, params={"type": "ticket.nonsense"})
    assert bad.status_code == 400, bad.text
    assert (await client.get("/v1/events/mine", headers=ops.headers)).status_code == 403
    other_listed = await ok(await client.get("/v1/events/mine", headers=theirs.headers))
    assert [e["type"] for e in other_listed["items"]] == ["ticket.submitted"]
