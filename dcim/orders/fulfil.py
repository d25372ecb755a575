"""Fulfilment and decommissioning in NetBox: resumable, idempotent, never inside a transaction.

A run takes a lease on the order (a conditional UPDATE, committed), then calls NetBox, then
records the outcome. Every NetBox object is found by the order id before it is created, so a
run that crashed half-way resumes without twins. NetBox being down leaves the order where it
was, with the error and the next attempt time visible; NetBox refusing (or the live plant no
longer allowing the order) moves it to `failed`, which ops may retry.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import anyio
import msgspec

from colo.errors import ColoError, Conflict, NotFound, Unavailable, UpstreamRejected, ValidationFailed
from colo.logging import get_logger
from dcim.netbox.provisioning import Provisioner, is_overlap_refusal
from dcim.orders import store
from dcim.orders.power_checks import check_power, panel_capacities
from dcim.orders.schemas import MEDIA_CABLE_TYPES, OrderRead
from dcim.orders.states import LoaStatus, OrderAction, OrderState, next_state
from dcim.orders.store import OrderRow
from dcim.orders.supply import panel_for_side
from dcim.orders.tables import Loa, Order
from dcim.orders.xc_paths import Leg, plan_legs
from dcim.power import w_to_kw
from dcim.readmodel.sync import refresh_objects, refresh_ports, refresh_racks

log = get_logger(__name__)
# A run renews its lease every RENEW_EVERY while it works, so a slow NetBox never makes a live run
# lose it, and the order of a run that crashed is free for the next one within one LEASE.
LEASE = timedelta(seconds=30)
RENEW_EVERY = LEASE / 3
MAX_BACKOFF_SECONDS = 600
FRONT = "dcim.frontport"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(15 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def short(order_id: UUID) -> str:
    return order_id.hex[:8]


async def _take_lease(order_id: UUID, state: OrderState) -> bool:
    moment = store.now()
    taken = await Order.update({
        Order.lease_until: moment + LEASE, Order.attempts: Order.attempts + 1, Order.updated_at: moment,
    }).where(
        (Order.id == order_id) & (Order.state == state.value) & (Order.frozen == False)  # noqa: E712
        & (Order.lease_until.is_null() | (Order.lease_until < moment))
    ).returning(Order.id)
    return bool(taken)


@asynccontextmanager
async def _renewing_lease(order_id: UUID) -> AsyncIterator[None]:
    async def renew() -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY.total_seconds())
            try:
                await Order.update({Order.lease_until: store.now() + LEASE}).where(
                    (Order.id == order_id) & Order.lease_until.is_not_null())
            except Exception:  # the database briefly away must not abort the NetBox work
                log.warning("could not renew an order's lease", order_id=str(order_id))

    task = asyncio.create_task(renew(), name=f"lease-{order_id}")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _wait_for_other_run(order_id: UUID) -> OrderRow:
    """Another run holds the lease: wait for it to finish rather than run twice."""
    with anyio.move_on_after(LEASE.total_seconds()):
        while True:
            row = await store.load(order_id)
            if row.lease_until is None or row.lease_until < store.now():
                return row
            await anyio.sleep(0.5)
    return await store.load(order_id)


async def fulfil(*, order_id: UUID, provisioner: Provisioner) -> OrderRead:
    """Build the order in NetBox. Returns the order as it stands afterwards."""
    return store.to_read(await _fulfil(order_id, provisioner))


async def decommission(*, order_id: UUID, provisioner: Provisioner) -> OrderRead:
    """Remove every NetBox object of the order (whatever exists), then mark it decommissioned.
    Returns the order as it stands afterwards."""
    return store.to_read(await _decommission(order_id, provisioner))


async def _fulfil(order_id: UUID, provisioner: Provisioner) -> OrderRow:
    row = await store.load(order_id)
    if row.frozen:
        raise Conflict("the order is frozen while its tenant is suspended", state=row.state)
    if row.state in (OrderState.APPROVED, OrderState.FAILED):
        row = await store.transition(order_id, OrderAction.START_PROVISIONING, actor=store.SYSTEM,
                                     reason="fulfilment started" if row.state == "approved" else "retry",
                                     values={Order.last_error: "", Order.next_attempt_at: None})
    if row.state != OrderState.PROVISIONING:
        next_state(row.state, OrderAction.START_PROVISIONING)  # the precise Conflict
    if not await _take_lease(order_id, OrderState.PROVISIONING):
        return await _wait_for_other_run(order_id)
    row = await store.load(order_id)
    try:
        async with _renewing_lease(order_id):
            netbox = await BUILDERS[row.kind](row, provisioner)
    except Unavailable as exc:
        return await _postpone(row, exc)
    except (UpstreamRejected, Conflict, NotFound, ValidationFailed) as exc:
        reason = _refusal_reason(exc)
        log.warning("fulfilment failed", order_id=str(order_id), reason=reason)
        return await store.transition(order_id, OrderAction.FAIL, actor=store.SYSTEM, reason=reason,
                                      values={Order.last_error: reason, Order.lease_until: None})
    done = await store.transition(
        order_id, OrderAction.ACTIVATE, actor=store.SYSTEM, reason="built in NetBox",
        values={Order.netbox: netbox, Order.lease_until: None, Order.last_error: "", Order.next_attempt_at: None},
    )
    await refresh_written_plant(done, provisioner)
    return done


async def _decommission(order_id: UUID, provisioner: Provisioner) -> OrderRow:
    row = await store.load(order_id)
    if row.state != OrderState.DECOMMISSION_REQUESTED:
        next_state(row.state, OrderAction.DECOMMISSION)
    if not await _take_lease(order_id, OrderState.DECOMMISSION_REQUESTED):
        return await _wait_for_other_run(order_id)
    removed: dict[str, bool] = {}
    try:
        async with _renewing_lease(order_id):
            # Cables first: a cable ends on ports, never the other way round.
            removed["cables"] = await provisioner.delete_cables(order_id)
            removed["feeds"] = await provisioner.delete_feeds(order_id)
            removed["reservation"] = await provisioner.delete_reservation(order_id)
    except Unavailable as exc:
        return await _postpone(row, exc)
    except ColoError as exc:  # a refusal to delete is for ops to look at; keep retrying
        return await _postpone(row, exc)
    gone = ", ".join(name for name, existed in removed.items() if existed) or "nothing left"
    done = await store.transition(
        order_id, OrderAction.DECOMMISSION, actor=store.SYSTEM, reason=f"removed from NetBox: {gone}",
        values={Order.lease_until: None, Order.last_error: "", Order.next_attempt_at: None},
    )
    await refresh_written_plant(done, provisioner)
    return done


async def refresh_written_plant(row: OrderRow, provisioner: Provisioner) -> None:
    """Re-read what this run just wrote into the read model now — the rack of a space or power
    order (reservation, feeds), the ports and cables of a cross-connect — so the tenant sees it at
    once rather than after the next webhook or periodic sync. Best effort: the order is built
    either way, and the periodic sync catches up."""
    try:
        if row.kind == "cross_connect":
            ports = sorted({end for leg in _legs(row.netbox) for end in (leg.a, leg.b)})
            if ports:
                await refresh_ports(provisioner.gateway, ports)
            if cables := row.netbox.get("cable_ids"):
                await refresh_objects(provisioner.gateway, {("dcim.cable", cable) for cable in cables})
        elif row.rack_id is not None:
            await refresh_racks(provisioner.gateway, [row.rack_id])
    except ColoError as exc:
        log.warning("could not refresh the read model after fulfilment", order_id=str(row.id),
                    kind=row.kind, error=exc.detail)


async def _postpone(row: OrderRow, exc: ColoError) -> OrderRow:
    attempts = row.attempts
    retry_at = store.now() + backoff(attempts)
    log.warning("netbox unavailable; order waits", order_id=str(row.id), state=row.state,
                attempts=attempts, retry_at=retry_at.isoformat())
    await store.record(row.id, {
        Order.last_error: f"waiting for NetBox: {exc.detail}"[:1000], Order.next_attempt_at: retry_at,
        Order.lease_until: None,
    })
    return await store.load(row.id)


def _refusal_reason(exc: ColoError) -> str:
    if isinstance(exc, UpstreamRejected) and is_overlap_refusal(exc):
        return f"NetBox refused the reservation: the units were reserved by someone else ({exc.detail})"
    if isinstance(exc, NotFound):
        return f"a NetBox object this order needs no longer exists ({exc.detail})"
    return exc.detail[:1000]


def _legs(netbox: dict[str, Any]) -> list[Leg]:
    """The legs recorded in an order's `netbox` blob (none before they are planned)."""
    return msgspec.convert(netbox.get("legs", []), list[Leg])


