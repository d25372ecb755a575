"""Site visits end to end over HTTP on real PostgreSQL: request, decide, badge, gate, alerts,
tenant isolation, suspension — and every physical event in the access log."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey

Run = Callable[..., Awaitable[Any]]
MakeKey = Callable[..., Awaitable[IssuedTestKey]]
MakeTenant = Callable[..., Awaitable[TenantRead]]


def at(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def guest(name: str = "Erika Mustermann") -> dict[str, Any]:
    return {"guest": {"name": name, "company": "Fiber Works GmbH", "id_document_type": "national_id",
                      "id_number": "L01X00T47"}}


def visit_body(**overrides: Any) -> dict[str, Any]:
    body = {"starts_at": at(minutes=-1), "ends_at": at(hours=8), "areas": ["meet-me-room", "cage:C-7"],
            "visitors": [guest()], "escort_required": True, "purpose": "cross-connect patching"}
    return {**body, **overrides}


@pytest_asyncio.fixture(scope="module")
async def people(make_key: MakeKey, make_tenant: MakeTenant) -> dict[str, IssuedTestKey]:
    tenant = await make_tenant()
    other = await make_tenant()
    return {
        "admin": await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="visits admin"),
        "member": await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name="visits member"),
        "other": await make_key(Role.TENANT_ADMIN, tenant_id=other.id, name="visits other tenant"),
        "security": await make_key(Role.SECURITY, name="visits security"),
        "gate": await make_key(Role.GATE, name="visits gate"),
        "ops": await make_key(Role.OPS, name="visits ops"),
    }


async def new_visit(client: AsyncTestClient, key: IssuedTestKey, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/visits", json=visit_body(**overrides), headers=key.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def approve(client: AsyncTestClient, people: dict[str, IssuedTestKey], visit_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/visits/{visit_id}/approve", json={"reason": "works order 4711"},
                                 headers=people["security"].headers)
    assert response.status_code == 200, response.text
    return response.json()


async def physical(client: AsyncTestClient, app: Litestar, run_in_app: Run, key: IssuedTestKey,
                   **params: Any) -> list[dict[str, Any]]:
    await run_in_app(app.state.services.access_log.sequencer.flush)
    response = await client.get("/v1/access-log/entries", params={"kind": "physical", **params}, headers=key.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def open_alerts(client: AsyncTestClient, people: dict[str, IssuedTestKey], kind: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/alerts", params={"kind": kind, "limit": 200}, headers=people["security"].headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"]


async def test_request_approve_check_in_and_out_each_recorded(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, people: dict[str, IssuedTestKey],
) -> None:
    person = await client.post("/v1/people", headers=people["admin"].headers, json={
        "name": "Max Techniker", "email": "max@example.com", "site_access": True,
        "id_document_type": "passport", "id_number": "C01X00T47"})
    assert person.status_code == 201, person.text
    visit = await new_visit(client, people["member"], visitors=[guest(), {"person_id": person.json()["id"]}])
    assert visit["status"] == "pending" and len(visit["visitors"]) == 2
    assert {v["name"] for v in visit["visitors"]} == {"Erika Mustermann", "Max Techniker"}
    assert all(v["id_number_masked"].endswith("47") and "L01X00T47" not in v["id_number_masked"]
               for v in visit["visitors"])

    forbidden = await client.post(f"/v1/visits/{visit['id']}/approve", json={"reason": "self-service"},
                                  headers=people["admin"].headers)
    assert forbidden.status_code == 403
    approved = await approve(client, people, visit["id"])
    assert approved["status"] == "approved" and approved["decided_by"] == people["security"].principal.key_id
    badges = [v["badge_number"] for v in approved["visitors"]]
    assert all(b and b.startswith("B-") for b in badges) and len(set(badges)) == 2
    assert all(v["badge_expires_at"] == approved["ends_at"] for v in approved["visitors"])

    inside = await client.post("/v1/gate/check-in", json={"badge": badges[0]}, headers=people["gate"].headers)
    assert inside.status_code == 200, inside.text
    assert inside.json()["escort_required"] is True
    again = await client.post("/v1/gate/check-in", json={"badge": badges[0]}, headers=people["gate"].headers)
    assert again.status_code == 409 and again.json()["reason"] == "already checked in"
    out = await client.post("/v1/gate/check-out", json={"badge": badges[0]}, headers=people["security"].headers)
    assert out.status_code == 200 and out.json()["action"] == "check_out"

    actions = [e["action"] for e in await physical(client, app, run_in_app, people["security"],
                                                    object=visit["id"], order="oldest")]
    assert actions == ["visit.requested", "visit.approved", "badge.issued", "badge.issued", "gate.check_in",
                       "gate.refused", "gate.check_out"]


async def test_bad_requests_name_the_field_and_store_nothing(
    client: AsyncTestClient, people: dict[str, IssuedTestKey], make_tenant: MakeTenant, make_key: MakeKey,
) -> None:
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    cases = [
        (visit_body(ends_at=at(days=15)), 422, "ends_at"),
        (visit_body(starts_at=at(hours=2), ends_at=at(hours=1)), 422, "ends_at"),
        (visit_body(starts_at=at(days=-2)), 422, "starts_at"),
        (visit_body(visitors=[{**guest(), "person_id": str(uuid.uuid4())}]), 422, "visitors[0]"),
        (visit_body(visitors=[guest(), {"person_id": str(uuid.uuid4())}]), 422, "visitors[1].person_id"),
        (visit_body(areas=["the roof"]), 400, "areas[0]"),
        (visit_body(areas=["meet-me-room", "rack:NOT-MINE-01"]), 422, "areas[1]"),
        (visit_body(visitors=[]), 400, "visitors"),
        ({**visit_body(), "tenant_id": str(uuid.uuid4())}, 400, "tenant_id"),
    ]
    for body, status, field in cases:
        response = await client.post("/v1/visits", json=body, headers=admin.headers)
        assert response.status_code == status, (field, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in (response.json().get("field") or response.json()["detail"]), (field, response.json())
    listed = await client.get("/v1/visits", headers=admin.headers)
    assert listed.status_code == 200 and listed.json() == {"items": [], "next_cursor": None}


async def test_another_tenants_visit_answers_exactly_like_a_missing_one(
    client: AsyncTestClient, people: dict[str, IssuedTestKey],
) -> None:
    visit = await new_visit(client, people["admin"])
    foreign = await client.get(f"/v1/visits/{visit['id']}", headers=people["other"].headers)
    missing = await client.get(f"/v1/visits/{uuid.uuid4()}", headers=people["other"].headers)
    assert foreign.status_code == missing.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k not in ("instance", "request_id")}  # noqa: E731
    assert strip(foreign.json()) == strip(missing.json())
    cancel = await client.post(f"/v1/visits/{visit['id']}/cancel", headers=people["other"].headers)
    assert cancel.status_code == 404
    theirs = (await client.get("/v1/visits", params={"limit": 200}, headers=people["other"].headers)).json()
    assert theirs["next_cursor"] is None and visit["id"] not in {v["id"] for v in theirs["items"]}
    assert (await client.get(f"/v1/visits/{visit['id']}", headers=people["gate"].headers)).status_code == 200


async def test_refused_check_ins_are_recorded_and_alerted(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, people: dict[str, IssuedTestKey],
) -> None:
    pending = await new_visit(client, people["admin"])
    visitor = pending["visitors"][0]["id"]
    refused = await client.post("/v1/gate/check-in", json={"visitor_id": visitor}, headers=people["gate"].headers)
    assert refused.status_code == 409 and "not approved" in refused.json()["reason"]

    tomorrow = await new_visit(client, people["admin"], starts_at=at(days=1), ends_at=at(days=1, hours=4))
    badge = (await approve(client, people, tomorrow["id"]))["visitors"][0]["badge_number"]
    early = await client.post("/v1/gate/check-in", json={"badge": badge}, headers=people["gate"].headers)
    assert early.status_code == 409 and "window" in early.json()["reason"]

    cancelled = await new_visit(client, people["admin"])
    old_badge = (await approve(client, people, cancelled["id"]))["visitors"][0]["badge_number"]
    cancel = await client.post(f"/v1/visits/{cancelled['id']}/cancel", headers=people["admin"].headers)
    assert cancel.status_code == 200
    expired = await client.post("/v1/gate/check-in", json={"badge": old_badge}, headers=people["gate"].headers)
    assert expired.status_code == 409 and "expired" in expired.json()["reason"]

    unknown = await client.post("/v1/gate/check-in", json={"badge": "B-AAAAAAAAAA"}, headers=people["gate"].headers)
    assert unknown.status_code == 404
    malformed = await client.post("/v1/gate/check-in", json={"badge": "x"}, headers=people["gate"].headers)
    assert malformed.status_code == 400 and malformed.json()["field"] == "badge"

    for kind, visit in (("not_approved", pending), ("out_of_window", tomorrow), ("badge_expired", cancelled)):
        assert any(a["visit_id"] == visit["id"] for a in await open_alerts(client, people, kind)), kind
    refusals = await physical(client, app, run_in_app, people["security"], action="gate.refused", outcome="refused")
    reasons = {e["objects"].get("visit_id"): e["detail"] for e in refusals}
    assert "not approved" in reasons[pending["id"]] and "window" in reasons[tomorrow["id"]]
    assert "expired" in reasons[cancelled["id"]]


async def test_a_burst_of_refusals_and_an_overstay_raise_alerts(
    client: AsyncTestClient, people: dict[str, IssuedTestKey],
) -> None:
    pending = await new_visit(client, people["admin"])
    visitor = pending["visitors"][0]["id"]
    for _ in range(3):
        await client.post("/v1/gate/check-in", json={"visitor_id": visitor}, headers=people["gate"].headers)
    assert any(a["visitor_id"] == visitor for a in await open_alerts(client, people, "refused_burst"))

    short = await new_visit(client, people["admin"], starts_at=at(minutes=-1), ends_at=at(seconds=3))
    badge = (await approve(client, people, short["id"]))["visitors"][0]["badge_number"]
    checked_in = await client.post("/v1/gate/check-in", json={"badge": badge}, headers=people["gate"].headers)
    assert checked_in.status_code == 200
    assert not [a for a in await open_alerts(client, people, "overstay") if a["visit_id"] == short["id"]]
    await asyncio.sleep(3.5)
    [overstay] = [a for a in await open_alerts(client, people, "overstay") if a["visit_id"] == short["id"]]
    acknowledged = await client.post(f"/v1/alerts/{overstay['id']}/acknowledge", headers=people["security"].headers)
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_by"]
    assert overstay["id"] not in {a["id"] for a in await open_alerts(client, people, "overstay")}
    assert (await client.get("/v1/alerts", headers=people["gate"].headers)).status_code == 403


async def test_bursts_of_failed_api_authentication_raise_an_alert(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, people: dict[str, IssuedTestKey],
) -> None:
    for _ in range(21):
        await client.get("/v1/visits", headers={"Authorization": "Bearer colo_wrong"})
    await run_in_app(app.state.services.access_log.sequencer.flush)
    alerts = await open_alerts(client, people, "auth_failure_burst")
    assert alerts and "failed API authentications" in alerts[0]["detail"]


async def test_suspending_a_tenant_cancels_its_visits_and_expires_its_badges(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, people: dict[str, IssuedTestKey],
    make_tenant: MakeTenant, make_key: MakeKey,
) -> None:
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    pending = await new_visit(client, admin)
    approved = await approve(client, people, (await new_visit(client, admin))["id"])
    suspended = await client.post(f"/v1/tenants/{tenant.id}/suspend", json={"reason": "unpaid invoices"},
                                  headers=people["ops"].headers)
    assert suspended.status_code == 200, suspended.text
    for visit in (pending, approved):
        after = (await client.get(f"/v1/visits/{visit['id']}", headers=people["security"].headers)).json()
        assert after["status"] == "cancelled" and "suspended" in after["decision_reason"]
    after = (await client.get(f"/v1/visits/{approved['id']}", headers=people["security"].headers)).json()
    assert {v["badge_status"] for v in after["visitors"]} == {"expired"}
    badge = approved["visitors"][0]["badge_number"]
    refused = await client.post("/v1/gate/check-in", json={"badge": badge}, headers=people["gate"].headers)
    assert refused.status_code == 409
    expired = await physical(client, app, run_in_app, people["security"], action="badge.expired", object=approved["id"])
    assert expired and expired[0]["actor"]["key_id"] is None


async def test_gate_events_carry_the_visitor_encrypted_and_erasure_keeps_the_tree_valid(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, people: dict[str, IssuedTestKey],
    make_tenant: MakeTenant, make_key: MakeKey,
) -> None:
    from audit import merkle
    from audit.export import read_export
    from audit.note import verify_checkpoint
    from colo.pii import erase_tenant_key

    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    visit = await approve(client, people, (await new_visit(client, admin, visitors=[guest("Jane Roe")]))["id"])
    badge = visit["visitors"][0]["badge_number"]
    checked_in = await client.post("/v1/gate/check-in", json={"badge": badge}, headers=people["gate"].headers)
    assert checked_in.status_code == 200
    [entry] = await physical(client, app, run_in_app, people["security"], action="gate.check_in", object=visit["id"])
    assert '"name": "Jane Roe"' in entry["pii"] and '"id_number": "L01X00T47"' in entry["pii"]
    raw = (await client.get("/v1/access-log/export", params={"kind": "physical"},
                            headers=people["security"].headers)).content
    assert b"Jane Roe" not in raw and b"L01X00T47" not in raw

    await run_in_app(erase_tenant_key, tenant_id=tenant.id)
    [erased] = await physical(client, app, run_in_app, people["security"], action="gate.check_in", object=visit["id"])
    assert erased["pii"] == "[erased]"
    gone = (await client.get(f"/v1/visits/{visit['id']}", headers=people["security"].headers)).json()
    assert gone["visitors"][0]["name"] == "[erased]"
    services = app.state.services
    header, lines = read_export((await client.get("/v1/access-log/export", headers=people["security"].headers))
                                .content.splitlines())
    checkpoint = verify_checkpoint(header.checkpoint, services.access_log.verifier_keys)
    assert merkle.root_of([merkle.leaf_hash(line.entry.encode()) for line in lines]) == checkpoint.root


async def test_the_status_filter_takes_a_visit_status_and_names_a_bad_one(
    client: AsyncTestClient, people: dict[str, IssuedTestKey],
) -> None:
    await new_visit(client, people["admin"])
    pending = await client.get("/v1/visits", params={"status": "pending"}, headers=people["admin"].headers)
    assert pending.status_code == 200, pending.text
    bad = await client.get("/v1/visits", params={"status": "lost"}, headers=people["admin"].headers)
    assert bad.status_code == 400, bad.text
    assert [error["field"] for error in bad.json()["errors"]] == ["status"]
