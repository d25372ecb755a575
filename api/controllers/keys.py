"""API keys and the caller's identity. Tenant admins manage their tenant's keys; ops staff keys."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from api.services import AppServices
from tenants import keys
from tenants.keys import KeyRing
from tenants.schemas_keys import KeyCreate, KeyIssued, KeyRead, KeyRevoke, KeyRotate, WhoAmI


def _ring(services: AppServices) -> KeyRing:
    return KeyRing.of(services.keys.api_key_peppers)


class WhoAmIController(Controller):
    path = "/v1/auth"
    tags = ["keys"]

    @get("/whoami", operation_id="whoami", summary="The identity behind the presented API key",
         responses=problems(401, 403))
    async def whoami(self, request: ColoRequest) -> WhoAmI:
        return WhoAmI.of(request.principal)


class KeyController(Controller):
    path = "/v1/keys"
    tags = ["keys"]

    @get("/", operation_id="list_keys", summary="List API keys, newest first (own tenant's, or all for ops)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_keys(
        self, request: ColoRequest, limit: PageSize = DEFAULT_LIMIT,
        cursor: Cursor = None, include_revoked: bool = False,
    ) -> Response[Page[KeyRead]]:
        page = keyset_request(cursor, limit=limit, keyset=keys.KEY_KEYS)
        return respond(request, await keys.list_keys(principal=request.principal, page=page,
                                                     include_revoked=include_revoked))

    @post("/", operation_id="create_key", summary="Create an API key; the key is shown once",
          responses=problems(400, 401, 403, 422))
    async def create_key(self, request: ColoRequest, data: JSONBody[KeyCreate]) -> KeyIssued:
        return await keys.create_key(
            principal=request.principal, ring=_ring(request.services), name=data.name, role=data.role,
            person_id=data.person_id, expires_at=data.expires_at, allowed_networks=data.allowed_networks,
            signing_identity=data.signing_identity or "",
        )

    @get("/{key_id:uuid}", operation_id="get_key", summary="One API key (never its secret)",
         responses=problems(401, 403, 404))
    async def get_key(self, request: ColoRequest, key_id: FromPath[UUID]) -> KeyRead:
        return await keys.get_key(principal=request.principal, key_id=key_id)

    @post("/{key_id:uuid}/revoke", operation_id="revoke_key", status_code=200,
          summary="Revoke an API key: it fails from the next request on",
          responses=problems(400, 401, 403, 404))
    async def revoke_key(
        self, request: ColoRequest, key_id: FromPath[UUID], data: JSONBody[KeyRevoke | None] = None,
    ) -> KeyRead:
        reason = data.reason if data is not None else ""
        return await keys.revoke_key(principal=request.principal, key_id=key_id, reason=reason)

    @post("/{key_id:uuid}/rotate", operation_id="rotate_key", status_code=201,
          summary="Issue a successor key; the old one keeps working for the overlap window",
          responses=problems(400, 401, 403, 404, 422))
    async def rotate_key(
        self, request: ColoRequest, key_id: FromPath[UUID],
        data: JSONBody[KeyRotate | None] = None,
    ) -> KeyIssued:
        overlap = timedelta(seconds=(data or KeyRotate()).overlap_seconds)
        return await keys.rotate_key(principal=request.principal, ring=_ring(request.services), key_id=key_id,
                                     overlap=overlap)