def _rack_of(row: OrderRow) -> int:
    if row.rack_id is None:  # space and power orders get their rack when they are made
        raise Conflict(f"the {row.kind} order has no rack")
    return row.rack_id


def _owner_of(row: OrderRow) -> int:
    if row.netbox_tenant_id is None:  # an order is made only by a tenant linked to NetBox
        raise Conflict("the order's tenant has no NetBox tenant")
    return row.netbox_tenant_id


async def _build_space(row: OrderRow, provisioner: Provisioner) -> dict[str, Any]:
    order_id, spec = row.id, row.spec
    existing = await provisioner.find_reservation(order_id)
    if existing is None:
        rack = await provisioner.rack(_rack_of(row))  # live re-check right before the write
        units = spec["units_assigned"]
        taken = sorted(u for u in units if u in rack.occupied or u in rack.reserved)
        if taken:
            raise Conflict(f"units {taken} of rack {rack.name} are no longer free in NetBox", taken_units=taken)
        existing = await provisioner.create_reservation(
            order_id=order_id, rack_id=rack.id, units=units, netbox_tenant_id=_owner_of(row),
            description=f"Colo order {order_id}",
        )
    return {"reservation_id": existing.id, "rack_id": existing.rack_id, "units": list(existing.units)}


async def _build_power(row: OrderRow, provisioner: Provisioner) -> dict[str, Any]:
    order_id, spec, rack_id = row.id, row.spec, _rack_of(row)
    feeds = await provisioner.rack_feeds(rack_id)
    redundant = spec["redundancy"] == "a+b"
    # Checked again against the live plant: supply or panel capacity may have shrunk since ordering.
    capacities = await panel_capacities(provisioner, spec.get("panel_ids", []))
    await check_power(rack_id=rack_id, feeds=feeds, capacities=capacities, requested_w=row.power_w,
                      redundant=redundant, exclude_order=order_id)
    sides = [("a", "primary"), ("b", "redundant")] if redundant else [("a", "primary")]
    built: dict[str, Any] = {"feed_ids": []}
    for side, feed_type in sides:
        panel = panel_for_side(feeds, side) or panel_for_side(feeds, "a")
        if panel is None:
            raise Conflict(f"rack {rack_id} has no supply feed, so no power panel to connect to")
        feed = await provisioner.create_feed(
            order_id=order_id, name=f"colo-{short(order_id)}-{side.upper()}", panel_id=panel,
            rack_id=rack_id, feed_type=feed_type, phase=spec["phase"], voltage=spec["voltage"],
            amperage=spec["amperage"], max_utilization=80, netbox_tenant_id=_owner_of(row),
            description=f"Colo order {order_id}: {w_to_kw(row.power_w):g} kW",
        )
        built["feed_ids"].append(feed.id)
    return built


