"""Every list operation answers one envelope and pages with keyset cursors.

The set of list operations is read from the served OpenAPI document, not written down here: every
GET whose 200 answer is an array, or an object carrying an `items` array, is a list. Each must be
the envelope (`items` + `next_cursor`, nothing else but the plant lists' `count` and `freshness`),
declare the `X-Next-Cursor` and `Link` headers, and be called here against the real app with real
keys: limit=1 pages followed by `next_cursor` return every row exactly once, in the same order as
one big page. A list added without the envelope, or without a way to call it below, fails.

And the reason for keysets: rows inserted (and removed) between two page requests of a
newest-first list neither repeat nor skip a row — what an offset cursor did.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.pagination import NEXT_CURSOR_HEADER
from colo.identity import Role
from dcim.netbox import NetBoxGateway
from dcim.orders.tables import Loa, Order, OrderEvent
from dcim.readmodel.sync import refresh_racks
from devtools.demo.plan import DemoPlant
from metering.discovery import DiscoveredMeter, sync_meters
from metering.status import MeterSource
from servicedesk.tables import Ticket
from siteaccess.tables import Alert, Visitor
from tenants.ratelimit import RateLimiter
from tests.api.notify.support import config as notify_config
from tests.api.notify.support import dispatch
from tests.api.servicedesk.conftest import _build
from tests.conftest import IssuedTestKey
from tests.netbox_cleanup import remove_sites
from tests.webhook_receiver import webhook_receiver

ENVELOPE = {"items", "next_cursor"}
EXTRAS = {"count", "freshness"}  # the plant lists' cheap extras; nothing else may differ
MakeKey = Callable[..., Awaitable[IssuedTestKey]]


@dataclass(frozen=True)
class Call:
    """How this test calls one list: the key, the path (ids filled in) and filters that keep the
    rows a known, small set."""

    key: IssuedTestKey
    path: str
    params: dict[str, str]


@pytest_asyncio.fixture(scope="module")
async def openapi(client: AsyncTestClient) -> dict[str, Any]:
    """The document the app serves: what a generated client pages with."""
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def list_operations(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    """operationId → (path, operation, resolved 200 schema) of every GET answering a list or page."""
    found = {}
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        schema = _resolve(document, content.get("application/json", {}).get("schema", {}))
        items = _resolve(document, (schema.get("properties") or {}).get("items", {}))
        if schema.get("type") == "array" or items.get("type") == "array":
            found[operation["operationId"]] = (path, operation, schema)
    return found


def test_every_list_operation_is_the_envelope_with_its_next_page_headers(openapi: dict[str, Any]) -> None:
    lists = list_operations(openapi)
    assert len(lists) >= 14  # the walk found the lists (tenants … access log)
    wrong = {}
    for operation_id, (_path, operation, schema) in lists.items():
        properties = set(schema.get("properties") or {})
        headers = set(operation["responses"]["200"].get("headers") or {})
        problems = []
        if schema.get("type") != "object" or not ENVELOPE <= properties or properties - ENVELOPE - EXTRAS:
            problems.append(f"not the envelope: {schema.get('type')} {sorted(properties)}")
        if not ENVELOPE <= set(schema.get("required") or []):
            problems.append("items and next_cursor must be required")
        cursor = schema.get("properties", {}).get("next_cursor", {})
        if {o.get("type") for o in cursor.get("oneOf", cursor.get("anyOf", []))} != {"string", "null"}:
            problems.append(f"next_cursor is not string-or-null: {cursor}")
        if not {NEXT_CURSOR_HEADER, "Link"} <= headers:
            problems.append(f"next-page headers not declared: {sorted(headers)}")
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if "offset" in query:
            problems.append("still takes offset")
        if problems:
            wrong[operation_id] = problems
    assert wrong == {}


# ------------------------------------------------------------------------------- the rows


@pytest_asyncio.fixture(scope="module")
async def world(client: AsyncTestClient, app: Litestar, make_tenant: Any, make_key: MakeKey, ops_key: IssuedTestKey,
                run_in_app: Callable[..., Awaitable[Any]], seeded: DemoPlant) -> dict[str, Any]:
    """A fresh tenant with three of everything it can list, three applications, a synced plant."""
    services = app.state.services
    saved_limiter, services.rate_limiter = services.rate_limiter, RateLimiter()  # applying is rate-limited
    assert (await client.post("/v1/netbox/sync", headers=ops_key.headers)).status_code == 200
    tenant, *_others = [await make_tenant() for _ in range(3)]  # staff list at least three
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="envelope admin")
    for n in range(2):
        await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name=f"envelope member {n}")
    people = []
    for n in range(3):
        made = await client.post("/v1/people", headers=admin.headers, json={
            "name": f"Envelope Person {n}", "email": f"person{n}@envelope.example"})
        assert made.status_code == 201, made.text
        people.append(made.json()["id"])
    for n in range(3):
        unique = uuid.uuid4().hex[:10].upper()
        applied = await client.post("/v1/applications", json={
            "legal_name": f"Envelope {n} AS {unique}", "registration_number": f"NO{unique}", "country": "NO",
            "address": {"street": "Kongens gate 1", "postal_code": "0153", "city": "Oslo"},
            "billing_contact": {"name": "Kari", "email": "billing@envelope.example", "phone": "+47 22 12 34 56"},
            "technical_contact": {"name": "Ola", "email": "noc@envelope.example", "phone": "+47 22 65 43 21"},
            "services_of_interest": ["power"]})
        assert applied.status_code == 201, applied.text
    services.rate_limiter = saved_limiter
    # Orders, their history and LOAs: rows as the order service stores them (cancelled: they hold
    # nothing), three of each, with one shared creation time to show that the id breaks ties.
    same_moment = datetime.now(UTC) - timedelta(minutes=5)
    order_ids = [uuid.uuid4() for _ in range(3)]
    await run_in_app(Order.insert(*[Order(
        id=oid, tenant_id=tenant.id, kind="space", state="cancelled", created_by="envelope test",
        created_at=same_moment, updated_at=same_moment) for oid in order_ids]).run)
    await run_in_app(OrderEvent.insert(*[OrderEvent(
        id=uuid.uuid4(), order_id=order_ids[0], at=same_moment + timedelta(seconds=n), actor="envelope test",
        action=action, from_state=before, to_state=after)
        for n, (action, before, after) in enumerate([("submit", "", "submitted"), ("review", "submitted", "in_review"),
                                                      ("cancel", "in_review", "cancelled")])]).run)
    await run_in_app(Loa.insert(*[Loa(
        id=uuid.uuid4(), order_id=oid, a_tenant_id=tenant.id, status="loa_refused", created_at=same_moment)
        for oid in order_ids]).run)
    starts = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)  # one start: the id breaks ties
    for n in range(3):
        visit = await client.post("/v1/visits", headers=admin.headers, json={
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=4)).isoformat(),
            "areas": ["meet-me-room"], "escort_required": True, "purpose": f"envelope visit {n}",
            "visitors": [{"guest": {"name": f"Guest {n}", "company": "Fiber Works GmbH",
                                    "id_document_type": "national_id", "id_number": f"L01X00T4{n}"}}]})
        assert visit.status_code == 201, visit.text
    # its three guests on site (as the gate's check-in leaves them), one check-in time: the id breaks ties
    await run_in_app(Visitor.update({Visitor.on_site: True, Visitor.checked_in_at: same_moment}).where(
        Visitor.tenant_id == tenant.id).run)
    await run_in_app(Alert.insert(*[Alert(
        id=uuid.uuid4(), kind="unknown_badge", tenant_id=tenant.id, detail=f"envelope alert {n}",
        dedup_key=f"envelope:{uuid.uuid4()}", created_at=same_moment) for n in range(3)]).run)
    for _ in range(3):  # the tenant's own requests: access-log entries with its tenant id
        assert (await client.get("/v1/auth/whoami", headers=admin.headers)).status_code == 200
    return {"tenant": tenant, "admin": admin, "order": order_ids[0], "people": people,
            "security": await make_key(Role.SECURITY, name="envelope security")}


@pytest_asyncio.fixture(scope="module")
async def held_rack(app: Litestar, gateway: NetBoxGateway, run_in_app: Callable[..., Awaitable[Any]],
                    world: dict[str, Any]) -> AsyncIterator[int]:
    """A rack on a site of its own in NetBox, reserved for the world's tenant (read model refreshed):
    what a notice reaches the tenant through. Removed from NetBox afterwards."""
    suffix = uuid.uuid4().hex[:8]
    built = await gateway.call(lambda api: _build(api, suffix, {"a": world["tenant"].netbox_tenant_id}),
                               what="envelope plant")
    await run_in_app(refresh_racks, app.state.services.netbox, [built["a"]["rack"]])
    try:
        yield built["a"]["rack"]
    finally:
        await gateway.call(lambda api: remove_sites(api, [built["site"]], device_types=built["types"],
                                                    device_roles=built["roles"], manufacturers=built["makers"]),
                           what="remove envelope plant")


@pytest_asyncio.fixture(scope="module")
async def desk_and_notices(client: AsyncTestClient, app: Litestar, ops_key: IssuedTestKey, world: dict[str, Any],
                           held_rack: int, run_in_app: Callable[..., Awaitable[Any]]) -> dict[str, Any]:
    """Through the API, for the world's tenant: three webhook endpoints (one a live receiver of its
    ticket events), three e-mail subscriptions, three trouble tickets (one with two ops notes) whose
    events are dispatched to that receiver, three inbound shipments, three notices on its rack, and
    three pushed meters over 90 % of their feed (three open feed_critical alerts). The tickets' SLA
    clocks are then set in the past, so listing the SLA alerts (which sweeps) raises three breaches."""
    admin, ops = world["admin"], ops_key
    services = app.state.services
    saved_limiter, services.rate_limiter = services.rate_limiter, RateLimiter()
    with webhook_receiver() as receiver:
        endpoints = []
        for n, (url, types) in enumerate([(receiver.url, ["ticket.submitted", "ticket.note_added"]),
                                          ("https://hooks.example.net/colo/1", ["loa.granted"]),
                                          ("https://hooks.example.net/colo/2", ["loa.refused"])]):
            made = await client.post("/v1/webhooks", headers=admin.headers,
                                     json={"url": url, "event_types": types, "description": f"envelope {n}"})
            assert made.status_code == 201, made.text
            endpoints.append(made.json()["endpoint"]["id"])
        for person in world["people"]:  # a type nothing here raises: no e-mail goes out
            made = await client.post("/v1/notification-subscriptions", headers=admin.headers,
                                     json={"person_id": person, "event_types": ["visitor.checked_out"]})
            assert made.status_code == 200, made.text
        tickets = []
        for n in range(3):
            made = await client.post("/v1/service-desk/trouble", headers=admin.headers, json={
                "category": "power_loss_feed", "title": f"Envelope fault {n}", "priority": "high",
                "description": "Our PDU on feed A lost power", "contact": {"name": "Ops Desk"}})
            assert made.status_code == 201, made.text
            tickets.append(made.json()["id"])
        for n in range(2):
            noted = await client.post(f"/v1/service-desk/tickets/{tickets[0]}/notes", headers=ops.headers,
                                      json={"text": f"envelope note {n}"})
            assert noted.status_code == 200, noted.text
        await run_in_app(dispatch, notify_config(), services.keys.master_key)
        assert len(receiver.ids()) >= 5  # three submissions and two notes delivered
    for n in range(3):
        shipped = await client.post("/v1/shipments/inbound", headers=admin.headers, json={
            "carrier": "DHL Express", "tracking_numbers": [f"TRK{uuid.uuid4().hex[:12].upper()}"], "boxes": n + 1,
            "expected_on": datetime.now(UTC).date().isoformat(), "description": f"envelope shipment {n}"})
        assert shipped.status_code == 201, shipped.text
    starts = datetime.now(UTC) + timedelta(days=2)
    for n in range(3):
        published = await client.post("/v1/notices", headers=ops.headers, json={
            "kind": "maintenance", "summary": f"Envelope maintenance {n}", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(), "targets": {"racks": [held_rack]}})
        assert published.status_code == 201 and published.json()["tenants_affected"] == 1, published.text
    keys = [f"envelope-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    await run_in_app(sync_meters, [DiscoveredMeter(
        key=key, name=key, netbox_device_id=None, host="", feed_id=1_960_000_000 + uuid.uuid4().int % 10_000_000,
        feed_name=f"F-{key}", side="primary", feed_capacity_w=10_000, tenant_id=world["tenant"].id,
        source=MeterSource.PUSH) for key in keys], deactivate_missing=False)
    at = (datetime.now(UTC) - timedelta(seconds=30)).replace(microsecond=0).isoformat()
    pushed = await client.post("/v1/metering/readings", headers=ops.headers, json={"readings": [
        {"meter": key, "at": at, "metric": "power_w", "value": 9_500} for key in keys]})
    assert pushed.status_code == 200, pushed.text
    past = datetime.now(UTC) - timedelta(hours=5)
    await run_in_app(Ticket.update({Ticket.sla_started_at: past, Ticket.sla_due_base: past + timedelta(hours=4)}).where(
        Ticket.id.is_in([uuid.UUID(t) for t in tickets])).run)
    services.rate_limiter = saved_limiter
    return {"ticket": tickets[0], "endpoint": endpoints[0]}


def calls(world: dict[str, Any], more: dict[str, Any], ops: IssuedTestKey) -> dict[str, Call]:
    admin, tenant = world["admin"], world["tenant"]
    return {
        "list_tenants": Call(ops, "/v1/tenants", {}),
        "list_applications": Call(ops, "/v1/applications", {"status": "submitted"}),
        "list_people": Call(admin, "/v1/people", {}),
        "list_keys": Call(admin, "/v1/keys", {}),
        "list_orders": Call(admin, "/v1/orders", {}),
        "list_order_events": Call(admin, f"/v1/orders/{world['order']}/events", {}),
        "list_loas": Call(admin, "/v1/loas", {}),
        "list_racks": Call(ops, "/v1/racks", {}),
        "list_mmr_panels": Call(ops, "/v1/meet-me-room/panels", {}),
        "list_own_ports": Call(ops, "/v1/ports", {"media": "copper"}),
        "list_z_side_ports": Call(ops, "/v1/ports/z-side", {"media": "copper"}),
        "search_access_log": Call(world["security"], "/v1/access-log/entries",
                                  {"tenant_id": str(tenant.id), "action": "GET /v1/auth/whoami"}),
        "get_access_log_keys": Call(world["security"], "/v1/access-log/keys", {}),
        "loa_public_keys": Call(ops, "/v1/loas/public-keys", {}),
        "list_visits": Call(admin, "/v1/visits", {}),
        "list_alerts": Call(world["security"], "/v1/alerts", {"kind": "unknown_badge"}),
        "list_on_site": Call(world["security"], "/v1/gate/on-site", {}),
        "list_service_tickets": Call(admin, "/v1/service-desk/tickets", {}),
        "list_service_ticket_events": Call(admin, f"/v1/service-desk/tickets/{more['ticket']}/events", {}),
        "list_service_sla_alerts": Call(ops, "/v1/service-desk/alerts", {"kind": "breached"}),
        "list_shipments": Call(admin, "/v1/shipments", {}),
        "list_metering_alerts": Call(ops, "/v1/metering/alerts", {"kind": "feed_critical"}),
        "list_webhook_endpoints": Call(admin, "/v1/webhooks", {}),
        "list_webhook_deliveries": Call(admin, f"/v1/webhooks/{more['endpoint']}/deliveries", {}),
        "list_notification_subscriptions": Call(admin, "/v1/notification-subscriptions", {}),
        "list_notices": Call(ops, "/v1/notices", {}),
        "list_my_notices": Call(admin, "/v1/notices/mine", {}),
        "list_my_events": Call(admin, "/v1/events/mine", {"type": "ticket.submitted"}),
    }


DRIFTING = {"freshness", "sla"}  # a plant row's data age, a ticket's SLA countdown: they move with the clock


def _row(item: dict[str, Any]) -> str:
    """A row as compared across pages: without what changes by itself between requests."""
    return json.dumps({k: v for k, v in item.items() if k not in DRIFTING}, sort_keys=True)


def _check_envelope(body: Any, allowed: set[str]) -> None:
    assert isinstance(body, dict) and ENVELOPE <= set(body) and set(body) - ENVELOPE <= allowed, body
    assert isinstance(body["items"], list)
    assert body["next_cursor"] is None or isinstance(body["next_cursor"], str)


async def _walk(client: AsyncTestClient, call: Call, path: str, limit: int, allowed: set[str]) -> list[str]:
    rows: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        params = {**call.params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=params, headers=call.key.headers)
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        _check_envelope(body, allowed)
        assert len(body["items"]) <= limit
        rows += [_row(item) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            assert NEXT_CURSOR_HEADER not in response.headers and "link" not in response.headers
            return rows
        assert body["items"], "a page with a next page is not empty"
        assert response.headers[NEXT_CURSOR_HEADER] == cursor
        link = response.headers["link"]
        assert link.startswith(f"<{path}?") and link.endswith('>; rel="next"') and "cursor=" in link
        assert "limit=" in link  # the filters and page size travel with the next link
    raise AssertionError(f"{path}: no last page after 1000 pages")


async def test_every_list_operation_pages_every_row_exactly_once(
    client: AsyncTestClient, openapi: dict[str, Any], world: dict[str, Any], desk_and_notices: dict[str, Any],
    ops_key: IssuedTestKey,
) -> None:
    lists, how = list_operations(openapi), calls(world, desk_and_notices, ops_key)
    assert set(lists) - set(how) == set(), "a list operation this test does not call: add it to calls()"
    for operation_id, (template, operation, schema) in lists.items():
        call = how[operation_id]
        allowed = set(schema["properties"]) - ENVELOPE
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        whole = await client.get(call.path, params={**call.params, **({"limit": "200"} if "limit" in query else {})},
                                 headers=call.key.headers)
        assert whole.status_code == 200, (operation_id, whole.text)
        _check_envelope(whole.json(), allowed)
        if "limit" not in query:  # a small fixed list: one page
            assert whole.json()["next_cursor"] is None and NEXT_CURSOR_HEADER not in whole.headers
            continue
        assert {"limit", "cursor"} <= query, operation_id
        every = await _walk(client, call, call.path, 200, allowed)
        assert len(every) >= 3, f"{operation_id}: too few rows to show paging ({template})"
        one_by_one = await _walk(client, call, call.path, 1, allowed)
        assert one_by_one == every, operation_id  # each row once, in the list's order
        assert len(set(one_by_one)) == len(one_by_one), operation_id
        offset = await client.get(call.path, params={**call.params, "offset": "1"}, headers=call.key.headers)
        assert offset.status_code == 400 and offset.json()["field"] == "offset", (operation_id, offset.text)
        assert "next_cursor" in offset.json()["detail"]
        other = "racks" if operation_id != "list_racks" else "tenants"
        foreign = await client.get(call.path, params={**call.params, "cursor": _cursor_of(other)},
                                   headers=call.key.headers)
        if operation_id != "search_access_log":  # the access log keeps its own index cursor
            assert foreign.status_code == 422 and foreign.json()["field"] == "cursor", (operation_id, foreign.text)


def _cursor_of(list_name: str) -> str:
    """A well-formed cursor of another list (its key does not fit this one)."""
    import base64

    raw = json.dumps(["k1", list_name, ["A", 1]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_rows_inserted_or_removed_between_pages_are_neither_repeated_nor_skipped(
    client: AsyncTestClient, make_tenant: Any, make_key: MakeKey,
) -> None:
    """Keys are listed newest first: new keys land before the cursor, and revoking an already-seen
    key removes a row before it. An offset would then repeat a row (inserts) or skip one (removal)."""
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="concurrent admin")
    for n in range(4):
        await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name=f"concurrent member {n}")
    before = (await client.get("/v1/keys", params={"limit": 200}, headers=admin.headers)).json()["items"]
    assert len(before) == 5
    first = await client.get("/v1/keys", params={"limit": 2}, headers=admin.headers)
    seen = [k["id"] for k in first.json()["items"]]
    for n in range(3):  # newer than every listed key
        await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name=f"concurrent late {n}")
    revoked = await client.post(f"/v1/keys/{seen[0]}/revoke", headers=admin.headers, json={"reason": "test"})
    assert revoked.status_code == 200, revoked.text
    cursor = first.json()["next_cursor"]
    while cursor is not None:
        page = (await client.get("/v1/keys", params={"limit": 2, "cursor": cursor}, headers=admin.headers)).json()
        seen += [k["id"] for k in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [k["id"] for k in before]  # every row that was there, once, in order
