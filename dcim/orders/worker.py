"""The fulfilment worker: picks up approved, interrupted and decommissioning orders and retries
the ones waiting for NetBox, one at a time, so a restart or an outage loses nothing.

Also the orders' reaction to tenant status changes (registered as a tenants/events hook):
suspension freezes open orders, reinstatement thaws them, offboarding cancels what was never
built and sends everything built to decommissioning.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from piccolo.custom_types import Combinable

from colo.errors import ColoError
from colo.logging import get_logger
from dcim.netbox.provisioning import Provisioner
from dcim.orders import store
from dcim.orders.fulfil import decommission, fulfil
from dcim.orders.states import FREEZABLE, OrderAction, OrderState
from dcim.orders.tables import Order, OrderEvent
from tenants.events import TenantHooks, TenantStatusChange
from tenants.status import TenantStatus

log = get_logger(__name__)
HOOK_NAME = "dcim.orders"
DUE_STATES = (OrderState.APPROVED.value, OrderState.PROVISIONING.value, OrderState.DECOMMISSION_REQUESTED.value)
NEVER_BUILT = (OrderState.SUBMITTED, OrderState.IN_REVIEW, OrderState.ACTION_REQUIRED, OrderState.APPROVED)
BUILT = (OrderState.ACTIVE, OrderState.FAILED)


@dataclass(frozen=True, slots=True)
class DueOrder:
    """An order the worker should work now: build it, or (decommission_requested) remove it."""

    id: UUID
    state: str  # an OrderState value of DUE_STATES


async def due_orders(limit: int, *, signed_decommissions: bool = False) -> list[DueOrder]:
    """With `signed_decommissions` (COLO_SIGNED_APPROVALS=decommissions) a requested decommission
    waits until ops approve it with a signed document (dcim.orders.approvals)."""
    moment = store.now()
    due: Combinable = Order.state.is_in(list(DUE_STATES))
    if signed_decommissions:
        due = due & ((Order.state != OrderState.DECOMMISSION_REQUESTED.value)
                     | (Order.decommission_signer_sha256 != ""))
    rows = await Order.select(Order.id, Order.state).where(
        due & (Order.frozen == False)  # noqa: E712
        & (Order.next_attempt_at.is_null() | (Order.next_attempt_at <= moment))
        & (Order.lease_until.is_null() | (Order.lease_until < moment))
    ).order_by(Order.updated_at).limit(limit)
    return [DueOrder(id=row["id"], state=row["state"]) for row in rows]


def _waiting_for_netbox() -> Combinable:
    """Orders whose last attempt found NetBox unavailable and whose back-off has not run out."""
    return (Order.state.is_in(list(DUE_STATES)) & (Order.frozen == False)  # noqa: E712
            & (Order.next_attempt_at > store.now()) & Order.last_error.like("waiting for NetBox%"))


async def waiting_for_netbox() -> int:
    """How many orders wait for NetBox to answer again (/metrics: colo_orders_waiting_for_netbox)."""
    return int(await Order.count().where(_waiting_for_netbox()))


class FulfilmentWorker:
    """Runs `run_once` every `interval` seconds until stopped."""

    def __init__(self, provisioner: Provisioner, *, interval: float = 5.0, batch: int = 10,
                 concurrency: int = 4, signed_decommissions: bool = False) -> None:
        self.provisioner = provisioner
        self.signed_decommissions = signed_decommissions
        self.interval = interval
        self.batch = batch
        self.concurrency = concurrency
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # True until NetBox has been seen answering: after a start-up, orders left waiting by an
        # earlier process are retried as soon as NetBox answers.
        self._netbox_down = True

    async def wake_when_netbox_returns(self) -> int:
        """Back-off grows to 10 minutes during a long outage; once NetBox answers again, the orders
        waiting for it are made due at once instead. One status call per round, only while some
        order waits. Returns how many orders were woken."""
        if not await Order.exists().where(_waiting_for_netbox()):
            return 0
        try:
            await self.provisioner.gateway.status()
        except ColoError:
            self._netbox_down = True
            return 0
        if not self._netbox_down:
            return 0  # NetBox answered all along: these orders failed for their own reasons
        self._netbox_down = False
        woken = await Order.update({Order.next_attempt_at: None}).where(_waiting_for_netbox()).returning(Order.id)
        log.info("netbox answers again; waiting orders retried now", orders=len(woken))
        return len(woken)

    async def run_once(self) -> int:
        """Work every due order once; returns how many were attempted."""
        await self.wake_when_netbox_returns()
        rows = await due_orders(self.batch, signed_decommissions=self.signed_decommissions)
        # A few orders at a time: a backlog (after an outage) is built within a minute even when
        # each order takes several NetBox round trips of a second or more.
        gate = asyncio.Semaphore(self.concurrency)

        async def work(due: DueOrder) -> None:
            async with gate:
                try:
                    if due.state == OrderState.DECOMMISSION_REQUESTED:
                        await decommission(order_id=due.id, provisioner=self.provisioner)
                    else:
                        await fulfil(order_id=due.id, provisioner=self.provisioner)
                except ColoError as exc:  # e.g. another actor moved it meanwhile: next round decides
                    log.info("fulfilment skipped an order", order_id=str(due.id), reason=exc.detail)

        outcomes = await asyncio.gather(*(work(due) for due in rows), return_exceptions=True)
        for due, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, BaseException):  # the database may be briefly away: next round retries
                log.error("fulfilment of an order crashed", order_id=str(due.id), error=repr(outcome))
        return len(rows)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # the database may be briefly away; never let the loop die
                log.exception("fulfilment round failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.interval)
            except TimeoutError:
                continue

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="colo-fulfilment")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None


class OrdersRuntime:
    """The long-lived part of orders in the app: provisioner, optional worker, tenant hook."""

    def __init__(self, provisioner: Provisioner, *, facility: str, run_worker: bool, hooks: TenantHooks,
                 interval: float = 5.0, signed_decommissions: bool = False) -> None:
        self.provisioner = provisioner
        self.hooks = hooks  # the app's (tenants/events.py): never another app's
        self.facility = facility
        self.signed_decommissions = signed_decommissions
        self.worker = FulfilmentWorker(provisioner, interval=interval,
                                       signed_decommissions=signed_decommissions) if run_worker else None

    async def start(self) -> None:
        self.hooks.register(HOOK_NAME, on_tenant_status)
        if self.worker is not None:
            await self.worker.start()

    async def stop(self) -> None:
        self.hooks.unregister(HOOK_NAME)
        if self.worker is not None:
            await self.worker.stop()


async def _freeze(tenant_id: UUID, *, frozen: bool, reason: str) -> int:
    states = [s.value for s in FREEZABLE]
    rows = await Order.select(Order.id, Order.state).where(
        (Order.tenant_id == tenant_id) & Order.state.is_in(states) & (Order.frozen == (not frozen)))
    for row in rows:
        async with Order._meta.db.transaction():
            await Order.update({Order.frozen: frozen, Order.updated_at: store.now()}).where(Order.id == row["id"])
            await OrderEvent.insert(store.event_row(
                order_id=row["id"], actor=store.SYSTEM, action="freeze" if frozen else "thaw",
                from_state=row["state"], to_state=row["state"], reason=reason))
    return len(rows)


async def on_tenant_status(change: TenantStatusChange) -> None:
    """Idempotent: a repeated change finds nothing left to do."""
    reason = f"tenant {change.current}: {change.reason}".strip(": ")
    if change.current == TenantStatus.SUSPENDED:
        count = await _freeze(change.tenant_id, frozen=True, reason=reason)
    elif change.current == TenantStatus.ACTIVE:
        count = await _freeze(change.tenant_id, frozen=False, reason=reason)
    elif change.current == TenantStatus.OFFBOARDED:
        count = await _offboard(change.tenant_id, reason=reason)
    else:
        return
    log.info("orders followed tenant status", tenant_id=str(change.tenant_id), status=change.current, orders=count)


async def _offboard(tenant_id: UUID, *, reason: str) -> int:
    rows = await Order.select(Order.id, Order.state).where(
        (Order.tenant_id == tenant_id) & Order.state.is_in([s.value for s in (*NEVER_BUILT, *BUILT)]))
    for row in rows:
        action = OrderAction.CANCEL if row["state"] in NEVER_BUILT else OrderAction.REQUEST_DECOMMISSION
        try:
            await store.transition(row["id"], action, actor=store.SYSTEM, reason=reason,
                                   values={Order.frozen: False}, allow_frozen=True)
        except ColoError as exc:  # moved concurrently; a repeated offboarding picks it up
            log.warning("offboarding skipped an order", order_id=str(row["id"]), reason=exc.detail)
    return len(rows)
