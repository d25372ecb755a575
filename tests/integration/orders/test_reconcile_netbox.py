"""Reconciliation against the real NetBox: unauthorised cables, vanished and drifted objects,
stable finding ids, findings in the access log; `colo reconcile` and `colo loa verify`."""

from __future__ import annotations

import functools
import json
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from litestar.testing import AsyncTestClient

from colo.cli import main as colo_main
from colo.identity import Role
from colo.settings import Settings
from dcim.netbox import NetBoxGateway
from dcim.netbox.provisioning import Provisioner
from dcim.orders.fulfil import fulfil
from dcim.orders.schemas import OrderCreate, SpaceSpec
from tenants.schemas import TenantRead
from tests.integration.orders.plant import OrdersPlant, approve, create_order, tenant_principal
from tests.servers import COLO, colo_env

Run = Callable[..., Awaitable[Any]]
MakeKey = Callable[..., Awaitable[Any]]


def _rogue_cable(api: Any, plant: OrdersPlant) -> int:
    """Two ports on a new panel in the hall, patched together by someone with no order."""
    panel = api.dcim.devices.get(name=f"a-{plant.suffix}")
    name = f"rogue-{uuid.uuid4().hex[:6]}"
    device = api.dcim.devices.create(name=name, device_type=panel.device_type.id, role=panel.role.id,
                                     site=plant.site_id, location=panel.location.id)
    rears = api.dcim.rear_ports.create([{"device": device.id, "name": f"R{i}", "type": "8p8c", "positions": 1}
                                        for i in (1, 2)])
    fronts = api.dcim.front_ports.create([
        {"device": device.id, "name": f"{i}", "type": "8p8c", "positions": 1,
         "rear_ports": [{"position": 1, "rear_port": rears[i - 1].id, "rear_port_position": 1}]} for i in (1, 2)])
    return api.dcim.cables.create(
        a_terminations=[{"object_type": "dcim.frontport", "object_id": fronts[0].id}],
        b_terminations=[{"object_type": "dcim.frontport", "object_id": fronts[1].id}],
        status="connected", label=name).id


