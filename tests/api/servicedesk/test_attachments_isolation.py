"""Attachments and isolation: a file's type is read from its bytes (a PNG named .pdf, a program
named .jpg and a file over the limit are refused, naming `file`); stored by sha256 with the hash
in the ticket's history; another tenant's ticket, attachment and plant objects answer exactly like
missing ones. Bad input is a problem naming the field the client sent."""

from __future__ import annotations

import hashlib
import struct
import uuid
import zlib
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from servicedesk.attachments import blob_path
from tests.api.servicedesk.conftest import DeskPlant, hands_body, trouble_body

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
DESK = "/v1/service-desk"


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 100


async def new_ticket(client: AsyncTestClient, headers: dict[str, str], rack: int) -> str:
    response = await client.post(f"{DESK}/hands", headers=headers, json=hands_body(rack))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def upload(client: AsyncTestClient, headers: dict[str, str], ticket: str, name: str, content: bytes,
                 declared: str = "application/octet-stream") -> Any:
    return await client.post(f"{DESK}/tickets/{ticket}/attachments", headers=headers,
                             files={"file": (name, content, declared)})


async def test_attachments_are_checked_by_content_and_stored_by_hash(
    client: AsyncTestClient, app: Litestar, desk: DeskPlant,
) -> None:
    tenant = desk.a.admin.headers
    ticket = await new_ticket(client, tenant, desk.a.rack)
    photo = png()
    stored = await upload(client, tenant, ticket, "rack front.png", photo, "image/png")
    assert stored.status_code == 201, stored.text
    body = stored.json()
    assert body["media_type"] == "image/png" and body["sha256"] == hashlib.sha256(photo).hexdigest()
    root = app.state.services.service_desk.config.attachments_dir
    assert blob_path(root, body["sha256"]).read_bytes() == photo
    pdf = await upload(client, desk.ops.headers, ticket, "work order.pdf", PDF)
    assert pdf.status_code == 201 and pdf.json()["media_type"] == "application/pdf"
    events = (await client.get(f"{DESK}/tickets/{ticket}/events", headers=tenant)).json()["items"]
    assert [e["sha256"] for e in events if e["kind"] == "attachment"] == [body["sha256"], pdf.json()["sha256"]]
    down = await client.get(f"{DESK}/tickets/{ticket}/attachments/{body['id']}", headers=desk.a.member.headers)
    assert down.status_code == 200 and down.content == photo
    assert down.headers["content-type"] == "image/png" and down.headers["x-content-type-options"] == "nosniff"
    detail = (await client.get(f"{DESK}/tickets/{ticket}", headers=tenant)).json()
    assert [a["filename"] for a in detail["attachments"]] == ["rack front.png", "work order.pdf"]
    # refusals, each a 422 on `file`: the name's type against the content's, programs, size, empty
    limit = app.state.services.service_desk.config.attachment_max_bytes
    for name, content in (("photo.pdf", photo), ("invoice.jpg", ELF), ("big.png", photo + b"\x00" * limit),
                          ("empty.png", b""), ("notes.png", b"just some text, not an image")):
        refused = await upload(client, tenant, ticket, name, content, "image/jpeg")
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["field"] == "file", name
    after = (await client.get(f"{DESK}/tickets/{ticket}", headers=tenant)).json()
    assert len(after["attachments"]) == 2


async def test_another_tenants_tickets_and_attachments_are_missing(client: AsyncTestClient, desk: DeskPlant) -> None:
    ticket = await new_ticket(client, desk.a.admin.headers, desk.a.rack)
    attachment = (await upload(client, desk.a.admin.headers, ticket, "p.png", png())).json()["id"]
    other, nobody = desk.b.admin.headers, str(uuid.uuid4())
    for path in (f"/tickets/{ticket}", f"/tickets/{ticket}/events", f"/tickets/{ticket}/attachments/{attachment}",
                 f"/tickets/{nobody}/attachments/{attachment}"):
        theirs = await client.get(DESK + path, headers=other)
        missing = await client.get(DESK + path.replace(ticket, nobody).replace(attachment, nobody), headers=other)
        assert theirs.status_code == missing.status_code == 404, path
        assert theirs.json()["detail"] == missing.json()["detail"]
    for action, body in (("cancel", None), ("answer", {"text": "hijack"}), ("reopen", {"text": "hijack"})):
        response = await client.post(f"{DESK}/tickets/{ticket}/{action}", headers=other, json=body)
        assert response.status_code == 404, action
    assert (await upload(client, other, ticket, "x.png", png())).status_code == 404
    listed = (await client.get(f"{DESK}/tickets", headers=other,
                               params={"tenant_id": str(desk.a.tenant.id), "limit": 200})).json()
    assert ticket not in {t["id"] for t in listed["items"]}
    mine = (await client.get(f"{DESK}/tickets/{ticket}", headers=desk.a.member.headers)).json()
    assert mine["state"] == "submitted"  # untouched


