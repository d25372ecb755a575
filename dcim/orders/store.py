"""Order persistence: reads as typed records, state transitions with history, unit claims.

A stored order becomes an `OrderRow` in one place (`OrderRow.of`) and the API's `OrderRead` in
one place (`to_read`); nothing outside this module indexes an order's database row.
Every transition is a conditional UPDATE (`WHERE state = <the state we saw>`) in one
transaction with its history row, so two racing actors cannot both move the same order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from colo.errors import Conflict, NotFound
from colo.identity import Principal
from colo.outbox import EventType, OrderStateChanged, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
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


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One stored order, every column, its JSON blobs (`spec`, `netbox`) parsed: what the orders
    package works on. `lease_until`, `rack_id`, `power_w` … never leave the package; the API
    answers `to_read`'s OrderRead."""

    id: UUID
    tenant_id: UUID
    kind: str  # space | power | cross_connect
    state: str  # an OrderState value
    frozen: bool
    idempotency_scope: str | None
    request_hash: str
    spec: dict[str, Any]
    netbox_tenant_id: int | None
    rack_id: int | None
    power_w: int
    loa_status: str  # a LoaStatus value
    netbox: dict[str, Any]
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    lease_until: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    decommission_signer_sha256: str = ""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> OrderRow:
        """The one place an orders_order row (a Piccolo select of every column) becomes a record."""
        return cls(
            id=row["id"], tenant_id=row["tenant_id"], kind=row["kind"], state=row["state"], frozen=row["frozen"],
            idempotency_scope=row["idempotency_scope"], request_hash=row["request_hash"], spec=as_dict(row["spec"]),
            netbox_tenant_id=row["netbox_tenant_id"], rack_id=row["rack_id"], power_w=row["power_w"],
            loa_status=row["loa_status"], netbox=as_dict(row["netbox"]), attempts=row["attempts"],
            last_error=row["last_error"], next_attempt_at=row["next_attempt_at"], lease_until=row["lease_until"],
            created_by=row["created_by"], created_at=row["created_at"], updated_at=row["updated_at"],
            decommission_signer_sha256=row.get("decommission_signer_sha256", ""),
        )


def to_read(order: OrderRow | Mapping[str, Any]) -> OrderRead:
    """The one OrderRead converter. A raw row (what `list_for` still returns) is read as an
    OrderRow first."""
    if not isinstance(order, OrderRow):
        order = OrderRow.of(order)
    return OrderRead(
        id=order.id, tenant_id=order.tenant_id, kind=order.kind, state=order.state, frozen=order.frozen,
        spec=order.spec, loa_status=order.loa_status, netbox=order.netbox, attempts=order.attempts,
        last_error=order.last_error, next_attempt_at=order.next_attempt_at, created_by=order.created_by,
        created_at=order.created_at, updated_at=order.updated_at,
        allowed_actions=[] if order.frozen else allowed_actions(order.state),
        decommission_signer_sha256=order.decommission_signer_sha256,
    )


async def load(order_id: UUID) -> OrderRow:
    row = await Order.select().where(Order.id == order_id).first()
    if row is None:
        raise NotFound("order", order_id)
    return OrderRow.of(row)


async def load_for(*, principal: Principal, order_id: UUID) -> OrderRow:
    """The order if the caller may see it; a foreign tenant's order is NotFound like a missing one."""
    return OrderRow.of(await select_one_or_404(Order, object_id=order_id, principal=principal, resource="order",
                                               tenant_column=Order.tenant_id))


ORDER_KEYS = Keyset("orders", (datetime, UUID), descending=True)  # newest first
EVENT_KEYS = Keyset("order-events", (datetime, UUID))  # oldest first: the order's history as it happened


async def list_for(
    *, principal: Principal, state: str | None, kind: str | None, tenant_id: UUID | None, page: PageRequest,
) -> PageResult[OrderRead]:
    query = scoped(Order.select(), principal=principal, column=Order.tenant_id)
    if state:
        query = query.where(Order.state == state)
    if kind:
        query = query.where(Order.kind == kind)
    if tenant_id and principal.is_facility:
        query = query.where(Order.tenant_id == tenant_id)
    rows = await select_page(query, columns=(Order.created_at, Order.id), keyset=ORDER_KEYS, page=page)
    return rows.map(to_read)


def _event_read(row: dict[str, Any]) -> OrderEventRead:
    return OrderEventRead(at=row["at"], actor=row["actor"], actor_role=row["actor_role"], action=row["action"],
                          from_state=row["from_state"], to_state=row["to_state"], reason=row["reason"])


async def events(*, order_id: UUID, page: PageRequest) -> PageResult[OrderEventRead]:
    """The order's transitions, oldest first (the caller has checked it may see the order)."""
    query = OrderEvent.select().where(OrderEvent.order_id == order_id)
    rows = await select_page(query, columns=(OrderEvent.at, OrderEvent.id), keyset=EVENT_KEYS, page=page)
    return rows.map(_event_read)


def event_row(*, order_id: UUID, actor: Actor, action: str, from_state: str, to_state: str,
              reason: str) -> OrderEvent:
    return OrderEvent(id=uuid4(), order_id=order_id, at=now(), actor=actor.name[:100], actor_role=actor.role,
                      action=action, from_state=from_state, to_state=to_state, reason=reason[:1000])


async def transition(
    order_id: UUID, action: OrderAction, *, actor: Actor, reason: str = "",
    values: dict[Any, Any] | None = None, allow_frozen: bool = False,
) -> OrderRow:
    """Move the order by `action`, recording who/when/why; Conflict when the move is illegal now."""
    row = await load(order_id)
    if row.frozen and not allow_frozen:
        raise Conflict("the order is frozen while its tenant is suspended", state=row.state)
    target = next_state(row.state, action)
    changes: dict[Any, Any] = {Order.state: target.value, Order.updated_at: now(), **(values or {})}
    async with Order._meta.db.transaction():
        moved = await Order.update(changes).where(
            (Order.id == order_id) & (Order.state == row.state)
        ).returning(Order.id)
        if not moved:
            current = await load(order_id)
            next_state(current.state, action)  # raises the precise Conflict for the new state
            raise Conflict("the order changed while this request ran; retry", state=current.state)
        await OrderEvent.insert(event_row(order_id=order_id, actor=actor, action=action.value,
                                          from_state=row.state, to_state=target.value, reason=reason))
        await record_event(type=EventType.ORDER_STATE_CHANGED, tenant_id=row.tenant_id, payload=OrderStateChanged(
            order_id=order_id, kind=row.kind, action=action.value, from_state=row.state, to_state=target.value))
        if row.kind == "power":  # committed power in the cached rack views changes with it
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
