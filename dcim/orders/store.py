"""Order persistence: reads as API structs, state transitions with history, unit claims.

Every transition is a conditional UPDATE (`WHERE state = <the state we saw>`) in one
transaction with its history row, so two racing actors cannot both move the same order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, NotFound
from colo.identity import Principal
from dcim.orders.schemas import OrderEventRead, OrderRead
from dcim.orders.states import HOLDS_CAPACITY, TERMINAL, OrderAction, OrderState, allowed_actions, next_state
from dcim.orders.tables import Order, OrderEvent, UnitClaim
from dcim.readmodel.cache import bump_generation
from tenants.scope import scoped, select_one_or_404


@dataclass(frozen=True, slots=True)
class Actor:
    """Who moved an order: an API key (name + role) or Colo itself (fulfilment)."""

    name: str
    role: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(name=principal.name or principal.key_id, role=str(principal.role))


SYSTEM = Actor(name="colo-fulfilment", role="system")


def now() -> datetime:
    return datetime.now(UTC)


def as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded: dict[str, Any] = json.loads(value or "{}")  # a JSON column holds an object
        return loaded
    return dict(value or {})


def to_read(row: dict[str, Any]) -> OrderRead:
    return OrderRead(
        id=row["id"], tenant_id=row["tenant_id"], kind=row["kind"], state=row["state"],
        frozen=row["frozen"], spec=as_dict(row["spec"]), loa_status=row["loa_status"],
        netbox=as_dict(row["netbox"]), attempts=row["attempts"], last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"], created_by=row["created_by"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        allowed_actions=[] if row["frozen"] else allowed_actions(row["state"]),
    )


async def load(order_id: UUID) -> dict[str, Any]:
    row = await Order.select().where(Order.id == order_id).first()
    if row is None:
        raise NotFound("order", order_id)
    return row


async def load_for(*, principal: Principal, order_id: UUID) -> dict[str, Any]:
    """The order if the caller may see it; a foreign tenant's order is NotFound like a missing one."""
    return await select_one_or_404(Order, object_id=order_id, principal=principal, resource="order",
                                   tenant_column=Order.tenant_id)


async def list_for(
    *, principal: Principal, state: str | None, kind: str | None, tenant_id: UUID | None,
    limit: int, offset: int,
) -> tuple[list[dict[str, Any]], int]:
    where = []
    if state:
        where.append(Order.state == state)
    if kind:
        where.append(Order.kind == kind)
    if tenant_id and principal.is_facility:
        where.append(Order.tenant_id == tenant_id)
    query = scoped(Order.select(), principal=principal, column=Order.tenant_id)
    count = scoped(Order.count(), principal=principal, column=Order.tenant_id)
    for clause in where:
        query, count = query.where(clause), count.where(clause)
    rows = await query.order_by(Order.created_at, ascending=False).limit(limit).offset(offset)
    return rows, await count


async def events(*, order_id: UUID) -> list[OrderEventRead]:
    rows = await OrderEvent.select().where(OrderEvent.order_id == order_id).order_by(OrderEvent.at)
    return [OrderEventRead(at=r["at"], actor=r["actor"], actor_role=r["actor_role"], action=r["action"],
                           from_state=r["from_state"], to_state=r["to_state"], reason=r["reason"])
            for r in rows]


def event_row(*, order_id: UUID, actor: Actor, action: str, from_state: str, to_state: str,
              reason: str) -> OrderEvent:
    return OrderEvent(id=uuid4(), order_id=order_id, at=now(), actor=actor.name[:100], actor_role=actor.role,
                      action=action, from_state=from_state, to_state=to_state, reason=reason[:1000])