async def test_another_tenants_plant_objects_answer_like_missing_ones(client: AsyncTestClient, desk: DeskPlant) -> None:
    headers = desk.a.admin.headers
    cases = [
        ("hands", "where.rack_id", hands_body(desk.b.rack), hands_body(2**31 - 5)),
        ("hands", "where.device_id", hands_body(desk.a.rack, where={"device_id": desk.b.device}),
         hands_body(desk.a.rack, where={"device_id": 2**31 - 5})),
        ("trouble", "affected.rack_ids[0]", trouble_body(affected={"rack_ids": [desk.b.rack]}),
         trouble_body(affected={"rack_ids": [2**31 - 5]})),
        ("trouble", "affected.power_feed_ids[0]", trouble_body(affected={"power_feed_ids": [desk.b.feed]}),
         trouble_body(affected={"power_feed_ids": [2**31 - 5]})),
        ("trouble", "affected.cross_connect_order_ids[0]",
         trouble_body(affected={"cross_connect_order_ids": [str(uuid.uuid4())]}),
         trouble_body(affected={"cross_connect_order_ids": [str(uuid.uuid4())]})),
    ]
    for kind, field, theirs_body, missing_body in cases:
        theirs = await client.post(f"{DESK}/{kind}", headers=headers, json=theirs_body)
        missing = await client.post(f"{DESK}/{kind}", headers=headers, json=missing_body)
        assert theirs.status_code == missing.status_code == 422, (field, theirs.text)
        assert theirs.json()["field"] == missing.json()["field"] == field
        assert theirs.json()["detail"] == missing.json()["detail"]
    # their own device, feed and units are fine; a unit they do not hold is not
    ok = await client.post(f"{DESK}/hands", headers=headers, json=hands_body(
        desk.a.rack, where={"rack_id": desk.a.rack, "units": [1, 2], "device_id": desk.a.device}))
    assert ok.status_code == 201, ok.text
    unit = await client.post(f"{DESK}/hands", headers=headers, json=hands_body(
        desk.a.rack, where={"rack_id": desk.a.rack, "units": [2, 30]}))
    assert unit.status_code == 422 and unit.json()["field"] == "where.units[1]"
    feed = await client.post(f"{DESK}/trouble", headers=headers, json=trouble_body(
        affected={"rack_ids": [desk.a.rack], "power_feed_ids": [desk.a.feed]}))
    assert feed.status_code == 201, feed.text


@pytest.mark.parametrize(("change", "field", "status"), [
    ({"request_type": "teleport"}, "request_type", 400),
    ({"title": "x"}, "title", 400),
    ({"contact": {"name": "A", "phone": "call me"}}, "contact.phone", 400),
    ({"where": {"rack_id": 0}}, "where.rack_id", 400),
    ({"details": {"method": "gentle", "device_label": "WEB-01"}}, "details.method", 422),
    ({"details": {"device_label": "WEB-01"}}, "details.method", 422),
    ({"details": {"method": "hard", "device_label": "WEB-01", "colour": "red"}}, "details.colour", 422),
    ({"scheduling": "scheduled"}, "window_start", 422),
    ({"window_start": "2030-01-01T08:00:00Z"}, "window_start", 422),
    ({"where": {}}, "where", 422),
    ({"where": {"units": [1]}}, "where", 422),
    ({"unknown": 1}, "unknown", 400),
])
async def test_bad_hands_input_names_the_field(
    client: AsyncTestClient, desk: DeskPlant, change: dict[str, Any], field: str, status: int,
) -> None:
    body = {**hands_body(desk.a.rack), **change}
    response = await client.post(f"{DESK}/hands", headers=desk.a.admin.headers, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


async def test_bad_query_and_report_input_name_the_parameter(client: AsyncTestClient, desk: DeskPlant) -> None:
    ops = desk.ops.headers
    for path, params, field in ((f"{DESK}/tickets", {"state": "lost"}, "state"),
                                (f"{DESK}/tickets", {"kind": "x"}, "kind"),
                                (f"{DESK}/reports/2026-13", {"tenant_id": str(desk.a.tenant.id)}, "month"),
                                (f"{DESK}/reports/2026-11", {}, "tenant_id"),
                                (f"{DESK}/reports/2026-11", {"tenant_id": str(desk.a.tenant.id), "format": "xls"},
                                 "format")):
        response = await client.get(path, headers=ops, params=params)
        assert 400 <= response.status_code < 500 and response.json()["field"] == field, (path, response.text)
