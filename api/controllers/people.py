"""People of a tenant: tenant admins manage them; ops and security read them (masked)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, JSONBody, Parameter

from api.auth import CurrentPrincipal
from api.controllers.problem_docs import problems
from api.services import Services
from tenants import people
from tenants.schemas import PersonCreate, PersonRead, PersonUpdate

Limit = Annotated[int, Parameter(ge=1, le=500)]
Offset = Annotated[int, Parameter(ge=0, le=1_000_000)]
TenantFilter = Annotated[UUID | None, Parameter(query="tenant_id", required=False,
                                                description="staff only; tenants always see their own")]


class PeopleController(Controller):
    path = "/v1/people"
    tags = ["people"]

    @get("/", operation_id="list_people", summary="List people (a tenant sees only its own)",
         responses=problems(400, 401, 403))
    async def list_people(
        self, principal: CurrentPrincipal, tenant_id: TenantFilter = None, limit: Limit = 100, offset: Offset = 0,
    ) -> list[PersonRead]:
        rows = await people.list_people(principal=principal, tenant_id=tenant_id, limit=limit, offset=offset)
        return [PersonRead.of(r) for r in rows]

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
        data: JSONBody[PersonUpdate],
    ) -> PersonRead:
        row = await people.update_person(principal=principal, master_key=services.keys.master_key,
                                         person_id=person_id, data=data)
        return PersonRead.of(row)

    @delete("/{person_id:uuid}", operation_id="delete_person", summary="Remove a person; their keys are revoked",
            responses=problems(401, 403, 404))
    async def delete_person(self, principal: CurrentPrincipal, person_id: FromPath[UUID]) -> None:
        await people.delete_person(principal=principal, person_id=person_id)
