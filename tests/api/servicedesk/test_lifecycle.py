"""Smart hands and trouble tickets through the API, end to end: the catalogue, opening, the whole
lifecycle (with action_required ⇄ customer_updated and reopen), every refused transition a 409,
time logged in 30-minute steps, notes, and the provider-caused outcome deciding the bill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.api.servicedesk.conftest import DeskPlant, hands_body, trouble_body

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
DESK = "/v1/service-desk"


async def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


async def test_the_catalogue_declares_each_request_types_fields(client: AsyncTestClient, desk: DeskPlant) -> None:
    catalogue = await ok(await client.get(f"{DESK}/catalogue", headers=desk.a.member.headers))
    types = {t["type"]: t for t in catalogue["request_types"]}
    assert set(types) == {"cable_patch", "equipment_install", "equipment_remove", "power_cycle", "visual_check",
                          "locate_package", "unpack_shipment", "other"}
    assert {f["name"]: f["choices"] for f in types["power_cycle"]["fields"]}["method"] == ["soft", "hard"]
    assert types["visual_check"]["where"] == "rack_or_device"
    assert catalogue["scheduling_classes"] == ["standard", "expedited", "scheduled"]
    assert "cross_connect_down" in catalogue["trouble_categories"]


async def test_hands_request_whole_lifecycle(client: AsyncTestClient, desk: DeskPlant) -> None:
    tenant, ops = desk.a.member.headers, desk.ops.headers
    ticket = await ok(await client.post(f"{DESK}/hands", headers=tenant, json=hands_body(desk.a.rack)), 201)
    tid = ticket["id"]
    assert ticket["state"] == "submitted" and ticket["kind"] == "hands"
    assert ticket["where"] == {"rack_id": desk.a.rack, "units": [1], "device_id": None, "cross_connect_order_id": None}
    assert ticket["sla"]["target_seconds"] == 4 * 3600 and ticket["sla"]["met"] is None
    assert set(ticket["allowed_actions"]) == {"accept", "request_action", "cancel"}
    # the tenant may not work its own ticket; ops may not answer for the customer
    assert (await client.post(f"{DESK}/tickets/{tid}/accept", headers=tenant)).status_code == 403
    assert (await client.post(f"{DESK}/tickets/{tid}/answer", headers=ops, json={"text": "me too"})).status_code == 403
    # refused transitions: 409 naming the state
    refused = await client.post(f"{DESK}/tickets/{tid}/start", headers=ops)
    assert refused.status_code == 409 and refused.json()["state"] == "submitted"
    for step, text in (("answer", "hello"), ("reopen", "hmm, again")):
        response = await client.post(f"{DESK}/tickets/{tid}/{step}", headers=tenant, json={"text": text})
        assert response.status_code == 409, step
    await ok(await client.post(f"{DESK}/tickets/{tid}/accept", headers=ops))
    asked = await ok(await client.post(f"{DESK}/tickets/{tid}/request-action", headers=ops,
                                       json={"text": "Which PSU is WEB-01's?"}))
    assert asked["state"] == "action_required" and asked["sla"]["paused"] is True
    answered = await ok(await client.post(f"{DESK}/tickets/{tid}/answer", headers=tenant, json={"text": "The left"}))
    assert answered["state"] == "customer_updated" and answered["sla"]["paused"] is False
    started = await ok(await client.post(f"{DESK}/tickets/{tid}/start", headers=ops))
    assert started["state"] == "in_progress" and started["sla"]["met"] is True  # a hands clock stops at the start
    await ok(await client.post(f"{DESK}/tickets/{tid}/notes", headers=ops, json={"text": "PSU reseated"}))
    for minutes in (20, 31):
        await ok(await client.post(f"{DESK}/tickets/{tid}/time", headers=ops, json={"minutes": minutes}))
    bad = await client.post(f"{DESK}/tickets/{tid}/complete", headers=ops, json={"provider_caused": True})
    assert bad.status_code == 422 and bad.json()["field"] == "provider_caused"
    done = await ok(await client.post(f"{DESK}/tickets/{tid}/complete", headers=ops,
                                      json={"resolution": "Server is up"}))
    assert done["state"] == "completed" and done["minutes_spent"] == 51 and done["billable_minutes"] == 30 + 60
    assert (await client.post(f"{DESK}/tickets/{tid}/cancel", headers=tenant)).status_code == 409
    reopened = await ok(await client.post(f"{DESK}/tickets/{tid}/reopen", headers=tenant,
                                          json={"text": "It hangs again"}))
    assert reopened["state"] == "submitted" and reopened["sla"]["met"] is None and reopened["completed_at"] is None
    cancelled = await ok(await client.post(f"{DESK}/tickets/{tid}/cancel", headers=tenant, json={"reason": "fixed"}))
    assert cancelled["state"] == "cancelled" and cancelled["allowed_actions"] == []
    events = (await ok(await client.get(f"{DESK}/tickets/{tid}/events", headers=tenant)))["items"]
    assert [e["kind"] for e in events] == ["created", "transition", "transition", "transition", "transition", "note",
                                           "time", "time", "transition", "transition", "transition"]
    assert [e["to_state"] for e in events if e["kind"] == "transition"] == [
        "accepted", "action_required", "customer_updated", "in_progress", "completed", "submitted", "cancelled"]
    assert events[2]["text"] == "Which PSU is WEB-01's?"
    # ops find it among all tenants' tickets, filtered by tenant and state
    listed = await ok(await client.get(f"{DESK}/tickets", headers=ops, params={
        "tenant_id": str(desk.a.tenant.id), "state": "cancelled", "kind": "hands"}))
    assert tid in {t["id"] for t in listed["items"]}


async def test_trouble_ticket_provider_caused_is_not_billed(client: AsyncTestClient, desk: DeskPlant) -> None:
    tenant, ops = desk.a.admin.headers, desk.ops.headers
    body = trouble_body(affected={"rack_ids": [desk.a.rack], "power_feed_ids": [desk.a.feed]})
    ticket = await ok(await client.post(f"{DESK}/trouble", headers=tenant, json=body), 201)
    tid = ticket["id"]
    assert ticket["affected"]["power_feed_ids"] == [desk.a.feed] and ticket["sla"]["target_seconds"] == 8 * 3600
    for step in ("accept", "start"):
        started = await ok(await client.post(f"{DESK}/tickets/{tid}/{step}", headers=ops))
    assert started["sla"]["met"] is None  # a trouble ticket's clock runs until it is resolved
    await ok(await client.post(f"{DESK}/tickets/{tid}/time", headers=ops, json={"minutes": 45}))
    missing = await client.post(f"{DESK}/tickets/{tid}/complete", headers=ops, json={"resolution": "breaker reset"})
    assert missing.status_code == 422 and missing.json()["field"] == "provider_caused"
    assert (await client.post(f"{DESK}/tickets/{tid}/complete", headers=ops)).json()["field"] == "provider_caused"
    done = await ok(await client.post(f"{DESK}/tickets/{tid}/complete", headers=ops, json={
        "resolution": "our breaker tripped", "provider_caused": True}))
    assert done["provider_caused"] is True and done["minutes_spent"] == 45 and done["billable_minutes"] == 0
    assert done["sla"]["met"] is True


async def test_a_scheduled_window_sets_the_due_time(client: AsyncTestClient, desk: DeskPlant) -> None:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    body = hands_body(desk.a.rack, scheduling="scheduled", window_start=start.isoformat(),
                      window_end=(start + timedelta(hours=2)).isoformat(), request_type="visual_check",
                      details={"what_to_check": "LEDs on the switch", "photos": 3})
    ticket = await ok(await client.post(f"{DESK}/hands", headers=desk.a.admin.headers, json=body), 201)
    assert datetime.fromisoformat(ticket["sla"]["due_at"]) == start + timedelta(minutes=30)
    assert datetime.fromisoformat(ticket["window_end"]) == start + timedelta(hours=2)
