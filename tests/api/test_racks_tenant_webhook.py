"""A tenant's rack view follows a NetBox reservation that reaches Colo as a real, signed webhook.

NetBox itself delivers the event (its rqworker) to a capture server; the captured body and
X-Hook-Signature are then replayed, byte for byte, to Colo's webhook endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.errors import UpstreamRejected
from colo.identity import Role
from dcim.netbox import NetBoxGateway
from dcim.netbox.webhooks import register_webhook, unregister_webhook
from devtools.demo.seed import authenticated_user_id
from tenants.schemas import TenantRead

pytestmark = pytest.mark.usefixtures("seeded")
DEMO_SITE_SLUG = "colo-dc1"


@contextlib.contextmanager
def capture_server() -> Iterator[tuple[str, list[tuple[bytes, str]]]]:
    """An HTTP server recording each POST body with its X-Hook-Signature."""
    received: list[tuple[bytes, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((body, self.headers.get("X-Hook-Signature", "")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


async def _delivery(received: list[tuple[bytes, str]], reservation_id: int) -> tuple[bytes, str]:
    for _ in range(120):
        for body, signature in received:
            payload = msgspec.json.decode(body)
            if payload.get("event") == "created" and payload["data"]["id"] == reservation_id:
                return body, signature
        await asyncio.sleep(0.5)
    raise AssertionError(f"NetBox delivered no webhook for reservation {reservation_id} in 60 s")


async def _reserve_somewhere(client: AsyncTestClient, ops_key: Any, gateway: NetBoxGateway,
                             netbox_tenant: int) -> dict[str, Any]:
    """Two free units in the demo site's hall 2 (found by capacity search), reserved in NetBox
    for the tenant."""
    site = await gateway.call(lambda api: api.dcim.sites.get(slug=DEMO_SITE_SLUG).id, what="site")
    search = await client.post("/v1/capacity/search", headers=ops_key.headers, json={
        "units": 2, "redundant": False, "hall": "Data Hall 2", "site_id": site, "limit": 20})
    assert search.status_code == 200, search.text
    for place in search.json()["placements"]:
        units = [place["last_unit"] - 1, place["last_unit"]]

        def create(api: Any, rack: int = place["rack_id"], units: list[int] = units) -> dict[str, Any]:
            return dict(api.dcim.rack_reservations.create(
                rack=rack, units=units, user=authenticated_user_id(api), tenant=netbox_tenant,
                status="active", description=f"colo test {uuid.uuid4().hex[:8]}"))

        with contextlib.suppress(UpstreamRejected):  # someone else took them meanwhile
            return await gateway.call(create, what="reserve")
    raise AssertionError("no free units found in hall 2")


def _comparable(problem: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in problem.items() if k not in ("instance", "request_id")}


async def test_tenant_sees_only_racks_it_holds_after_netbox_webhook(
    client: AsyncTestClient, app: Litestar, gateway: NetBoxGateway, ops_key: Any,
    make_tenant: Callable[..., Awaitable[TenantRead]], make_key: Callable[..., Awaitable[Any]],
    run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    synced = await client.post("/v1/netbox/sync", headers=ops_key.headers)
    assert synced.status_code == 200, synced.text
    tenant = await make_tenant()
    key = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    assert (await client.get("/v1/racks", headers=key.headers)).json()["items"] == []

    services = app.state.services
    hook_name = f"colo-test-{uuid.uuid4().hex[:8]}"
    reservation: dict[str, Any] = {}
    with capture_server() as (url, received):
        await register_webhook(gateway, colo_base_url=url, secret=services.keys.webhook_secret.decode(),
                               object_types=["dcim.rackreservation"], name=hook_name)
        try:
            reservation = await _reserve_somewhere(client, ops_key, gateway, tenant.netbox_tenant_id)
            body, signature = await _delivery(received, reservation["id"])
        finally:
            await unregister_webhook(gateway, name=hook_name)
    rack_id, units = reservation["rack"]["id"], sorted(reservation["units"])
    try:
        tampered = await client.post("/v1/netbox/webhook", content=body.replace(b"colo test", b"colo tesT"),
                                     headers={"X-Hook-Signature": signature, "Content-Type": "application/json"})
        assert tampered.status_code == 401

        accepted = await client.post("/v1/netbox/webhook", content=body,
                                     headers={"X-Hook-Signature": signature, "Content-Type": "application/json"})
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["racks_to_refresh"] == [rack_id]
        await run_in_app(services.read_model.drained)

        listed = (await client.get("/v1/racks", headers=key.headers)).json()
        assert [r["netbox_id"] for r in listed["items"]] == [rack_id]
        assert listed["items"][0]["my_units"] == units
        detail = await client.get(f"/v1/racks/{rack_id}", headers=key.headers)
        assert detail.status_code == 200, detail.text
        shown = detail.json()["units"]
        assert sorted(u["unit"] for u in shown if u.get("mine")) == units
        assert all("tenant" not in u and "device" not in u for u in shown)  # ops-only details

        # Someone else's rack answers exactly like a rack that does not exist.
        others = await client.get("/v1/racks", params={"status": "active", "limit": 200},
                                  headers=ops_key.headers)
        other_id = next(r["netbox_id"] for r in others.json()["items"] if r["netbox_id"] != rack_id)
        foreign = await client.get(f"/v1/racks/{other_id}", headers=key.headers)
        missing = await client.get("/v1/racks/987654321", headers=key.headers)
        assert foreign.status_code == missing.status_code == 404
        assert _comparable(foreign.json()) == _comparable(missing.json())
        report = (await client.get("/v1/power/utilization", headers=key.headers)).json()
        assert [r["netbox_id"] for r in report["racks"]] == [rack_id]
        assert report["racks"][0]["tenants"] == [{"tenant": None, "reserved_units": 2, "committed_va": 0}]
    finally:
        if reservation:
            await gateway.call(lambda api: api.dcim.rack_reservations.get(reservation["id"]).delete(),
                               what="unreserve")


async def test_webhook_refuses_unsigned_badly_signed_and_malformed_bodies(
    client: AsyncTestClient, app: Litestar,
) -> None:
    import hashlib
    import hmac

    secret = app.state.services.keys.webhook_secret
    body = b'{"event": "updated", "object_type": "dcim.site", "data": {"id": 1}}'
    unsigned = await client.post("/v1/netbox/webhook", content=body)
    assert unsigned.status_code == 401
    wrong = hmac.new(b"not the secret", body, hashlib.sha512).hexdigest()
    assert (await client.post("/v1/netbox/webhook", content=body,
                              headers={"X-Hook-Signature": wrong})).status_code == 401
    junk = b"{not json"
    signed = hmac.new(secret, junk, hashlib.sha512).hexdigest()
    malformed = await client.post("/v1/netbox/webhook", content=junk, headers={"X-Hook-Signature": signed})
    assert malformed.status_code == 422 and malformed.json()["field"] == "body"
    no_data = b'{"event": "updated"}'
    signed = hmac.new(secret, no_data, hashlib.sha512).hexdigest()
    missing = await client.post("/v1/netbox/webhook", content=no_data, headers={"X-Hook-Signature": signed})
    assert missing.status_code == 422 and missing.json()["field"] == "data"
