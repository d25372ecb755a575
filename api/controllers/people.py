"""People of a tenant: tenant admins manage them; ops and security read them (masked)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, JSONBody, QueryParameter

from api.auth import CurrentPrincipal
from api.controllers.problem_docs import problems
from api.pagination import Cursor, Offset, PageSize, paged, start_of
from api.services import Services
from tenants import people
from tenants.schemas import PersonCreate, PersonRead, PersonUpdate

TenantFilter = Annotated[UUID | None, QueryParameter(name="tenant_id", required=False,
                                                     description="staff only; tenants always see their own")]


class PeopleController(Controller):
    path = "/v1/people"
    tags = ["people"]

    @get("/", operation_id="list_people", summary="List people (a tenant sees only its own)",
         responses=problems(400, 401, 403))
    async def list_people(
        self, request: Request[Any, Any, Any], principal: CurrentPrincipal, tenant_id: TenantFilter = None,
        limit: PageSize = 100, offset: Offset = 0, cursor: Cursor = None,
    ) -> Response[list[PersonRead]]:
        start = start_of(cursor, offset)
        rows = await people.list_people(principal=principal, tenant_id=tenant_id, limit=limit, offset=start)
        return paged(request, [PersonRead.of(r) for r in rows], items=rows, limit=limit, start=start)

    @post("/", operation_id="create_person", summary="Add a person to the caller's tenant",
          responses=problems(400, 401, 403, 409, 422))
    async def create_person(
        self, principal: CurrentPrincipal, services: Services, data: JSONBody[PersonCreate],
    ) -> PersonRead:
        row = await people.create_person(principal=principal, master_key=services.keys.master_key, data=data)
        return PersonRead.of(row)

    @get("/{person_id:uuid}", operation_id="get_person", summary="One person (phone and ID number masked)",
         responses=problems(401, 403, 404))
    async def get_person(self, principal: CurrentPrincipal, person_id: FromPath[UUID]) -> PersonRead:
        return PersonRead.of(await people.get_person(principal=principal, person_id=person_id))

    @patch("/{person_id:uuid}", operation_id="update_person", summary="Change a person (partial update)",
           responses=problems(400, 401, 403, 404, 409, 422))
    async def update_person(
        self, principal: CurrentPrincipal, services: Services, person_id: FromPath[UUID],
        data: Annotated[PersonUpdate, Body(examples=[Example(summary="new phone", value={
            "phone": "+994125551234"})])],
    ) -> PersonRead:
        row = await people.update_person(principal=principal, master_key=services.keys.master_key,
                                         person_id=person_id, data=data)
        return PersonRead.of(row)

    @delete("/{person_id:uuid}", operation_id="delete_person", summary="Remove a person; their keys are revoked",
            responses=problems(401, 403, 404))
    async def delete_person(self, principal: CurrentPrincipal, person_id: FromPath[UUID]) -> None:
        await people.delete_person(principal=principal, person_id=person_id)
