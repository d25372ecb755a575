"""Order service: create (idempotent), read, list and move orders through their lifecycle.

Creating an order re-reads the live NetBox state it depends on first (never the read model
alone), then records the order in one short transaction that also takes the guard rows:
unit claims (unique per rack+unit) for space, a per-rack lock and commitment sum for power.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import msgspec
from piccolo.engine.postgres import PostgresEngine

from colo.db import violates_unique
from colo.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from colo.identity import Principal
from colo.outbox import EventType, LoaChanged, OrderStateChanged, record_event
from colo.paging import PageRequest, PageResult
from dcim import power
from dcim.capacity import search
from dcim.netbox.provisioning import Provisioner
from dcim.netbox.records import PortLive
from dcim.orders import fulfil as fulfilment
from dcim.orders import store
from dcim.orders.policy import roles_for
from dcim.orders.power_checks import check_power, feeding_panels, panel_capacities
from dcim.orders.rules import check_circuit_size, pick_units
from dcim.orders.schemas import CrossConnectSpec, OrderCreate, OrderEventRead, OrderRead, PowerSpec, SpaceSpec
from dcim.orders.states import HOLDS_CAPACITY, LoaStatus, OrderAction, OrderState
from dcim.orders.tables import Loa, Order, OrderEvent, UnitClaim
from dcim.orders.xc_paths import plan_legs
from dcim.readmodel.cache import ReadModelCache, bump_generation
from dcim.readmodel.holdings import holds_rack
from dcim.readmodel.schemas import CapacityQuery
from dcim.sales import DEFAULT_RULES, SaleRules
from tenants.scope import tenant_for_write
from tenants.status import TenantStatus
from tenants.tables import Tenant

KIND_OF = {SpaceSpec: "space", PowerSpec: "power", CrossConnectSpec: "cross_connect"}
AUTO_PICK_ATTEMPTS = 3
# Advisory lock key spaces ("COLO" + kind) so rack and panel ids never share a key.
RACK_LOCK = 0x434F4C4F_0000_0000
PANEL_LOCK = 0x434F4C4F_0001_0000


@dataclass(frozen=True, slots=True)
class Orderer:
    """The tenant an order is for, as ordering needs it: active and linked to its NetBox tenant."""

    id: UUID
    netbox_tenant_id: int


async def _orderer(tenant_id: UUID, *, field: str = "tenant_id") -> Orderer:
    row = await Tenant.select(Tenant.id, Tenant.status, Tenant.netbox_tenant_id).where(Tenant.id == tenant_id).first()
    if row is None:
        raise ValidationFailed(field, "no such tenant")
    if row["status"] != TenantStatus.ACTIVE:
        raise Conflict(f"tenant is {row['status']}: it cannot order now", tenant_status=row["status"])
    if row["netbox_tenant_id"] is None:
        raise Conflict("tenant has no NetBox tenant linked yet; ops must finish onboarding")
    return Orderer(id=row["id"], netbox_tenant_id=row["netbox_tenant_id"])


def request_hash(body: OrderCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(body)).hexdigest()


async def create_order(
    *, principal: Principal, body: OrderCreate, idempotency_key: str | None, provisioner: Provisioner,
    cache: ReadModelCache, rules: SaleRules = DEFAULT_RULES,
) -> tuple[OrderRead, bool]:
    """The new order and True, or — for a repeated Idempotency-Key — the first order and False.
    Space is sold only in racks `rules` allow (the API passes the configured ones)."""
    tenant_id = tenant_for_write(principal, body.tenant_id)
    digest = request_hash(body)
    scope = f"{tenant_id}:{idempotency_key}" if idempotency_key else None
    if scope and (existing := await _by_idempotency(scope, digest)) is not None:
        return existing, False
    tenant = await _orderer(tenant_id)
    order_id = uuid4()
    order = Order(
        id=order_id, tenant_id=tenant_id, kind=KIND_OF[type(body.spec)], state=OrderState.SUBMITTED.value,
        idempotency_scope=scope, request_hash=digest, spec=msgspec.to_builtins(body.spec) | {"note": body.note},
        netbox_tenant_id=tenant.netbox_tenant_id, created_by=store.Actor.of(principal).name,
        created_at=store.now(), updated_at=store.now(),
    )
    actor, spec = store.Actor.of(principal), body.spec
    try:
        if isinstance(spec, SpaceSpec):
            await _create_space(order, spec, actor, provisioner, rules, cache)
        elif isinstance(spec, PowerSpec):
            await _create_power(order, spec, actor, provisioner, cache)
        else:
            loa = await _cross_connect_loa(order, spec, tenant, provisioner)
            async with Order._meta.db.transaction():
                await _insert(order, actor, [loa])
        return store.to_read(await store.load(order.id)), True
    except Exception as exc:
        if scope and violates_unique(exc, Order.idempotency_scope):
            # The same key raced itself: the other request stored the order first.
            again = await _by_idempotency(scope, digest)
            if again is not None:
                return again, False
        raise


async def _by_idempotency(scope: str, digest: str) -> OrderRead | None:
    row = await Order.select().where(Order.idempotency_scope == scope).first()
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise ValidationFailed("Idempotency-Key", "already used for a different request; use a new key")
    return store.to_read(row)


async def _insert(order: Order, actor: store.Actor, extra_rows: list[Any]) -> None:
    """The order, its first history row and its guard rows; callers hold a transaction."""
    await Order.insert(order)
    if order.kind == "power":  # committed power in the cached rack views changes with it
        await bump_generation()
    await OrderEvent.insert(store.event_row(order_id=order.id, actor=actor, action="submit", from_state="",
                                            to_state=OrderState.SUBMITTED.value,
                                            reason=store.as_dict(order.spec).get("note", "")))
    await record_event(type=EventType.ORDER_STATE_CHANGED, tenant_id=order.tenant_id, payload=OrderStateChanged(
        order_id=order.id, kind=order.kind, action="submit", from_state="", to_state=OrderState.SUBMITTED.value))
    for row in extra_rows:
        await type(row).insert(row)
        if isinstance(row, Loa) and row.z_tenant_id is not None:  # the Z side is asked to grant it
            await record_event(type=EventType.LOA_REQUESTED, tenant_id=row.z_tenant_id, payload=LoaChanged(
                loa_id=row.id, order_id=order.id, status=LoaStatus.PENDING.value))


async def _create_space(order: Order, spec: SpaceSpec, actor: store.Actor, provisioner: Provisioner,
                        rules: SaleRules, cache: ReadModelCache) -> None:
    if spec.rack_id is not None:
        await _create_space_in(spec.rack_id, order, spec, actor, provisioner, rules=rules)
        return
    if spec.position is not None:
        raise ValidationFailed("position", "only meaningful together with rack_id")
    answer = await search(query=CapacityQuery(units=spec.units, kw=spec.kw, redundant=spec.redundant,
                                              site_id=spec.site_id, hall=spec.hall, limit=5),
                          rules=rules, buyer=order.netbox_tenant_id, cache=cache)
    # The read model ranks; the live rack decides. A candidate that turns out taken is skipped;
    # otherwise the order reserves the units the search ranked.
    for placement in answer.placements:
        try:
            await _create_space_in(placement.rack_id, order, spec, actor, provisioner, rules=rules,
                                   prefer=placement.first_unit)
            return
        except Conflict:
            continue
    raise Conflict(f"no rack matching the constraints has {spec.units} contiguous free units",
                   requested_units=spec.units, candidates_tried=len(answer.placements))


async def _create_space_in(
    rack_id: int, order: Order, spec: SpaceSpec, actor: store.Actor, provisioner: Provisioner, *,
    rules: SaleRules, prefer: int | None = None,
) -> None:
    rack = await provisioner.rack(rack_id)  # live: devices, reservations, tenant and role right now
    refusal = rules.refusal(name=rack.name, status=rack.status, role=rack.role, tenant_id=rack.tenant_id,
                            buyer=order.netbox_tenant_id)
    if refusal is not None:
        raise Conflict(refusal, field="rack_id", rack_id=rack.id)
    for _attempt in range(AUTO_PICK_ATTEMPTS):
        taken = set(rack.occupied) | set(rack.reserved) | await store.claimed_units(rack.id)
        units = pick_units(all_units=rack.units, unavailable=taken, count=spec.units, position=spec.position,
                           prefer=prefer)
        order.rack_id = rack.id
        order.spec = {**store.as_dict(order.spec), "rack_id": rack.id, "units_assigned": units, "rack_name": rack.name}
        try:
            async with Order._meta.db.transaction():
                await _insert(order, actor, store.claim_rows(order.id, rack.id, units))
            return
        except Exception as exc:
            if not violates_unique(exc, UnitClaim.claim_key):
                raise
            if spec.position is not None:  # an explicit position lost the race: say so
                lost = sorted(set(units) & await store.claimed_units(rack.id))
                raise Conflict(f"units {lost} of this rack were just claimed by another order",
                               taken_units=lost, requested_units=units) from None
    raise Conflict("the rack's free units keep being claimed by other orders; retry")


async def require_held_rack(order: Order, rack_id: int, *, cache: ReadModelCache) -> None:
    """Power goes only where the order's tenant holds space (dcim.readmodel.holdings: its rack,
    its devices, its reservations) or has an open space order. Anything else — another tenant's
    rack, or no rack at all — is the same 404, before any figure is read or shown."""
    if await holds_rack(netbox_tenant=order.netbox_tenant_id, rack_id=rack_id, cache=cache):
        return
    if await Order.exists().where((Order.tenant_id == order.tenant_id) & (Order.rack_id == rack_id)
                                  & (Order.kind == "space") & Order.state.is_in([s.value for s in HOLDS_CAPACITY])):
        return
    raise NotFound("rack", rack_id, field="rack_id")


async def _create_power(order: Order, spec: PowerSpec, actor: store.Actor, provisioner: Provisioner,
                        cache: ReadModelCache) -> None:
    requested_w = power.kw_to_w(spec.kw)
    check_circuit_size(requested_w=requested_w, voltage=spec.voltage, amperage=spec.amperage, phase=spec.phase)
    await require_held_rack(order, spec.rack_id, cache=cache)  # before any figure of the rack is read
    redundant = spec.redundancy == "a+b"
    # Live supply and panel capacities are read before any lock is taken (no NetBox call inside).
    feeds = await provisioner.rack_feeds(spec.rack_id)
    panels = feeding_panels(feeds, redundant=redundant)
    capacities = await panel_capacities(provisioner, panels)
    order.rack_id, order.power_w = spec.rack_id, requested_w
    order.spec = {**store.as_dict(order.spec), "panel_ids": panels}
    async with Order._meta.db.transaction():
        # Serialise concurrent power orders for this rack and its panels (always in this order).
        await _lock(RACK_LOCK + spec.rack_id)
        for panel in panels:
            await _lock(PANEL_LOCK + panel)
        await check_power(rack_id=spec.rack_id, feeds=feeds, capacities=capacities, requested_w=requested_w,
                          redundant=redundant)
        await _insert(order, actor, [])


async def _lock(key: int) -> None:
    if isinstance(Order._meta.db, PostgresEngine):
        await Order.raw("SELECT pg_advisory_xact_lock({})", key)
    # SQLite serialises writers on its own: the transaction's write lock is the guard.


async def _cross_connect_loa(
    order: Order, spec: CrossConnectSpec, tenant: Orderer, provisioner: Provisioner,
) -> Loa:
    if spec.a_port_id == spec.z_port_id:
        raise ValidationFailed("z_port_id", "must differ from a_port_id")
    # A missing port and someone else's answer alike, or port ids would tell what exists.
    try:
        a_port = await provisioner.front_port(spec.a_port_id)
    except NotFound:
        raise ValidationFailed("a_port_id", "not one of your ports") from None
    if a_port.tenant_id != tenant.netbox_tenant_id:
        raise ValidationFailed("a_port_id", "not one of your ports")
    z_port = await provisioner.front_port(spec.z_port_id)
    for name, port in (("a_port_id", a_port), ("z_port_id", z_port)):
        if port.cable_id is not None:
            raise Conflict(f"{name}: port {port.name} on {port.device_name} is already cabled",
                           field=name, cable_id=port.cable_id)
    copper = spec.media == "copper"
    for name, port in (("a_port_id", a_port), ("z_port_id", z_port)):
        if port.copper != copper:  # an LC port cannot take a copper patch, nor RJ45 a fibre one
            raise ValidationFailed("media", f"{name} {port.device_name}:{port.name} is a "
                                   f"{'copper' if port.copper else 'fibre'} port, not {spec.media}")
    if z_port.tenant_id is None:
        raise ValidationFailed("z_port_id", "the Z-side port belongs to no tenant or carrier")
    # What fulfilment would refuse after the LOA and approval (two sites, no free path) fails now.
    await plan_legs(a_port=a_port, z_port=z_port, copper=copper, provisioner=provisioner)
    z_tenant = await Tenant.select(Tenant.id).where(Tenant.netbox_tenant_id == z_port.tenant_id).first()
    order.loa_status = LoaStatus.PENDING.value
    order.spec = {**store.as_dict(order.spec), "a_port": _port_facts(a_port), "z_port": _port_facts(z_port),
                  "z_netbox_tenant_id": z_port.tenant_id}
    return Loa(id=uuid4(), order_id=order.id, a_tenant_id=order.tenant_id,
               z_tenant_id=z_tenant["id"] if z_tenant else None, z_netbox_tenant_id=z_port.tenant_id,
               status=LoaStatus.PENDING.value, created_at=store.now())


def _port_facts(port: PortLive) -> dict[str, Any]:
    return {"id": port.id, "name": port.name, "device_id": port.device_id, "device": port.device_name,
            "site_id": port.site_id}


async def get_order(*, principal: Principal, order_id: UUID) -> OrderRead:
    """One order the caller may see (another tenant's answers NotFound, like a missing one)."""
    return store.to_read(await store.load_for(principal=principal, order_id=order_id))


async def order_events(*, principal: Principal, order_id: UUID, page: PageRequest) -> PageResult[OrderEventRead]:
    """The history of an order the caller may see, oldest first."""
    await store.load_for(principal=principal, order_id=order_id)
    return await store.events(order_id=order_id, page=page)


async def fulfil(*, principal: Principal, order_id: UUID, provisioner: Provisioner) -> OrderRead:
    """Ops build (or retry building) an order in NetBox now; the order after this run."""
    await store.load_for(principal=principal, order_id=order_id)
    return await fulfilment.fulfil(order_id=order_id, provisioner=provisioner)


SIGNATURE_REQUIRED = "this facility requires decommissions approved with the ops person's certificate"


async def decommission(*, principal: Principal, order_id: UUID, provisioner: Provisioner,
                       require_signature: bool) -> OrderRead:
    """Ops remove an order's NetBox objects now; the order after this run. Where decommissions must
    be approved with a signed document (COLO_SIGNED_APPROVALS=decommissions) that approval comes
    first (dcim.orders.approvals)."""
    await store.load_for(principal=principal, order_id=order_id)
    if require_signature and not await Order.exists().where(
            (Order.id == order_id) & (Order.decommission_signer_sha256 != "")):
        raise Conflict(f"{SIGNATURE_REQUIRED}: download GET /v1/orders/{{order_id}}/decommission-pdf, sign it and "
                       "upload it to POST /v1/orders/{order_id}/decommission-signed")
    return await fulfilment.decommission(order_id=order_id, provisioner=provisioner)


async def act(
    *, principal: Principal, order_id: UUID, action: OrderAction, reason: str = "",
) -> OrderRead:
    """A person moves an order (review, approve, cancel, …) — only what their role allows."""
    row = await store.load_for(principal=principal, order_id=order_id)
    if principal.role not in roles_for(action):
        raise PermissionDenied(f"role {principal.role} may not {action.value} orders")
    if action in (OrderAction.REQUEST_ACTION, OrderAction.REJECT) and not reason.strip():
        raise ValidationFailed("reason", f"required to {action.value.replace('_', ' ')}")
    if action is OrderAction.APPROVE and row.kind == "cross_connect" and row.loa_status != LoaStatus.GRANTED:
        raise Conflict(f"the Z-side owner has not granted the LOA (LOA is {row.loa_status})",
                       loa_status=row.loa_status)
    values: dict[Any, Any] = {}
    if action is OrderAction.REQUEST_DECOMMISSION:
        values = {Order.next_attempt_at: None, Order.last_error: ""}
    moved = await store.transition(order_id, action, actor=store.Actor.of(principal), reason=reason,
                                   values=values)
    return store.to_read(moved)


async def release_claims(order_id: UUID) -> None:
    await UnitClaim.delete().where(UnitClaim.order_id == order_id)
