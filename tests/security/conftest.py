"""Fixtures of the security tests: the served OpenAPI document, one key per role, and two tenants
with real objects of every kind (people, keys, visits, orders, an LOA, a rack where they hold
space) created through the API and the real NetBox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.auth_throttle import AuthFailureThrottle
from colo.identity import Role
from dcim.netbox import NetBoxGateway
from devtools.demo.seed import authenticated_user_id
from tenants.ratelimit import RateLimiter
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey
from tests.integration.orders.plant import OrdersPlant, orders_plant, provisioner

__all__ = ["orders_plant", "provisioner"]

MakeKey = Callable[..., Awaitable[IssuedTestKey]]
MakeTenant = Callable[..., Awaitable[TenantRead]]


@pytest.fixture
def fresh_counts(app: Litestar) -> Iterator[AuthFailureThrottle]:
    """Count failed authentications (and the app's other limits) in throwaway limiters, so a
    test's bursts neither see nor leave other tests' counts; the limits stay the configured ones."""
    services = app.state.services
    throttle: AuthFailureThrottle = services.auth_throttle
    saved_throttle, saved_app_limiter = throttle.limiter, services.rate_limiter
    throttle.limiter, services.rate_limiter = RateLimiter(), RateLimiter()
    yield throttle
    throttle.limiter, services.rate_limiter = saved_throttle, saved_app_limiter


@pytest_asyncio.fixture(scope="session")
async def openapi(client: AsyncTestClient) -> dict[str, Any]:
    """The document the app serves (what clients, and the fuzzer, see)."""
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest_asyncio.fixture(scope="session")
async def keys_by_role(make_tenant: MakeTenant, make_key: MakeKey) -> dict[Role, IssuedTestKey]:
    """One key per role; the tenant roles belong to one fresh tenant."""
    tenant = await make_tenant()
    keys = {}
    for role in Role:
        tenant_id = tenant.id if role in (Role.TENANT_ADMIN, Role.TENANT_MEMBER) else None
        keys[role] = await make_key(role, tenant_id=tenant_id, name=f"security {role.value}")
    return keys


@dataclass
class TenantWorld:
    """One tenant's keys and the ids of its objects."""

    tenant: TenantRead
    admin: IssuedTestKey
    member: IssuedTestKey
    ids: dict[str, Any] = field(default_factory=dict)  # person, key, visit, order, xc_order, loa, rack, tenant, …


async def _created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _reserve(gateway: NetBoxGateway, *, rack: int, netbox_tenant: int, units: list[int]) -> int:
    user = await gateway.call(authenticated_user_id)
    return await gateway.call(lambda api: api.dcim.rack_reservations.create(
        rack=rack, units=units, user=user, tenant=netbox_tenant, description="security tests").id)


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


async def _service_desk(client: AsyncTestClient, world: TenantWorld, *, rack: int) -> None:
    """A hands request in the tenant's rack, with a PDF attached."""
    headers = world.admin.headers
    ticket = await _created(await client.post("/v1/service-desk/hands", headers=headers, json={
        "request_type": "other", "title": "Security test hands", "scope": "look at the rack",
        "where": {"rack_id": rack}, "contact": {"name": "Sec Tester"}}))
    attachment = await _created(await client.post(
        f"/v1/service-desk/tickets/{ticket['id']}/attachments", headers=headers,
        files={"file": ("security.pdf", PDF, "application/pdf")}))
    world.ids.update(ticket=ticket["id"], attachment=attachment["id"])


async def _webhook(client: AsyncTestClient, world: TenantWorld, run_in_app: Callable[..., Awaitable[Any]]) -> None:
    """A webhook endpoint of the tenant's and one delivery in its log (an event fanned out to it)."""
    from colo.outbox import EventType, OrderStateChanged, OutboxEvent, record_event
    from notify.dispatcher import fan_out
    from notify.tables import WebhookDelivery

    made = await _created(await client.post("/v1/webhooks", headers=world.admin.headers, json={
        "url": "https://hooks.example.invalid/colo", "event_types": ["order.state_changed"]}))
    endpoint_id = made["endpoint"]["id"]

    async def delivery() -> str:
        async with OutboxEvent._meta.db.transaction():
            await record_event(type=EventType.ORDER_STATE_CHANGED, tenant_id=world.tenant.id, payload=OrderStateChanged(
                order_id=uuid.uuid4(), kind="space", action="approve", from_state="submitted", to_state="approved"))
        while await fan_out():
            pass
        row = await WebhookDelivery.select(WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == uuid.UUID(endpoint_id)).first()
        assert row is not None
        return str(row["id"])

    subscription = await _created(await client.post("/v1/notification-subscriptions", headers=world.admin.headers,
                                                    json={"person_id": world.ids["person"], "language": "en",
                                                          "event_types": ["order.state_changed"]}))
    world.ids.update(webhook=endpoint_id, delivery=await run_in_app(delivery), subscription=subscription["id"])


async def _meter(world: TenantWorld) -> None:
    """Metering: a (pushed) meter on the tenant's rack and feed, its readings the tenant's."""
    from metering.discovery import DiscoveredMeter, sync_meters
    from metering.status import MeterSource

    await sync_meters([DiscoveredMeter(
        key=f"bola-{world.tenant.id}", name="bola meter", netbox_device_id=None, host="", feed_id=world.ids["feed"],
        rack_id=world.ids["rack"], side="primary", feed_capacity_w=2944, tenant_id=world.tenant.id,
        source=MeterSource.PUSH)], deactivate_missing=False)


async def _populate(client: AsyncTestClient, world: TenantWorld, *, rack: int, order_rack: int) -> None:
    headers = world.admin.headers
    person = await _created(await client.post("/v1/people", headers=headers, json={
        "name": "Site Person", "email": f"p{uuid.uuid4().hex[:6]}@example.com", "phone": "+4930123456",
        "site_access": True, "id_document_type": "national_id", "id_number": "X1234567"}))
    key = await _created(await client.post("/v1/keys", headers=headers, json={
        "name": "robot", "role": "tenant_member", "person_id": person["id"]}))
    now = datetime.now(UTC)
    visit = await _created(await client.post("/v1/visits", headers=headers, json={
        "starts_at": (now + timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=1, hours=4)).isoformat(),
        "areas": ["meet-me-room"], "visitors": [{"person_id": person["id"]}], "escort_required": False,
        "purpose": "security test visit"}))
    order = await _created(await client.post("/v1/orders", headers=headers, json={
        "spec": {"kind": "space", "rack_id": order_rack, "units": 1}}))
    shipment = await _created(await client.post("/v1/shipments/inbound", headers=headers, json={
        "carrier": "DHL", "tracking_numbers": [f"SEC{uuid.uuid4().hex[:12].upper()}"], "boxes": 1,
        "expected_on": (now + timedelta(days=1)).date().isoformat()}))
    world.ids.update(person=person["id"], key=key["key"]["id"], visit=visit["id"], order=order["id"],
                     tenant=str(world.tenant.id), rack=rack, shipment=shipment["id"])


