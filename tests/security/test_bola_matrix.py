"""BOLA matrix, generated from the OpenAPI document: every input of a tenant-callable operation
that names an object (path, query or body) is tried by tenant A (attacker) with tenant B's
(victim's) id, and must answer exactly like the same request with an id that does not exist:
404 with the same body for path ids, the same 4xx problem for body ids. Positive controls: the
owner's same request finds the object. Lists never show B's rows whatever filters A sends.

A new id-bearing input on a tenant-callable operation fails test_the_matrix_covers_every_id_input
until it is added to REQUESTS (how to build the request) or FACILITY_IDS (why it is not
tenant-owned).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api.guards import load_access_policy
from colo.identity import Role
from tests.security.conftest import BolaWorld
from tests.security.openapi_walk import id_inputs, operations, request_body_schemas, walk_schema

pytestmark = pytest.mark.usefixtures("seeded")

TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.TENANT_MEMBER})
Request = tuple[str, str, dict[str, Any] | None]
Ids = dict[str, Any]


def xc_spec(a_port: Any, z_port: Any) -> dict[str, Any]:
    return {"spec": {"kind": "cross_connect", "a_port_id": a_port, "z_port_id": z_port, "media": "copper",
                     "speed": "1G"}}


DESK = "/v1/service-desk"
FILE = "__file__"  # a body of this one key is sent as the multipart form's `file`
BOLA_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def hands(where: dict[str, Any]) -> dict[str, Any]:
    return {"request_type": "other", "title": "Bola hands", "scope": "bola scope", "where": where,
            "contact": {"name": "Bola"}}


def trouble(affected: dict[str, Any]) -> dict[str, Any]:
    return {"category": "other", "title": "Bola fault", "description": "bola fault", "affected": affected,
            "contact": {"name": "Bola"}}


# (operation, location, input) → builds the request from a tenant's ids (the victim's, a
# missing set, or the owner's own for the positive control).
REQUESTS: dict[tuple[str, str, str], Callable[[Ids], Request]] = {
    ("get_key", "path", "key_id"): lambda i: ("GET", f"/v1/keys/{i['key']}", None),
    ("revoke_key", "path", "key_id"): lambda i: ("POST", f"/v1/keys/{i['key']}/revoke", {"reason": "bola"}),
    ("rotate_key", "path", "key_id"): lambda i: ("POST", f"/v1/keys/{i['key']}/rotate", {"overlap_seconds": 0}),
    ("create_key", "body", "person_id"): lambda i: ("POST", "/v1/keys", {
        "name": "bola", "role": "tenant_member", "person_id": i["person"]}),
    ("get_tenant", "path", "tenant_id"): lambda i: ("GET", f"/v1/tenants/{i['tenant']}", None),
    ("get_person", "path", "person_id"): lambda i: ("GET", f"/v1/people/{i['person']}", None),
    ("update_person", "path", "person_id"): lambda i: ("PATCH", f"/v1/people/{i['person']}", {"name": "taken over"}),
    ("delete_person", "path", "person_id"): lambda i: ("DELETE", f"/v1/people/{i['person']}", None),
    ("get_visit", "path", "visit_id"): lambda i: ("GET", f"/v1/visits/{i['visit']}", None),
    ("cancel_visit", "path", "visit_id"): lambda i: ("POST", f"/v1/visits/{i['visit']}/cancel", None),
    ("request_visit", "body", "visitors[].person_id"): lambda i: ("POST", "/v1/visits", {
        "starts_at": "2030-01-02T08:00:00Z", "ends_at": "2030-01-02T12:00:00Z", "areas": ["meet-me-room"],
        "visitors": [{"person_id": i["person"]}], "escort_required": False, "purpose": "bola"}),
    ("request_visit", "body", "areas[]"): lambda i: ("POST", "/v1/visits", {
        "starts_at": "2030-01-03T08:00:00Z", "ends_at": "2030-01-03T12:00:00Z", "areas": [f"rack:{i['rack_name']}"],
        "visitors": [{"guest": {"name": "Gus Guest", "company": "Bola GmbH", "id_document_type": "passport",
                                "id_number": "P1234567"}}], "escort_required": True, "purpose": "bola"}),
    ("get_rack", "path", "rack_id"): lambda i: ("GET", f"/v1/racks/{i['rack']}", None),
    ("get_order", "path", "order_id"): lambda i: ("GET", f"/v1/orders/{i['order']}", None),
    ("list_order_events", "path", "order_id"): lambda i: ("GET", f"/v1/orders/{i['order']}/events", None),
    ("resubmit_order", "path", "order_id"): lambda i: ("POST", f"/v1/orders/{i['order']}/resubmit", None),
    ("request_order_decommission", "path", "order_id"): lambda i: (
        "POST", f"/v1/orders/{i['order']}/request-decommission", {"reason": "bola"}),
    ("cancel_order", "path", "order_id"): lambda i: ("POST", f"/v1/orders/{i['order']}/cancel", None),
    ("get_order_loa", "path", "order_id"): lambda i: ("GET", f"/v1/orders/{i['xc_order']}/loa", None),
    ("get_loa", "path", "loa_id"): lambda i: ("GET", f"/v1/loas/{i['loa']}", None),
    ("get_loa_text", "path", "loa_id"): lambda i: ("GET", f"/v1/loas/{i['loa']}/text", None),
    ("get_loa_terms", "path", "loa_id"): lambda i: ("GET", f"/v1/loas/{i['loa']}/terms", None),
    ("grant_loa", "path", "loa_id"): lambda i: ("POST", f"/v1/loas/{i['loa']}/grant", {"valid_days": 30}),
    ("refuse_loa", "path", "loa_id"): lambda i: ("POST", f"/v1/loas/{i['loa']}/refuse", {"reason": "bola"}),
    ("get_loa_pdf", "path", "loa_id"): lambda i: ("GET", f"/v1/loas/{i['loa']}/pdf", None),
    ("grant_loa_signed", "path", "loa_id"): lambda i: (
        "POST", f"/v1/loas/{i['loa']}/grant-signed", {FILE: ("loa.pdf", BOLA_PDF, "application/pdf")}),
    # A cross-connect whose A side is someone else's port: refused with the words for a missing port.
    ("create_order", "body", "spec.a_port_id"): lambda i: ("POST", "/v1/orders", xc_spec(i["a_port"], i["z_port"])),
    ("create_order", "body", "tenant_id"): lambda i: ("POST", "/v1/orders", {
        "spec": {"kind": "space", "rack_id": i["order_rack"], "units": 1}, "tenant_id": i["tenant"]}),
    ("get_shipment", "path", "shipment_id"): lambda i: ("GET", f"/v1/shipments/{i['shipment']}", None),
    ("cancel_shipment", "path", "shipment_id"): lambda i: ("POST", f"/v1/shipments/{i['shipment']}/cancel", None),
    ("announce_shipment", "body", "deliver_to"): lambda i: ("POST", "/v1/shipments/inbound", {
        "carrier": "Bola Freight", "tracking_numbers": [f"BOLA{uuid.uuid4().hex[:10].upper()}"], "boxes": 1,
        "expected_on": "2030-01-02", "deliver_to": f"rack:{i['rack_name']}"}),
    **{("get_service_ticket", "path", "ticket_id"): lambda i: ("GET", f"{DESK}/tickets/{i['ticket']}", None),
       ("list_service_ticket_events", "path", "ticket_id"): lambda i: (
           "GET", f"{DESK}/tickets/{i['ticket']}/events", None),
       ("answer_service_ticket", "path", "ticket_id"): lambda i: (
           "POST", f"{DESK}/tickets/{i['ticket']}/answer", {"text": "bola answer"}),
       ("cancel_service_ticket", "path", "ticket_id"): lambda i: (
           "POST", f"{DESK}/tickets/{i['ticket']}/cancel", {"reason": "bola"}),
       ("reopen_service_ticket", "path", "ticket_id"): lambda i: (
           "POST", f"{DESK}/tickets/{i['ticket']}/reopen", {"text": "bola reopen"}),
       ("upload_service_attachment", "path", "ticket_id"): lambda i: (
           "POST", f"{DESK}/tickets/{i['ticket']}/attachments", {FILE: ("bola.pdf", BOLA_PDF, "application/pdf")}),
       ("download_service_attachment", "path", "ticket_id"): lambda i: (
           "GET", f"{DESK}/tickets/{i['ticket']}/attachments/{i['attachment']}", None),
       ("download_service_attachment", "path", "attachment_id"): lambda i: (
           "GET", f"{DESK}/tickets/{i['ticket']}/attachments/{i['attachment']}", None),
       ("get_service_report", "query", "tenant_id"): lambda i: (
           "GET", f"{DESK}/reports/2026-11?tenant_id={i['tenant']}", None),
       ("create_hands_request", "body", "where.rack_id"): lambda i: (
           "POST", f"{DESK}/hands", hands({"rack_id": i["rack"]})),
       ("create_hands_request", "body", "where.device_id"): lambda i: (
           "POST", f"{DESK}/hands", hands({"device_id": i["device"]})),
       ("create_hands_request", "body", "where.cross_connect_order_id"): lambda i: (
           "POST", f"{DESK}/hands", hands({"cross_connect_order_id": i["xc_order"]})),
       **{("create_trouble_ticket", "body", f"affected.{name}{items}"): (
           lambda i, name=name, key=key: ("POST", f"{DESK}/trouble", trouble({name: [i[key]]})))
          for name, key in (("rack_ids", "rack"), ("power_feed_ids", "feed"), ("cross_connect_order_ids", "xc_order"))
          for items in ("", "[]")}},
}
METER = "/v1/metering"
# Metering: the victim's rack and feed carry a meter whose readings are the victim's.
REQUESTS.update({
    ("get_feed_power", "path", "feed_id"): lambda i: ("GET", f"{METER}/feeds/{i['feed']}", None),
    ("get_feed_power_history", "path", "feed_id"): lambda i: ("GET", f"{METER}/feeds/{i['feed']}/history", None),
    ("get_rack_power", "path", "rack_id"): lambda i: ("GET", f"{METER}/racks/{i['rack']}", None),
    ("get_rack_power_history", "path", "rack_id"): lambda i: ("GET", f"{METER}/racks/{i['rack']}/history", None),
    ("get_tenant_power", "path", "tenant_id"): lambda i: ("GET", f"{METER}/tenants/{i['tenant']}", None),
    ("get_tenant_power_history", "path", "tenant_id"): lambda i: (
        "GET", f"{METER}/tenants/{i['tenant']}/history", None),
    ("get_power_bill", "query", "tenant_id"): lambda i: ("GET", f"{METER}/bills/2026-11?tenant_id={i['tenant']}", None),
})
HOOKS = "/v1/webhooks"
REQUESTS.update({
    ("rotate_webhook_secret", "path", "endpoint_id"): lambda i: ("POST", f"{HOOKS}/{i['webhook']}/rotate-secret", None),
    ("enable_webhook_endpoint", "path", "endpoint_id"): lambda i: ("POST", f"{HOOKS}/{i['webhook']}/enable", None),
    ("delete_webhook_endpoint", "path", "endpoint_id"): lambda i: ("DELETE", f"{HOOKS}/{i['webhook']}", None),
    ("list_webhook_deliveries", "path", "endpoint_id"): lambda i: (
        "GET", f"{HOOKS}/{i['webhook']}/deliveries", None),
    ("redeliver_webhook", "path", "endpoint_id"): lambda i: (
        "POST", f"{HOOKS}/{i['webhook']}/deliveries/{i['delivery']}/redeliver", None),
    ("redeliver_webhook", "path", "delivery_id"): lambda i: (
        "POST", f"{HOOKS}/{i['webhook']}/deliveries/{i['delivery']}/redeliver", None),
    ("subscribe_notifications", "body", "person_id"): lambda i: (
        "POST", "/v1/notification-subscriptions", {"person_id": i["person"], "event_types": ["loa.granted"]}),
    ("unsubscribe_notifications", "path", "subscription_id"): lambda i: (
        "DELETE", f"/v1/notification-subscriptions/{i['subscription']}", None),
})
# Inputs that name facility objects, not tenant-owned ones.
FACILITY_IDS = {
    ("get_power_bill", "path", "month"): "a calendar month, not an object",
    ("get_service_report", "path", "month"): "a calendar month, not an object",
    ("create_order", "body", "spec.rack_id"): "racks belong to the facility: free units anywhere may be ordered",
    ("create_order", "body", "spec.site_id"): "sites belong to the facility",
    ("create_order", "body", "spec.z_port_id"): "the Z side is the other party by design; its owner decides the LOA",
    ("search_capacity", "body", "site_id"): "sites belong to the facility",
    ("list_racks", "query", "site_id"): "sites belong to the facility",
    ("power_utilization", "query", "site_id"): "sites belong to the facility",
    ("get_mmr_panel", "path", "panel_id"): "meet-me-room panels are the facility's, offered to every tenant",
}
# Inputs that name an object by something other than an id: `rack:<name>` areas of a visit
# must be racks the tenant holds.
NAME_REFERENCES = {("request_visit", "body", "areas[]"), ("announce_shipment", "body", "deliver_to")}
# Filters of lists: test_lists_never_show_the_victims_rows sends the victim's ids in them.
LIST_FILTER_IDS = {("list_people", "query", "tenant_id"), ("list_orders", "query", "tenant_id"),
                   ("list_racks", "query", "tenant_id"), ("list_service_tickets", "query", "tenant_id")}
OWN_LISTED = ("person", "key", "visit", "order", "xc_order", "loa", "tenant", "ticket",
              "shipment")  # ids the lists show
# Operations the owner may legitimately be refused on (409/403 from the domain) — still "found".
# The LOA is decided by the Z side, so its positive control runs as the Z-side tenant's admin.
Z_SIDE_OPERATIONS = {"grant_loa", "refuse_loa", "grant_loa_signed", "get_loa_pdf"}


def strip(response: Any, ids: Ids | None = None) -> str:
    """The problem body without what names the request (path, request id), and with the caller's
    own references (echoed back, e.g. a rack name) replaced by a placeholder."""
    text = json.dumps({k: v for k, v in response.json().items() if k not in ("instance", "request_id")},
                      sort_keys=True)
    for value in (ids or {}).values():
        if isinstance(value, str) and len(value) > 3:
            text = text.replace(value, "<ref>")
    return text


def missing_ids(world: BolaWorld) -> Ids:
    return {"key": str(uuid.uuid4()), "person": str(uuid.uuid4()), "tenant": str(uuid.uuid4()),
            "visit": str(uuid.uuid4()), "shipment": str(uuid.uuid4()),
            "order": str(uuid.uuid4()), "xc_order": str(uuid.uuid4()), "loa": str(uuid.uuid4()), "rack": 2**31 - 7,
            "ticket": str(uuid.uuid4()), "attachment": str(uuid.uuid4()), "device": 2**31 - 11, "feed": 2**31 - 13,
            "a_port": 2**31 - 9, "z_port": world.plant.ports["z"][2], "order_rack": world.plant.racks["space"],
            "rack_name": f"no-such-rack-{uuid.uuid4().hex[:6]}", "webhook": str(uuid.uuid4()),
            "delivery": str(uuid.uuid4()), "subscription": str(uuid.uuid4())}


def victim_ids(world: BolaWorld) -> Ids:
    return {**world.victim.ids, "z_port": world.plant.ports["z"][2], "order_rack": world.plant.racks["space"]}


def tenant_callable(openapi: dict[str, Any]) -> list[Any]:
    policy = load_access_policy()
    return [op for op in operations(openapi) if policy.roles.get(op.operation_id, frozenset()) & TENANT_ROLES]


def test_the_matrix_covers_every_id_input(openapi: dict[str, Any]) -> None:
    found = {(op.operation_id, loc, name) for op in tenant_callable(openapi) for loc, name in id_inputs(openapi, op)}
    by_id = {op.operation_id: op for op in operations(openapi)}
    for op, _loc, field in NAME_REFERENCES:  # still in the document
        assert any(path == field for schema in request_body_schemas(by_id[op])
                   for path, _ in walk_schema(openapi, schema)), (op, field)
    found |= NAME_REFERENCES
    covered = set(REQUESTS) | set(FACILITY_IDS) | LIST_FILTER_IDS
    assert found - covered == set(), "id inputs nobody tries with another tenant's ids"
    assert covered - found == set(), "matrix entries for inputs the document no longer has"
    assert len(found) >= 30  # the walker really found them (a broken walker finds nothing)


async def send(client: AsyncTestClient, request: Request, headers: dict[str, str]) -> Any:
    method, path, body = request
    if body is not None and FILE in body:
        return await client.request(method, path, files={"file": body[FILE]}, headers=headers)
    return await client.request(method, path, json=body, headers=headers)


async def test_another_tenants_ids_answer_like_missing_ones(client: AsyncTestClient, bola_world: BolaWorld) -> None:
    w, mismatches = bola_world, []
    for (op, location, name), build in sorted(REQUESTS.items()):
        for attacker in (w.attacker.admin, w.attacker.member):
            theirs_ids, missing_ids_ = victim_ids(w), missing_ids(w)
            theirs = await send(client, build(theirs_ids), attacker.headers)
            missing = await send(client, build(missing_ids_), attacker.headers)
            if attacker is w.attacker.member and missing.status_code == 403:
                continue  # a member may not call it at all (BFLA's matter), so no ids are looked at
            expected_status = 404 if location == "path" else missing.status_code
            if not (theirs.status_code == expected_status and 400 <= missing.status_code < 500
                    and strip(theirs, theirs_ids) == strip(missing, missing_ids_)):
                mismatches.append((op, location, name, attacker.principal.role.value, theirs.status_code,
                                   missing.status_code, theirs.text[:300], missing.text[:300]))
    assert mismatches == [], "\n".join(map(str, mismatches))


def _pattern_values(param: dict[str, Any]) -> list[str]:
    schema = param.get("schema", {})
    if "enum" in schema:
        return [str(v) for v in schema["enum"]]
    match = re.fullmatch(r"\^\(?([\w|]+)\)?\$", schema.get("pattern", "")) or re.fullmatch(
        r"\^(\w+)_\(([\w|]+)\)\$", schema.get("pattern", ""))
    if match and match.lastindex == 2:
        return [f"{match.group(1)}_{v}" for v in match.group(2).split("|")]
    return match.group(1).split("|") if match else []


def filter_variants(op: Any, victim: Ids, netbox_tenant: int) -> list[dict[str, Any]]:
    variants: list[dict[str, Any]] = [{}]
    for param in op.parameters("query"):
        name, schema = param["name"], param.get("schema", {})
        if name.endswith("_id"):
            options = [schema, *schema.get("oneOf", [])]
            integer = any(option.get("type") == "integer" for option in options)
            variants.append({name: netbox_tenant if integer else victim["tenant"]})
        elif name == "include_revoked":
            variants.append({name: "true"})
        else:
            variants += [{name: value} for value in _pattern_values(param)]
    return variants


async def test_lists_never_show_the_victims_rows(
    client: AsyncTestClient, bola_world: BolaWorld, openapi: dict[str, Any],
) -> None:
    w = bola_world
    victim_uuids = {str(w.victim.ids[k]) for k in OWN_LISTED}
    lists = [op for op in tenant_callable(openapi) if op.method == "GET" and not op.parameters("path")]
    assert {"list_keys", "list_people", "list_orders", "list_loas", "list_racks", "list_visits"} <= {
        op.operation_id for op in lists}
    leaks, requests = [], 0
    for op in lists:
        for params in filter_variants(op, w.victim.ids, w.victim.tenant.netbox_tenant_id):
            for attacker in (w.attacker.admin, w.attacker.member):
                response = await client.get(op.path, params=params, headers=attacker.headers)
                requests += 1
                if response.status_code == 403:
                    continue
                assert response.status_code in (200, 400, 422), (op.operation_id, params, response.text)
                text = response.text
                racks = re.findall(r'"netbox_id":\s*(\d+)', text) if op.operation_id == "list_racks" else []
                if any(u in text for u in victim_uuids) or str(w.victim.ids["rack"]) in racks:
                    leaks.append((op.operation_id, params, attacker.principal.role.value))
    assert leaks == [], "\n".join(map(str, leaks))
    assert requests > 40
    # Positive control: the victim's own lists do show these rows.
    owner = w.victim.admin.headers
    seen = "".join([(await client.get(path, headers=owner)).text for path in
                    ("/v1/people", "/v1/keys", "/v1/visits", "/v1/orders", "/v1/loas", "/v1/tenants",
                     f"{DESK}/tickets",
                     "/v1/shipments")])
    missing_from_own = {k: v for k, v in w.victim.ids.items() if k in OWN_LISTED and str(v) not in seen}
    assert missing_from_own == {}, "the victim's own lists miss its objects: broken fixture"
    racks = (await client.get("/v1/racks", headers=owner)).json()["items"]
    assert {r["netbox_id"] for r in racks} == {w.victim.ids["rack"], w.plant.racks["kit"]}


# Last: the owners' positive controls change their objects (cancel, rotate, revoke, delete).
async def test_the_victim_is_unchanged_and_owners_find_their_objects(
    client: AsyncTestClient, bola_world: BolaWorld, make_key: Any,
) -> None:
    w = bola_world
    for (_op, _loc, _name), build in REQUESTS.items():  # the attacker tries everything first
        await send(client, build(victim_ids(w)), w.attacker.admin.headers)
    owner = w.victim.admin.headers
    assert (await client.get(f"/v1/people/{w.victim.ids['person']}", headers=owner)).json()["name"] == "Site Person"
    assert (await client.get(f"/v1/keys/{w.victim.ids['key']}", headers=owner)).json()["revoked_at"] is None
    assert (await client.get(f"/v1/visits/{w.victim.ids['visit']}", headers=owner)).json()["status"] == "pending"
    assert (await client.get(f"/v1/shipments/{w.victim.ids['shipment']}", headers=owner)).json()["status"] == "expected"
    assert (await client.get(f"/v1/orders/{w.victim.ids['order']}", headers=owner)).json()["state"] == "submitted"
    assert (await client.get(f"/v1/loas/{w.victim.ids['loa']}", headers=owner)).json()["status"] == "loa_pending"
    # Positive controls: the same requests by the owner find the object (reads first, deletes last).
    z_admin = await make_key(Role.TENANT_ADMIN, tenant_id=w.plant.tenants["z"].id, name="bola z admin")
    last = {"delete_person": 3, "revoke_key": 2, "rotate_key": 1, "delete_webhook_endpoint": 1,
            "unsubscribe_notifications": 1}
    created_orders = []
    for (op, _loc, _name), build in sorted(REQUESTS.items(), key=lambda kv: (last.get(kv[0][0], 0), kv[0])):
        headers = z_admin.headers if op in Z_SIDE_OPERATIONS else owner
        ids = {**victim_ids(w), "a_port": w.plant.ports["a"][2]} if op == "create_order" else victim_ids(w)
        response = await send(client, build(ids), headers)
        assert response.status_code != 404 and response.status_code < 500, (op, response.status_code, response.text)
        if op == "create_order" and response.status_code in (200, 201):
            created_orders.append(response.json()["id"])
    for order_id in created_orders:
        await client.post(f"/v1/orders/{order_id}/cancel", headers=owner)
