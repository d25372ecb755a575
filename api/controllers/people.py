"""People of a tenant: tenant admins manage them; ops and security read them (masked)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, JSONBody, QueryParameter

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from tenants import people
from tenants.schemas import PersonCreate, PersonRead, PersonUpdate

TenantFilter = Annotated[UUID | None, QueryParameter(name="tenant_id", required=False,
                                                     description="staff only; tenants always see their own")]


class PeopleController(Controller):
    path = "/v1/people"
    tags = ["people"]

    @get("/", operation_id="list_people", summary="List people, oldest first (a tenant sees only its own)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_people(
        self, request: ColoRequest, tenant_id: TenantFilter = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[PersonRead]]:
        page = keyset_request(cursor, limit=limit, keyset=people.PERSON_KEYS)
        return respond(request, await people.list_people(principal=request.principal, tenant_id=tenant_id, page=page))

    @post("/", operation_id="create_person", summary="Add a person to the caller's tenant",
          responses=problems(400, 401, 403, 409, 422))
    async def create_person(
        self, request: ColoRequest, data: JSONBody[PersonCreate],
    ) -> PersonRead:
        return await people.create_person(principal=request.principal, master_key=request.services.keys.master_key,
                                          data=data)

    @get("/{person_id:uuid}", operation_id="get_person", summary="One person (phone and ID number masked)",
         responses=problems(401, 403, 404))
    async def get_person(self, request: ColoRequest, person_id: FromPath[UUID]) -> PersonRead:
        return await people.get_person(principal=request.principal, person_id=person_id)

    @patch("/{person_id:uuid}", operation_id="update_person", summary="Change a person (partial update)",
           responses=problems(400, 401, 403, 404, 409, 422))
    async def update_person(
        self, request: ColoRequest, person_id: FromPath[UUID],
        data: Annotated[PersonUpdate, Body(examples=[Example(summary="new phone", value={
            "phone": "+994125551234"})])],
    ) -> PersonRead:
        return await people.update_person(principal=request.principal, master_key=request.services.keys.master_key,
                                          person_id=person_id, data=data)

    @delete("/{person_id:uuid}", operation_id="delete_person", summary="Remove a person; their keys are revoked",
            responses=problems(401, 403, 404))
    async def delete_person(self, request: ColoRequest, person_id: FromPath[UUID]) -> None:
        await people.delete_person(principal=request.principal, person_id=person_id)
