"""Tenants: read (staff: all; tenants: their own) and the ops lifecycle actions."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, Parameter

from api.auth import CurrentPrincipal
from api.controllers.problem_docs import problems
from api.pagination import Cursor, Offset, PageSize, paged, start_of
from tenants import lifecycle
from tenants.schemas import StatusChange, TenantRead

StatusFilter = Annotated[str | None, Parameter(pattern=r"^(pending|active|suspended|offboarded)$", required=False)]


class TenantController(Controller):
    path = "/v1/tenants"
    tags = ["tenants"]

    @get("/", operation_id="list_tenants", summary="List tenants (a tenant sees only itself)",
         responses=problems(400, 401, 403))
    async def list_tenants(
        self, request: Request[Any, Any, Any], principal: CurrentPrincipal, status: StatusFilter = None,
        limit: PageSize = 100, offset: Offset = 0, cursor: Cursor = None,
    ) -> Response[list[TenantRead]]:
        start = start_of(cursor, offset)
        rows = await lifecycle.list_tenants(principal=principal, status=status, limit=limit, offset=start)
        return paged(request, [TenantRead.of(r) for r in rows], items=rows, limit=limit, start=start)

    @get("/{tenant_id:uuid}", operation_id="get_tenant", summary="One tenant",
         responses=problems(401, 403, 404))
    async def get_tenant(self, principal: CurrentPrincipal, tenant_id: FromPath[UUID]) -> TenantRead:
        return TenantRead.of(await lifecycle.get_tenant(principal=principal, tenant_id=tenant_id))

    @post("/{tenant_id:uuid}/suspend", operation_id="suspend_tenant", status_code=200,
          summary="Suspend: the tenant's keys stop working at once; open orders freeze",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def suspend(
        self, principal: CurrentPrincipal, tenant_id: FromPath[UUID], data: JSONBody[StatusChange],
    ) -> TenantRead:
        return TenantRead.of(await lifecycle.suspend_tenant(principal=principal, tenant_id=tenant_id,
                                                            reason=data.reason))

    @post("/{tenant_id:uuid}/reinstate", operation_id="reinstate_tenant", status_code=200,
          summary="Reinstate a suspended tenant", responses=problems(400, 401, 403, 404, 409, 422))
    async def reinstate(
        self, principal: CurrentPrincipal, tenant_id: FromPath[UUID], data: JSONBody[StatusChange],
    ) -> TenantRead:
        return TenantRead.of(await lifecycle.reinstate_tenant(principal=principal, tenant_id=tenant_id,
                                                              reason=data.reason))

    @post("/{tenant_id:uuid}/offboard", operation_id="offboard_tenant", status_code=200,
          summary="Offboard: revoke keys, notify other domains, crypto-erase personal data",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def offboard(
        self, principal: CurrentPrincipal, tenant_id: FromPath[UUID], data: JSONBody[StatusChange],
    ) -> TenantRead:
        return TenantRead.of(await lifecycle.offboard_tenant(principal=principal, tenant_id=tenant_id,
                                                             reason=data.reason))