async def _run(client: AsyncTestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/v1/reconciliation", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _mine(report: dict[str, Any], **match: Any) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if all(f.get(k) == v for k, v in match.items())]


async def test_reconciliation_reports_unauthorised_vanished_and_drifted_objects(
    client: AsyncTestClient, run_in_app: Run, make_key: MakeKey, orders_plant: OrdersPlant,
    provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    ops = (await make_key(Role.OPS)).headers
    rogue = await gateway.call(lambda api: _rogue_cable(api, orders_plant))
    orders, order_ids = [], set()
    for position in (5, 7):
        order, _ = await run_in_app(create_order, principal=tenant_principal(orders_plant.tenants["a"]),
                                    body=OrderCreate(spec=SpaceSpec(rack_id=orders_plant.racks["space"], units=1,
                                                                    position=position)),
                                    idempotency_key=None, provisioner=provisioner)
        await run_in_app(approve, order.id)
        row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
        assert row.state == "active"
        order_ids.add(str(order.id))
        orders.append(row.netbox)
    clean = await _run(client, ops)
    assert [f for f in clean["findings"] if f["order_id"] in order_ids] == []
    vanish, drift = orders
    await gateway.call(lambda api: api.dcim.rack_reservations.delete([vanish["reservation_id"]]))
    z_tenant = orders_plant.tenants["z"].netbox_tenant_id
    await gateway.call(lambda api: api.dcim.rack_reservations.get(drift["reservation_id"]).update({"tenant": z_tenant}))

    report = await _run(client, ops)
    unauthorised = _mine(report, kind="undocumented_cable", object_id=rogue)
    assert len(unauthorised) == 1 and unauthorised[0]["severity"] == "high"
    assert len(_mine(report, kind="vanished_object", object_id=vanish["reservation_id"])) == 1
    drifted = _mine(report, kind="tenant_drift", object_id=drift["reservation_id"])
    assert len(drifted) == 1 and drifted[0]["facts"]["netbox_tenant"] == z_tenant

    again = await _run(client, ops)
    assert _mine(again, kind="undocumented_cable", object_id=rogue)[0]["id"] == unauthorised[0]["id"]

    auditor = (await make_key(Role.AUDITOR)).headers
    with anyio.fail_after(10):
        while True:
            query = f"action=reconcile_finding&object={unauthorised[0]['id']}"
            logged = (await client.get(f"/v1/access-log/entries?{query}",
                                       headers=auditor)).json()
            if logged["items"]:
                break
            await anyio.sleep(0.2)
    assert logged["items"][0]["objects"]["netbox"] == f"cable:{rogue}"

    await gateway.call(lambda api: api.dcim.cables.delete([rogue]))
    fixed = await _run(client, ops)
    assert _mine(fixed, kind="undocumented_cable", object_id=rogue) == []
    tenant_only = await client.post("/v1/reconciliation", headers=(await make_key(
        Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers)
    assert tenant_only.status_code == 403


async def test_colo_reconcile_cli_prints_findings_and_exits_1(
    settings: Settings, orders_plant: OrdersPlant, gateway: NetBoxGateway,
) -> None:
    """In a process of its own, as on the host: the command binds every table to its own engine,
    which inside this process would swap the session app's engine under its running loops."""
    rogue = await gateway.call(lambda api: _rogue_cable(api, orders_plant))
    env = colo_env(database_url=settings.database_url, secrets_dir=settings.secrets_dir,
                   netbox_url=settings.netbox_url, netbox_token=settings.netbox_token)
    done = await anyio.to_thread.run_sync(functools.partial(
        subprocess.run, [COLO, "reconcile", "--site-id", str(orders_plant.site_id), "--json"], env=env,
        capture_output=True, text=True, timeout=300, check=False))
    assert done.returncode == 1, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert [f["kind"] for f in out["findings"] if f["object_id"] == rogue] == ["undocumented_cable"]
    await gateway.call(lambda api: api.dcim.cables.delete([rogue]))


async def test_colo_loa_verify_accepts_the_served_loa_and_refuses_a_tampered_copy(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: Callable[..., Awaitable[TenantRead]],
    orders_plant: OrdersPlant, tmp_path: Path, capsys: Any,
) -> None:
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers
    z = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["z"].id)).headers
    body = {"spec": {"kind": "cross_connect", "a_port_id": orders_plant.ports["a"][2],
                     "z_port_id": orders_plant.ports["z"][2], "media": "copper", "speed": "100M"}}
    order = (await client.post("/v1/orders", json=body, headers=a)).json()
    loa = (await client.get(f"/v1/orders/{order['id']}/loa", headers=z)).json()
    assert loa["status"] == "loa_pending" and loa["signed"] is None
    not_yet = await client.get(f"/v1/loas/{loa['id']}/text", headers=a)
    assert not_yet.status_code == 409
    granted = await client.post(f"/v1/loas/{loa['id']}/grant", json={"valid_days": 30}, headers=z)
    assert granted.status_code == 200, granted.text
    text = await client.get(f"/v1/loas/{loa['id']}/text", headers=a)
    assert text.status_code == 200 and "LOA-CFA" in text.text and orders_plant.tenants["z"].legal_name in text.text
    keys = (await client.get("/v1/loas/public-keys")).json()  # public: no key needed
    assert keys["next_cursor"] is None
    flags = [arg for key in keys["items"] for arg in ("--public-key", f"{key['key_id']}:{key['public_key']}")]

    good = tmp_path / "loa.json"
    good.write_text(json.dumps(granted.json()))
    assert colo_main(["loa", "verify", str(good), *flags]) == 0
    assert "LOA valid" in capsys.readouterr().out
    tampered = granted.json()
    tampered["signed"]["document"]["z_side"]["port"]["id"] += 1
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered))
    assert colo_main(["loa", "verify", str(bad), *flags]) == 1
    assert "LOA INVALID: signature does not match" in capsys.readouterr().out
    third = (await make_key(Role.TENANT_ADMIN, tenant_id=(await make_tenant()).id)).headers
    assert (await client.get(f"/v1/loas/{loa['id']}", headers=third)).status_code == 404
    await client.post(f"/v1/orders/{order['id']}/cancel", headers=a)

