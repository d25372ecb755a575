"""Tenant status hooks: other domains react to suspend / reinstate / offboard.

The hooks belong to an app, not to the process: each app holds one `TenantHooks`
(`AppServices.tenant_hooks`), its components register on it at start-up, and the tenant
lifecycle fires the one it is given, so two apps in one process (tests) never see or replace
each other's hooks:

    async def freeze_orders(change: TenantStatusChange) -> None:
        if change.current == TenantStatus.SUSPENDED: ...

    hooks.register("dcim.orders.freeze", freeze_orders)

Hooks run after the status change is committed, one after another; a failing hook is logged
and the others still run (the change itself stands). Hooks must be idempotent: an operator may
repeat an offboarding to re-run hooks that failed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from colo.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class TenantStatusChange:
    tenant_id: UUID
    previous: str
    current: str  # a tenants.status.TenantStatus value: active (reinstated), suspended or offboarded
    reason: str
    actor_key_id: str


TenantHook = Callable[[TenantStatusChange], Awaitable[None]]


class TenantHooks:
    """One app's tenant status hooks, by name."""

    def __init__(self) -> None:
        self._hooks: dict[str, TenantHook] = {}

    def register(self, name: str, hook: TenantHook) -> None:
        """Register (or replace, by name — so registering twice is harmless) a status hook."""
        self._hooks[name] = hook

    def unregister(self, name: str) -> None:
        self._hooks.pop(name, None)

    def registered(self) -> dict[str, TenantHook]:
        return dict(self._hooks)

    async def fire(self, change: TenantStatusChange) -> list[str]:
        """Run every hook; return the names of those that failed."""
        failed = []
        for name, hook in list(self._hooks.items()):
            try:
                await hook(change)
            except Exception as exc:  # one domain's failure must not stop the others
                log.error("tenant hook failed", hook=name, tenant_id=str(change.tenant_id),
                          status=change.current, error=type(exc).__name__)
                failed.append(name)
        return failed