async def transition(
    order_id: UUID, action: OrderAction, *, actor: Actor, reason: str = "",
    values: dict[Any, Any] | None = None, allow_frozen: bool = False,
) -> dict[str, Any]:
    """Move the order by `action`, recording who/when/why; Conflict when the move is illegal now."""
    row = await load(order_id)
    if row["frozen"] and not allow_frozen:
        raise Conflict("the order is frozen while its tenant is suspended", state=row["state"])
    target = next_state(row["state"], action)
    changes: dict[Any, Any] = {Order.state: target.value, Order.updated_at: now(), **(values or {})}
    async with Order._meta.db.transaction():
        moved = await Order.update(changes).where(
            (Order.id == order_id) & (Order.state == row["state"])
        ).returning(Order.id)
        if not moved:
            current = await load(order_id)
            next_state(current["state"], action)  # raises the precise Conflict for the new state
            raise Conflict("the order changed while this request ran; retry", state=current["state"])
        await OrderEvent.insert(event_row(order_id=order_id, actor=actor, action=action.value,
                                          from_state=row["state"], to_state=target.value, reason=reason))
        if row["kind"] == "power":  # committed power in the cached rack views changes with it
            await bump_generation()
        if target in TERMINAL:
            await UnitClaim.delete().where(UnitClaim.order_id == order_id)
    return await load(order_id)


async def record(order_id: UUID, values: dict[Any, Any]) -> None:
    """Store an outcome (NetBox ids, errors, retry time) without changing the state."""
    await Order.update({**values, Order.updated_at: now()}).where(Order.id == order_id)


async def claimed_units(rack_id: int, *, exclude_order: UUID | None = None) -> set[int]:
    query = UnitClaim.select(UnitClaim.unit).where(UnitClaim.rack_id == rack_id)
    if exclude_order is not None:
        query = query.where(UnitClaim.order_id != exclude_order)
    return {r["unit"] for r in await query}


def claim_rows(order_id: UUID, rack_id: int, units: Iterable[int]) -> list[UnitClaim]:
    return [UnitClaim(id=uuid4(), claim_key=f"{rack_id}:{unit}", rack_id=rack_id, unit=unit, order_id=order_id)
            for unit in units]


async def committed_power_w(rack_id: int, *, exclude_order: UUID | None = None) -> int:
    """Watts promised on this rack by power orders that still hold capacity."""
    holding = [s.value for s in OrderState if s not in TERMINAL]
    query = Order.select(Order.id, Order.power_w).where(
        (Order.rack_id == rack_id) & (Order.kind == "power") & Order.state.is_in(holding)
    )
    rows = await query
    return sum(r["power_w"] for r in rows if r["id"] != exclude_order)


async def ordered_power_w(rack_ids: Iterable[int] | None = None) -> dict[tuple[int, int | None], int]:
    """(rack id, NetBox tenant id) → watts promised by power orders that still hold capacity,
    on the given racks (all racks when None): the Colo side of dcim.power's committed figure."""
    holding = [s.value for s in HOLDS_CAPACITY]
    query = Order.select(Order.rack_id, Order.netbox_tenant_id, Order.power_w).where(
        (Order.kind == "power") & Order.state.is_in(holding))
    if rack_ids is not None:
        query = query.where(Order.rack_id.is_in(sorted(set(rack_ids)) or [-1]))
    out: dict[tuple[int, int | None], int] = {}
    for row in await query:
        if row["rack_id"] is not None:
            key = (row["rack_id"], row["netbox_tenant_id"])
            out[key] = out.get(key, 0) + int(row["power_w"] or 0)
    return out


def by_rack(ordered: dict[tuple[int, int | None], int]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for (rack, _tenant), watts in ordered.items():
        totals[rack] = totals.get(rack, 0) + watts
    return totals


async def committed_panel_w(panel_id: int, *, exclude_order: UUID | None = None) -> int:
    """Watts promised by power orders (still holding capacity) fed from this panel."""
    holding = [s.value for s in OrderState if s not in TERMINAL]
    rows = await Order.select(Order.id, Order.power_w, Order.spec).where(
        (Order.kind == "power") & Order.state.is_in(holding))
    return sum(r["power_w"] for r in rows
               if r["id"] != exclude_order and panel_id in as_dict(r["spec"]).get("panel_ids", []))
