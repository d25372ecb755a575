"""Cross-connects against the real NetBox: LOA-CFA from the Z side, cabling via the MMR, removal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from colo.crypto import b64decode, ed25519_public_from_raw
from colo.errors import Conflict, PermissionDenied, ValidationFailed
from dcim.netbox import NetBoxGateway
from dcim.netbox.provisioning import ORDER_FIELD, Provisioner
from dcim.orders import loas, store
from dcim.orders.fulfil import decommission, fulfil
from dcim.orders.loa import public_keys, verify
from dcim.orders.schemas import CrossConnectSpec, OrderCreate
from dcim.orders.service import act
from dcim.orders.states import OrderAction
from dcim.orders.tables import Loa
from tests.integration.orders.plant import OPS, OrdersPlant, approve, create_order, tenant_principal

Run = Callable[..., Awaitable[Any]]


def xc(a: int, z: int, media: str = "copper", z_side: str = "tenant") -> OrderCreate:
    return OrderCreate(spec=CrossConnectSpec(a_port_id=a, z_port_id=z, media=media, speed="1G",  # type: ignore[arg-type]
                                             z_side=z_side))  # type: ignore[arg-type]


async def cables_of(gateway: NetBoxGateway, order_id: Any) -> list[dict[str, Any]]:
    return [c for c in await gateway.call(lambda api: [dict(c) for c in api.dcim.cables.filter(tag="colo")])
            if c["custom_fields"].get(ORDER_FIELD) == str(order_id)]


async def port_cable(gateway: NetBoxGateway, port_id: int) -> Any:
    return await gateway.call(lambda api: api.dcim.front_ports.get(port_id).cable)


async def test_tenant_to_tenant_cross_connect_needs_the_z_owners_loa_and_is_cabled_through_the_mmr(
    run_in_app: Run, app: Litestar, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    a_tenant, z_tenant = orders_plant.tenants["a"], orders_plant.tenants["z"]
    a_port, z_port = orders_plant.ports["a"][0], orders_plant.ports["z"][0]
    a_admin, z_admin = tenant_principal(a_tenant), tenant_principal(z_tenant)
    order, _ = await run_in_app(create_order, principal=a_admin, body=xc(a_port, z_port), idempotency_key=None,
                                provisioner=provisioner)
    assert order.loa_status == "loa_pending"
    await run_in_app(act, principal=OPS, order_id=order.id, action=OrderAction.REVIEW)
    with pytest.raises(Conflict, match="has not granted the LOA"):
        await run_in_app(act, principal=OPS, order_id=order.id, action=OrderAction.APPROVE)

    loa = await run_in_app(loas.for_order, principal=z_admin, order_id=order.id)
    keys = app.state.services.keys
    with pytest.raises(PermissionDenied):  # the A side cannot authorise itself
        await run_in_app(loas.grant, principal=a_admin, loa_id=loa.id, valid_days=30, keys=keys, facility="DC")
    granted = await run_in_app(loas.grant, principal=z_admin, loa_id=loa.id, valid_days=30, keys=keys,
                               facility="Test Facility")
    assert granted.status == "loa_granted" and granted.signed is not None
    trusted = {k: ed25519_public_from_raw(b64decode(v)) for k, v in public_keys(keys).items()}
    checked = verify(granted.signed, trusted=trusted)
    assert checked.document["z_side"]["port"]["id"] == z_port
    assert checked.document["facility"] == "Test Facility"
    assert checked.document["z_side"]["party"] == z_tenant.legal_name

    await run_in_app(act, principal=OPS, order_id=order.id, action=OrderAction.APPROVE)
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "active", row.last_error
    cables = {c["label"].rsplit("-", 1)[1]: c for c in await cables_of(gateway, order.id)}
    assert sorted(cables) == ["A", "M", "Z"]
    assert {c["tenant"]["id"] for c in cables.values()} == {a_tenant.netbox_tenant_id}
    assert all(order.id.hex[:8] in c["label"] for c in cables.values())
    assert cables["A"]["a_terminations"][0]["object_id"] == a_port
    assert cables["Z"]["b_terminations"][0]["object_id"] == z_port
    mmr_ends = {cables["M"]["a_terminations"][0]["object_id"], cables["M"]["b_terminations"][0]["object_id"]}
    assert mmr_ends <= set(orders_plant.ports["cage"])  # the jumper is in the meet-me room

    await run_in_app(act, principal=a_admin, order_id=order.id, action=OrderAction.REQUEST_DECOMMISSION)
    row = await run_in_app(decommission, order_id=order.id, provisioner=provisioner)
    assert row.state == "decommissioned"
    assert await cables_of(gateway, order.id) == []
    assert await port_cable(gateway, a_port) is None and await port_cable(gateway, z_port) is None


async def test_carrier_z_side_is_decided_by_ops_and_a_cabled_port_is_refused(
    run_in_app: Run, app: Litestar, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    a_admin = tenant_principal(orders_plant.tenants["a"])
    carrier_port = orders_plant.ports["carrier"][1]
    order, _ = await run_in_app(create_order, principal=a_admin, body=xc(orders_plant.ports["a"][1], carrier_port,
                                z_side="carrier"), idempotency_key=None, provisioner=provisioner)
    loa = await run_in_app(loas.for_order, principal=OPS, order_id=order.id)
    assert loa.z_tenant_id is None
    await run_in_app(loas.grant, principal=OPS, loa_id=loa.id, valid_days=10, keys=app.state.services.keys,
                     facility="Test Facility")
    await run_in_app(approve, order.id)
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "active", row.last_error
    labels = sorted(c["label"].rsplit("-", 1)[1] for c in await cables_of(gateway, order.id))
    assert labels == ["A", "M"]  # the carrier's port is in the MMR: the jumper lands on it directly

    with pytest.raises(Conflict, match="already cabled"):
        await run_in_app(create_order, principal=tenant_principal(orders_plant.tenants["z"]),
                         body=xc(orders_plant.ports["z"][1], carrier_port), idempotency_key=None,
                         provisioner=provisioner)


async def test_a_port_of_another_tenant_is_refused_on_a_side(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await run_in_app(create_order, principal=tenant_principal(orders_plant.tenants["a"]),
                         body=xc(orders_plant.ports["z"][2], orders_plant.ports["carrier"][2]),
                         idempotency_key=None, provisioner=provisioner)
    assert caught.value.field == "a_port_id"


async def test_an_expired_loa_stops_fulfilment_with_a_clear_reason(
    run_in_app: Run, app: Litestar, orders_plant: OrdersPlant, provisioner: Provisioner, gateway: NetBoxGateway,
) -> None:
    a_admin, z_admin = tenant_principal(orders_plant.tenants["a"]), tenant_principal(orders_plant.tenants["z"])
    order, _ = await run_in_app(create_order, principal=a_admin, body=xc(orders_plant.ports["a"][3],
                                orders_plant.ports["z"][3]), idempotency_key=None, provisioner=provisioner)
    loa = await run_in_app(loas.for_order, principal=z_admin, order_id=order.id)
    await run_in_app(loas.grant, principal=z_admin, loa_id=loa.id, valid_days=1, keys=app.state.services.keys,
                     facility="Test Facility")
    await run_in_app(approve, order.id)

    async def let_it_expire() -> None:
        await Loa.update({Loa.expires_at: store.now() - timedelta(minutes=1)}).where(Loa.id == loa.id)

    await run_in_app(let_it_expire)
    row = await run_in_app(fulfil, order_id=order.id, provisioner=provisioner)
    assert row.state == "failed" and "expired" in row.last_error
    assert row.loa_status == "loa_expired"
    assert await cables_of(gateway, order.id) == []


async def test_media_must_match_both_ports(
    run_in_app: Run, orders_plant: OrdersPlant, provisioner: Provisioner,
) -> None:
    with pytest.raises(ValidationFailed) as caught:  # the plant's ports are all RJ45
        await run_in_app(create_order, principal=tenant_principal(orders_plant.tenants["a"]),
                         body=xc(orders_plant.ports["a"][2], orders_plant.ports["carrier"][3], media="smf"),
                         idempotency_key=None, provisioner=provisioner)
    assert caught.value.field == "media" and "copper port, not smf" in caught.value.reason
