"""Tenant status hooks: other domains react to suspend / reinstate / offboard.

A domain registers an async callback once at start-up (from its part of the app assembly):

    from tenants.events import register_tenant_hook

    async def freeze_orders(change: TenantStatusChange) -> None:
        if change.current == "suspended": ...

    register_tenant_hook("dcim.orders.freeze", freeze_orders)

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
    current: str  # "active" (reinstated), "suspended" or "offboarded"
    reason: str
    actor_key_id: str


TenantHook = Callable[[TenantStatusChange], Awaitable[None]]
_HOOKS: dict[str, TenantHook] = {}


def register_tenant_hook(name: str, hook: TenantHook) -> None:
    """Register (or replace, by name — so registering twice is harmless) a status hook."""
    _HOOKS[name] = hook


def unregister_tenant_hook(name: str) -> None:
    _HOOKS.pop(name, None)


def registered_hooks() -> dict[str, TenantHook]:
    return dict(_HOOKS)


async def fire_tenant_hooks(change: TenantStatusChange) -> list[str]:
    """Run every hook; return the names of those that failed."""
    failed = []
    for name, hook in list(_HOOKS.items()):
        try:
            await hook(change)
        except Exception as exc:  # one domain's failure must not stop the others
            log.error("tenant hook failed", hook=name, tenant_id=str(change.tenant_id),
                      status=change.current, error=type(exc).__name__)
            failed.append(name)
    return failed
