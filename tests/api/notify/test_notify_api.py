"""The notification routes over HTTP with real keys: a tenant admin registers an endpoint and sees
its secret once, a member may not manage endpoints, the delivery log is the endpoint's; ops preview
and publish a notice and only affected tenants list it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from colo.outbox import EventType, OrderStateChanged
from tests.api.notify.support import MakeTenant, Run, config, dispatch, event
from tests.webhook_receiver import webhook_receiver

MakeKey = Any


async def test_a_tenant_admin_registers_an_endpoint_and_reads_its_log(
        app: Litestar, client: AsyncTestClient, run_in_app: Run, make_tenant: MakeTenant, make_key: MakeKey,
        fresh_rate_limits: None) -> None:
    import uuid

    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="hooks admin")
    member = await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name="hooks member")
    with webhook_receiver() as receiver:
        body = {"url": receiver.url, "event_types": ["order.state_changed"], "description": "ops bridge"}
        assert (await client.post("/v1/webhooks", json=body, headers=member.headers)).status_code == 403
        made = await client.post("/v1/webhooks", json=body, headers=admin.headers)
        assert made.status_code == 201, made.text
        secret, endpoint_id = made.json()["secret"], made.json()["endpoint"]["id"]
        assert secret.startswith("whsec_")
        listed = await client.get("/v1/webhooks", headers=admin.headers)
        assert [e["id"] for e in listed.json()["items"]] == [endpoint_id] and secret not in listed.text
        bad = await client.post("/v1/webhooks", json={**body, "url": "ftp://example.net/x"}, headers=admin.headers)
        assert bad.status_code in (400, 422) and "url" in bad.text
        event_id = await event(run_in_app, EventType.ORDER_STATE_CHANGED, tenant.id, OrderStateChanged(
            order_id=uuid.uuid4(), kind="space", action="approve", from_state="submitted", to_state="approved"))
        await run_in_app(dispatch, config(), app.state.services.keys.master_key)
        log = await client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=admin.headers)
        [row] = log.json()["items"]
        assert (row["event_id"], row["status"], row["last_status_code"]) == (str(event_id), "succeeded", 204)
        again = await client.post(f"/v1/webhooks/{endpoint_id}/deliveries/{row['id']}/redeliver",
                                  headers=admin.headers)
        assert again.status_code == 200 and again.json()["status"] == "pending"
        rotated = await client.post(f"/v1/webhooks/{endpoint_id}/rotate-secret", headers=admin.headers)
        assert rotated.json()["secret"] != secret and rotated.json()["endpoint"]["secret_rotating_until"]
        assert (await client.delete(f"/v1/webhooks/{endpoint_id}", headers=admin.headers)).status_code == 204
        assert (await client.get("/v1/webhooks", headers=admin.headers)).json()["items"] == []


async def test_ops_preview_and_publish_a_notice_only_affected_tenants_list_it(
        client: AsyncTestClient, make_tenant: MakeTenant, make_key: MakeKey, ops_key: Any,
        fresh_rate_limits: None) -> None:
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="notice admin")
    starts = datetime.now(UTC) + timedelta(days=2)
    notice = {"kind": "maintenance", "summary": "Generator test, nothing of yours", "starts_at": starts.isoformat(),
              "ends_at": (starts + timedelta(hours=2)).isoformat(), "targets": {"racks": [2**31 - 3]}}
    preview = await client.post("/v1/notices/impact", json=notice["targets"], headers=ops_key.headers)
    assert preview.status_code == 200 and preview.json() == []
    assert (await client.post("/v1/notices", json=notice, headers=admin.headers)).status_code == 403
    published = await client.post("/v1/notices", json=notice, headers=ops_key.headers)
    assert published.status_code == 201, published.text
    assert published.json()["tenants_affected"] == 0
    assert (await client.get("/v1/notices/mine", headers=admin.headers)).json()["items"] == []
    old = await client.post("/v1/notices", json={**notice, "starts_at": "1970-01-01T00:00:00Z"},
                            headers=ops_key.headers)
    assert old.status_code == 422 and "starts_at" in old.text
    moved = await client.patch(f"/v1/notices/{published.json()['id']}", json={"status": "cancelled"},
                               headers=ops_key.headers)
    assert moved.status_code == 200 and moved.json()["status"] == "cancelled"