async def _build_cross_connect(row: OrderRow, provisioner: Provisioner) -> dict[str, Any]:
    order_id, spec = row.id, row.spec
    await _check_loa(order_id)
    netbox, legs = row.netbox, _legs(row.netbox)
    if not legs:
        # Record the chosen meet-me-room ports before cabling: a resumed run reuses them.
        legs = await _plan_legs(spec, provisioner)
        netbox = {"legs": msgspec.to_builtins(legs)}
        await store.record(order_id, {Order.netbox: netbox})
    cable_ids = []
    try:
        for leg in legs:
            cable = await provisioner.create_cable(
                order_id=order_id, label=f"XC-{short(order_id)}-{leg.name}", a=(FRONT, leg.a),
                b=(FRONT, leg.b), cable_type=MEDIA_CABLE_TYPES[spec["media"]],
                netbox_tenant_id=_owner_of(row),
                description=f"Colo order {order_id}: cross-connect {spec['speed']} {spec['media']}",
            )
            cable_ids.append(cable.id)
    except UpstreamRejected as exc:
        if "Duplicate termination" in exc.detail:
            # Someone cabled a port we picked: undo our legs so a retry plans a fresh path.
            await provisioner.delete_cables(order_id)
            await store.record(order_id, {Order.netbox: {}})
        raise
    return {**netbox, "cable_ids": cable_ids}


async def _plan_legs(spec: dict[str, Any], provisioner: Provisioner) -> list[Leg]:
    """Plan against the live ports (the same rule ordering checked; the plant may have changed)."""
    a_port = await provisioner.front_port(spec["a_port"]["id"])
    z_port = await provisioner.front_port(spec["z_port"]["id"])
    return await plan_legs(a_port=a_port, z_port=z_port, copper=spec["media"] == "copper", provisioner=provisioner)


async def _check_loa(order_id: UUID) -> None:
    loa = await Loa.select().where((Loa.order_id == order_id) & (Loa.status == LoaStatus.GRANTED.value)).first()
    if loa is None:
        raise Conflict("the cross-connect has no granted LOA-CFA")
    if loa["expires_at"] is not None and loa["expires_at"] <= store.now():
        await Loa.update({Loa.status: LoaStatus.EXPIRED.value}).where(Loa.id == loa["id"])
        await store.record(order_id, {Order.loa_status: LoaStatus.EXPIRED.value})
        raise Conflict(f"the LOA-CFA expired at {loa['expires_at'].isoformat()}; the Z side must grant a new one")


BUILDERS = {"space": _build_space, "power": _build_power, "cross_connect": _build_cross_connect}
