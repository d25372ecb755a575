"""Tenant scoping in the data layer: every domain filters its queries through these helpers.

A tenant principal only ever sees rows of its own tenant; a staff principal sees every tenant
(which staff role may call an operation at all is the policy table's job, not this module's).
Another tenant's row is reported exactly like a missing one: `NotFound(resource)`.

Usage in a domain service:

    query = Order.select().where(Order.status == "active")
    query = scoped(query, principal=principal, column=Order.tenant_id)
    order = await fetch_or_404(Order, object_id=order_id, principal=principal,
                               resource="order", tenant_column=Order.tenant_id)
"""

from __future__ import annotations

from typing import Any, Protocol, Self
from uuid import UUID

from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.custom_types import Combinable
from piccolo.querystring import QueryString
from piccolo.table import Table

from colo.errors import NotFound, PermissionDenied
from colo.identity import Principal


def tenant_filter(principal: Principal, column: Column) -> Where | None:
    """The WHERE clause limiting `column` (a tenant UUID column) to the caller; None for facility
    keys (colo.identity.FACILITY_ROLES: staff and the gate)."""
    if principal.is_facility:
        return None
    if principal.tenant_id is None:  # a tenant role without a tenant is a broken key: refuse
        raise PermissionDenied("this key is not bound to a tenant")
    return column == principal.tenant_id


class Filterable(Protocol):
    """A Piccolo query that takes a WHERE clause: select, objects, update, delete, count, exists."""

    def where(self, *where: Combinable | QueryString) -> Self: ...


def scoped[QueryT: Filterable](query: QueryT, *, principal: Principal, column: Column) -> QueryT:
    """Add the caller's tenant filter to a Piccolo select/objects/update/delete/count query."""
    where = tenant_filter(principal, column)
    return query if where is None else query.where(where)


def tenant_for_write(principal: Principal, requested: UUID | None, *, field: str = "tenant_id") -> UUID:
    """The tenant a new object belongs to: the caller's own for tenants (which may not name
    another), the requested one for staff (who must name one)."""
    from colo.errors import ValidationFailed

    if principal.is_tenant:
        if requested is not None and requested != principal.tenant_id:
            raise ValidationFailed(field, "tenants may not set the tenant; it is taken from the API key")
        assert principal.tenant_id is not None
        return principal.tenant_id
    if requested is None:
        raise ValidationFailed(field, "required for staff callers")
    return requested


async def fetch_or_404[TableT: Table](
    table: type[TableT], *, object_id: Any, principal: Principal, resource: str,
    tenant_column: Column, id_column: Column | None = None,
) -> TableT:
    """The row with this id if the caller may see it; otherwise NotFound (same for missing)."""
    key = id_column if id_column is not None else table._meta.primary_key
    query = scoped(table.objects().where(key == object_id), principal=principal, column=tenant_column)
    row = await query.first()
    if row is None:
        raise NotFound(resource, object_id)
    return row


async def select_one_or_404(
    table: type[Table], *, object_id: Any, principal: Principal, resource: str,
    tenant_column: Column, columns: tuple[Column, ...] = (),
) -> dict[str, Any]:
    """Like fetch_or_404 but as a dict from `select(*columns)`."""
    query = table.select(*columns).where(table._meta.primary_key == object_id)
    row = await scoped(query, principal=principal, column=tenant_column).first()
    if row is None:
        raise NotFound(resource, object_id)
    return row
