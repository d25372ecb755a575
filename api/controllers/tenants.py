"""Tenants: read (staff: all; tenants: their own), the ops lifecycle actions, and onboarding of
customers already in NetBox (adopt, link: tenants/adoption.py)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, JSONBody, Parameter

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from dcim.netbox.tenancy import NetBoxTenantDirectory
from tenants import lifecycle
from tenants.adoption import adopt_tenant, link_tenant
from tenants.schemas import NetBoxLink, StatusChange, TenantAdopt, TenantRead

StatusFilter = Annotated[str | None, Parameter(pattern=r"^(pending|active|suspended|offboarded)$", required=False)]
StatusReason = Annotated[StatusChange, Body(examples=[Example(summary="why", value={
    "reason": "invoice 2026-10 unpaid after the second reminder"})])]
LinkBody = Annotated[NetBoxLink, Body(examples=[Example(summary="link NetBox tenant 42", value={
    "netbox_tenant_id": 42, "replace": False})])]


class TenantController(Controller):
    path = "/v1/tenants"
    tags = ["tenants"]

    @get("/", operation_id="list_tenants", summary="List tenants, oldest first (a tenant sees only itself)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_tenants(
        self, request: ColoRequest, status: StatusFilter = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[TenantRead]]:
        page = keyset_request(cursor, limit=limit, keyset=lifecycle.TENANT_KEYS)
        return respond(request, await lifecycle.list_tenants(principal=request.principal, status=status, page=page))

    @get("/{tenant_id:uuid}", operation_id="get_tenant", summary="One tenant",
         responses=problems(401, 403, 404))
    async def get_tenant(self, request: ColoRequest, tenant_id: FromPath[UUID]) -> TenantRead:
        return await lifecycle.get_tenant(principal=request.principal, tenant_id=tenant_id)

    @post("/adopt", operation_id="adopt_tenant", status_code=201,
          summary="Adopt a customer already in NetBox: an active tenant linked to that NetBox tenant",
          description="Answers 201 with the new tenant; adopting the same NetBox tenant with the same "
                      "registration again answers 200 with the same tenant. A NetBox tenant linked to another "
                      "Colo tenant: 409. Ops never receive a tenant credential over the API: the first "
                      "tenant-admin key comes from `colo tenants adopt` (or `colo keys create`) on the host.",
          responses={200: ResponseSpec(TenantRead, description="Adopted before: the same tenant",
                                       generate_examples=False, examples=[Example(summary="adopted before", value={
                                           "id": "0b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e", "legal_name": "Acme Bank",
                                           "registration_number": "HRB 12345", "country": "DE", "status": "active",
                                           "status_reason": "", "netbox_tenant_id": 42,
                                           "created_at": "2026-11-22T03:30:00Z",
                                           "updated_at": "2026-11-22T03:30:00Z"})]),
                     **problems(400, 401, 403, 409, 422, 503)})
    async def adopt(
        self, request: ColoRequest, data: JSONBody[TenantAdopt],
    ) -> Response[TenantRead]:
        adoption = await adopt_tenant(
            principal=request.principal, netbox_tenant_id=data.netbox_tenant_id,
            registration_number=data.registration_number,
            country=data.country, legal_name=data.legal_name, netbox=NetBoxTenantDirectory(request.services.netbox))
        return Response(adoption.tenant, status_code=201 if adoption.created else 200)

    @post("/{tenant_id:uuid}/netbox-link", operation_id="link_tenant_netbox", status_code=200,
          summary="Link a tenant to an existing NetBox tenant (idempotent)",
          description="The tenant then holds what that NetBox tenant holds (racks, devices, reservations). "
                      "The same link again changes nothing; a NetBox tenant linked to another Colo tenant, "
                      "or a tenant linked elsewhere without `replace`, answers 409.",
          responses=problems(400, 401, 403, 404, 409, 422, 503))
    async def link_netbox(
        self, request: ColoRequest, tenant_id: FromPath[UUID], data: LinkBody,
    ) -> TenantRead:
        link = await link_tenant(principal=request.principal, tenant_id=tenant_id,
                                 netbox_tenant_id=data.netbox_tenant_id,
                                 replace=data.replace, netbox=NetBoxTenantDirectory(request.services.netbox))
        return link.tenant

    @post("/{tenant_id:uuid}/suspend", operation_id="suspend_tenant", status_code=200,
          summary="Suspend: the tenant's keys stop working at once; open orders freeze",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def suspend(
        self, request: ColoRequest, tenant_id: FromPath[UUID], data: StatusReason,
    ) -> TenantRead:
        return await lifecycle.suspend_tenant(principal=request.principal, tenant_id=tenant_id, reason=data.reason,
                                              hooks=request.services.tenant_hooks)

    @post("/{tenant_id:uuid}/reinstate", operation_id="reinstate_tenant", status_code=200,
          summary="Reinstate a suspended tenant", responses=problems(400, 401, 403, 404, 409, 422))
    async def reinstate(
        self, request: ColoRequest, tenant_id: FromPath[UUID], data: StatusReason,
    ) -> TenantRead:
        return await lifecycle.reinstate_tenant(principal=request.principal, tenant_id=tenant_id, reason=data.reason,
                                                hooks=request.services.tenant_hooks)

    @post("/{tenant_id:uuid}/offboard", operation_id="offboard_tenant", status_code=200,
          summary="Offboard: revoke keys, notify other domains, crypto-erase personal data",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def offboard(
        self, request: ColoRequest, tenant_id: FromPath[UUID], data: StatusReason,
    ) -> TenantRead:
        return await lifecycle.offboard_tenant(principal=request.principal, tenant_id=tenant_id, reason=data.reason,
                                               hooks=request.services.tenant_hooks)