@dataclass
class BolaWorld:
    attacker: TenantWorld
    victim: TenantWorld
    plant: OrdersPlant
    ops: IssuedTestKey


@pytest_asyncio.fixture(scope="module")
async def bola_world(
    client: AsyncTestClient, app: Litestar, run_in_app: Callable[..., Awaitable[Any]], gateway: NetBoxGateway,
    make_tenant: MakeTenant, make_key: MakeKey, orders_plant: OrdersPlant,
) -> AsyncIterator[BolaWorld]:
    """The victim is the order plant's A-side tenant (it owns devices and ports there); the
    attacker is a fresh tenant. Each holds a reservation in its own rack (the victim also holds
    the kit rack, where its panel is mounted); both have a person, a key, a visit and an order;
    the victim also has a cross-connect order with its LOA."""
    from dcim.readmodel.sync import refresh_racks

    victim_tenant, attacker_tenant = orders_plant.tenants["a"], await make_tenant()
    worlds = {}
    for name, tenant in (("victim", victim_tenant), ("attacker", attacker_tenant)):
        worlds[name] = TenantWorld(
            tenant=tenant, admin=await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name=f"{name} admin"),
            member=await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name=f"{name} member"))
    # Victim: units 41-42 of the single-feed rack; attacker: units 41-42 of the meet-me rack.
    racks = {"victim": orders_plant.racks["single"], "attacker": orders_plant.racks["mmr"]}
    rack_names = {"victim": f"single-{orders_plant.suffix}", "attacker": f"mmr-{orders_plant.suffix}"}
    reservations = [await _reserve(gateway, rack=racks[name], netbox_tenant=w.tenant.netbox_tenant_id,
                                   units=[41, 42]) for name, w in worlds.items()]
    # The victim also holds the kit rack, through its panel there (NetBox tenancy of the device).
    await run_in_app(refresh_racks, app.state.services.netbox, [*racks.values(), orders_plant.racks["kit"]])
    for name, world in worlds.items():
        await _populate(client, world, rack=racks[name], order_rack=orders_plant.racks["space"])
        world.ids["rack_name"] = rack_names[name]
        await _service_desk(client, world, rack=racks[name])
        await _webhook(client, world, run_in_app)
    xc = await _created(await client.post("/v1/orders", headers=worlds["victim"].admin.headers, json={
        "spec": {"kind": "cross_connect", "a_port_id": orders_plant.ports["a"][3],
                 "z_port_id": orders_plant.ports["z"][3], "media": "copper", "speed": "1G"}}))
    loa = await _created(await client.get(f"/v1/orders/{xc['id']}/loa", headers=worlds["victim"].admin.headers))
    worlds["victim"].ids.update(xc_order=xc["id"], loa=loa["id"], a_port=orders_plant.ports["a"][3])
    # The victim's device (its panel in the kit rack) and the feed of its rack, for service-desk tickets.
    device = await gateway.call(lambda api: next(iter(api.dcim.devices.filter(
        site_id=orders_plant.site_id, tenant_id=victim_tenant.netbox_tenant_id))).id)
    worlds["victim"].ids.update(device=device, feed=orders_plant.feeds["single-A"])
    await run_in_app(_meter, worlds["victim"])
    ops = await make_key(Role.OPS, name="bola ops")
    yield BolaWorld(attacker=worlds["attacker"], victim=worlds["victim"], plant=orders_plant, ops=ops)
    for world in worlds.values():  # release what the orders hold, so later tests find the plant as it was
        for order in ("order", "xc_order"):
            if order in world.ids:
                await client.post(f"/v1/orders/{world.ids[order]}/cancel", headers=ops.headers)
    await gateway.call(lambda api: api.dcim.rack_reservations.delete(reservations))
    await run_in_app(refresh_racks, app.state.services.netbox, list(racks.values()))
