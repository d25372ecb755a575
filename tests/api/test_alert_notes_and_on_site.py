"""An alert acknowledged with a note keeps the note (served by the alerts list; the first
acknowledgement stands; no body still works; the note obeys the text rules), and who is on site
now (GET /v1/gate/on-site): gate staff only, names masked, paged, overstayed once the window ended."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from litestar.testing import AsyncTestClient

from colo.identity import Role
from tenants.schemas import TenantRead
from tests.api.test_visits_api import approve, guest, new_visit
from tests.conftest import IssuedTestKey

Run = Callable[..., Awaitable[Any]]
MakeKey = Callable[..., Awaitable[IssuedTestKey]]
MakeTenant = Callable[..., Awaitable[TenantRead]]


@pytest_asyncio.fixture(scope="module")
async def people(make_key: MakeKey, make_tenant: MakeTenant) -> dict[str, IssuedTestKey]:
    tenant = await make_tenant()
    return {
        "admin": await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="notes admin"),
        "security": await make_key(Role.SECURITY, name="notes security"),
        "gate": await make_key(Role.GATE, name="notes gate"),
        "ops": await make_key(Role.OPS, name="notes ops"),
        "auditor": await make_key(Role.AUDITOR, name="notes auditor"),
    }


async def not_approved_alert(client: AsyncTestClient, people: dict[str, IssuedTestKey]) -> dict[str, Any]:
    """A fresh open alert: the gate refuses a visitor whose visit nobody approved yet."""
    pending = await new_visit(client, people["admin"])
    visitor = pending["visitors"][0]["id"]
    refused = await client.post("/v1/gate/check-in", json={"visitor_id": visitor}, headers=people["gate"].headers)
    assert refused.status_code == 409, refused.text
    listed = await client.get("/v1/alerts", params={"kind": "not_approved", "limit": 200},
                              headers=people["security"].headers)
    return next(a for a in listed.json()["items"] if a["visitor_id"] == visitor)


async def handled(client: AsyncTestClient, people: dict[str, IssuedTestKey], alert_id: str) -> dict[str, Any]:
    cursor = None
    while True:
        listed = await client.get("/v1/alerts", headers=people["security"].headers, params={
            "kind": "not_approved", "open_only": "false", "limit": 200, **({"cursor": cursor} if cursor else {})})
        assert listed.status_code == 200, listed.text
        found = next((a for a in listed.json()["items"] if a["id"] == alert_id), None)
        if found is not None:
            return found
        cursor = listed.json()["next_cursor"]
        assert cursor, alert_id


async def test_an_acknowledgement_keeps_its_note(client: AsyncTestClient, people: dict[str, IssuedTestKey]) -> None:
    alert = await not_approved_alert(client, people)
    assert alert["acknowledgement_note"] == "" and alert["acknowledged_at"] is None
    url = f"/v1/alerts/{alert['id']}/acknowledge"
    for body, field in (({"note": "nul\x00here"}, "note"), ({"note": "x" * 501}, "note"),
                        ({"note": "fine", "extra": 1}, None)):
        refused = await client.post(url, json=body, headers=people["security"].headers)
        assert refused.status_code in (400, 422), (body, refused.text)
        if field:
            assert field in refused.text, refused.text
    assert (await handled(client, people, alert["id"]))["acknowledged_at"] is None  # nothing stored
    assert (await client.post(url, json={"note": "mine"}, headers=people["gate"].headers)).status_code == 403

    done = await client.post(url, json={"note": "called the company: they come tomorrow"},
                             headers=people["security"].headers)
    assert done.status_code == 200, done.text
    assert done.json()["acknowledgement_note"] == "called the company: they come tomorrow"
    assert done.json()["acknowledged_by"] == people["security"].principal.key_id
    listed = await handled(client, people, alert["id"])
    assert listed["acknowledgement_note"] == "called the company: they come tomorrow" and listed["acknowledged_at"]

    again = await client.post(url, json={"note": "another story"}, headers=people["security"].headers)
    assert again.status_code == 200 and again.json()["acknowledgement_note"] == "called the company: they come tomorrow"


async def test_an_acknowledgement_without_a_body_still_works(
    client: AsyncTestClient, people: dict[str, IssuedTestKey],
) -> None:
    alert = await not_approved_alert(client, people)
    done = await client.post(f"/v1/alerts/{alert['id']}/acknowledge", headers=people["security"].headers)
    assert done.status_code == 200, done.text
    assert done.json()["acknowledged_at"] and done.json()["acknowledgement_note"] == ""
    missing = await client.post(f"/v1/alerts/{uuid.uuid4()}/acknowledge", json={"note": "none"},
                                headers=people["security"].headers)
    assert missing.status_code == 404


async def on_site(client: AsyncTestClient, key: IssuedTestKey, *, limit: int = 200) -> list[dict[str, Any]]:
    """Every page of GET /v1/gate/on-site."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        listed = await client.get("/v1/gate/on-site", headers=key.headers,
                                  params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["items"]) <= limit
        rows += listed.json()["items"]
        cursor = listed.json()["next_cursor"]
        if cursor is None:
            return rows


async def test_who_is_on_site_now(
    client: AsyncTestClient, run_in_app: Run, people: dict[str, IssuedTestKey],
) -> None:
    from siteaccess.tables import Visit

    name = f"Nigar Mammadova {uuid.uuid4().hex[:4]}"
    visit = await new_visit(client, people["admin"], escort_required=False,
                            visitors=[guest(name), guest("Second Visitor")])
    badges = [v["badge_number"] for v in (await approve(client, people, visit["id"]))["visitors"]]
    ids = {v["id"] for v in visit["visitors"]}
    assert not ids & {row["visitor_id"] for row in await on_site(client, people["gate"])}
    for badge in badges:
        entered = await client.post("/v1/gate/check-in", json={"badge": badge}, headers=people["gate"].headers)
        assert entered.status_code == 200, entered.text

    paged = [row for row in await on_site(client, people["gate"], limit=1) if row["visitor_id"] in ids]
    rows = {row["visitor_id"]: row for row in paged}
    assert set(rows) == ids and len(paged) == 2  # one row a page, followed to the end: both, once each
    mine = next(row for row in rows.values() if row["company"] == "Fiber Works GmbH" and row["visitor_name_masked"]
                .endswith(name[-3:]))
    assert name not in str(rows) and mine["visitor_name_masked"] == "*" * (len(name) - 3) + name[-3:]
    assert mine["visit_id"] == visit["id"] and mine["tenant_id"] == visit["tenant_id"] and mine["tenant_name"]
    assert mine["badge_number"] in badges and mine["checked_in_at"] and mine["escort_required"] is False
    assert mine["overstayed"] is False

    for role in ("admin", "ops", "auditor"):
        assert (await client.get("/v1/gate/on-site", headers=people[role].headers)).status_code == 403, role
    assert {row["visitor_id"] for row in await on_site(client, people["security"])} >= ids

    async def end_the_window() -> None:
        await Visit.update({Visit.ends_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
            Visit.id == uuid.UUID(visit["id"]))

    await run_in_app(end_the_window)
    late = [row for row in await on_site(client, people["gate"]) if row["visitor_id"] in ids]
    assert len(late) == 2 and all(row["overstayed"] for row in late)
    for badge in badges:
        assert (await client.post("/v1/gate/check-out", json={"badge": badge},
                                  headers=people["gate"].headers)).status_code == 200
    assert not ids & {row["visitor_id"] for row in await on_site(client, people["gate"])}
