"""Which racks Colo may sell space in to a tenant: one rule for capacity search, auto-placement
and space orders, so the search offers exactly the racks an order accepts.

A NetBox that has been in use for years holds racks Colo must never sell (DESIGN.md, principle
7): racks owned by a tenant (rack.tenant set) are sold to that tenant only; racks whose role marks
them as the house's (network, infrastructure, meet-me room) are never sold; and only racks whose
status says they are in service or for sale are sold. Statuses and roles are configuration
(COLO_SELLABLE_RACK_STATUSES, COLO_UNSELLABLE_RACK_ROLES); the defaults are below. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from colo.settings import Settings

# `active`: in service with free units; `available`: empty, powered, for sale. Not `planned`
# (not built yet), `reserved` (held outside Colo), `deprecated` or `offline`.
DEFAULT_SELLABLE_STATUSES = ("active", "available")
# Rack role slugs of the house's own racks (the demo plant's `network` and `meet-me` among them).
DEFAULT_UNSELLABLE_ROLES = ("infrastructure", "network", "meet-me", "meet-me-room", "mmr")


@dataclass(frozen=True, slots=True)
class SaleRules:
    statuses: frozenset[str] = frozenset(DEFAULT_SELLABLE_STATUSES)
    unsellable_roles: frozenset[str] = frozenset(DEFAULT_UNSELLABLE_ROLES)

    @classmethod
    def of(cls, *, statuses: tuple[str, ...], unsellable_roles: tuple[str, ...]) -> SaleRules:
        return cls(frozenset(statuses), frozenset(unsellable_roles))

    def refusal(self, *, name: str, status: str, role: str, tenant_id: int | None,
                buyer: int | None) -> str | None:
        """Why this rack is not sold to `buyer` (a NetBox tenant id), or None when it is."""
        if tenant_id is not None and tenant_id != buyer:
            return f"rack {name!r} belongs to another tenant"
        if role and role in self.unsellable_roles:
            return f"rack role {role!r} is not sold"
        if status not in self.statuses:
            return f"rack status {status!r} is not sold (sold: {', '.join(sorted(self.statuses))})"
        return None


DEFAULT_RULES = SaleRules()


def rules_of(settings: Settings) -> SaleRules:
    """The rules a deployment configured (COLO_SELLABLE_RACK_STATUSES, COLO_UNSELLABLE_RACK_ROLES)."""
    return SaleRules.of(statuses=settings.sellable_rack_statuses, unsellable_roles=settings.unsellable_rack_roles)
