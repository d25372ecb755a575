"""LOA-CFA for cross-connects: the Z-side owner grants or refuses; Colo signs; anyone verifies."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, MediaType, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, Parameter

from api.controllers.problem_docs import example, problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond, respond_cursor
from api.request import ColoRequest
from colo.errors import Conflict
from dcim.orders import loas
from dcim.orders.loa import public_keys, render_text
from dcim.orders.schemas import LoaGrant, LoaPublicKey, LoaRead, LoaRefusal, LoaTerms

LOA = {
    "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "order_id": "5f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
    "status": "loa_granted", "a_tenant_id": "0b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e", "z_tenant_id": None,
    "issued_at": "2026-11-22T03:40:00Z", "expires_at": "2027-02-20T03:40:00Z", "decided_by": "ops on call",
    "reason": "",
    "signed": {"format": "colo-loa-cfa/1", "key_id": "k1", "signature": "3q2+7w…(base64 Ed25519)",
               "document": {"loa_id": "9a8b7c6d-…", "order_id": "5f1e2d3c-…", "facility": "Colo Regional DC 1",
                            "issued_at": "2026-11-22T03:40:00Z", "expires_at": "2027-02-20T03:40:00Z",
                            "a_side": {"party": "Acme Bank", "port": {"id": 801, "device": "ACME-PP1", "name": "1"}},
                            "z_side": {"party": "NordLink Telecom",
                                       "port": {"id": 902, "device": "MMR-NORDLINK-SMF", "name": "7"}},
                            "media": "smf", "speed": "10G", "granted_by": "ops on call"}},
}

TERMS = {
    "loa_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "order_id": "5f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
    "order_state": "waiting_for_loa", "a_party": "Acme Bank", "z_party": "NordLink Telecom",
    "a_port": {"id": 801, "device": "ACME-PP1", "name": "1"},
    "z_port": {"id": 902, "device": "MMR-NORDLINK-SMF", "name": "7"},
    "media": "smf", "speed": "10G", "requested_by": "acme noc", "requested_at": "2026-11-22T03:30:00Z",
}


class LoaController(Controller):
    path = "/v1"
    tags = ["loas"]

    @get("/loas", operation_id="list_loas", summary="LOAs where the caller's tenant is A or Z side (all for staff)",
         responses={200: ResponseSpec(Page[LoaRead], description="Newest first", generate_examples=False,
                                      examples=[Example(value={"items": [LOA], "next_cursor": None})]),
                    **problems(400, 401, 403, 422)}, **PAGED)
    async def list_loas(
        self, request: ColoRequest,
        status: Annotated[str | None, Parameter(pattern="^loa_(pending|granted|refused|expired)$")] = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[LoaRead]]:
        page = keyset_request(cursor, limit=limit, keyset=loas.LOA_KEYS)
        return respond(request, await loas.list_for(principal=request.principal, status=status, page=page))

    @get("/loas/{loa_id:uuid}", operation_id="get_loa", summary="One LOA, with the signed document once granted",
         responses={**example(LoaRead, LOA, description="The LOA"), **problems(400, 401, 403, 404)})
    async def get_loa(self, request: ColoRequest, loa_id: FromPath[UUID]) -> LoaRead:
        return await loas.get_loa(principal=request.principal, loa_id=loa_id)

    @get("/loas/{loa_id:uuid}/terms", operation_id="get_loa_terms",
         summary="What an LOA asks the Z side to authorise: parties, ports, media, speed, who requested it",
         description="Readable by both parties (and staff) before the decision too; the signed document carries "
                     "the same facts only once granted.",
         responses={**example(LoaTerms, TERMS, description="The cross-connect the LOA authorises"),
                    **problems(400, 401, 403, 404)})
    async def get_loa_terms(self, request: ColoRequest, loa_id: FromPath[UUID]) -> LoaTerms:
        return await loas.terms(principal=request.principal, loa_id=loa_id)

    @get("/orders/{order_id:uuid}/loa", operation_id="get_order_loa", summary="The LOA of a cross-connect order",
         responses={**example(LoaRead, LOA, description="The LOA"), **problems(400, 401, 403, 404)})
    async def get_order_loa(self, request: ColoRequest, order_id: FromPath[UUID]) -> LoaRead:
        return await loas.for_order(principal=request.principal, order_id=order_id)

    @get("/loas/{loa_id:uuid}/text", operation_id="get_loa_text", media_type=MediaType.TEXT,
         summary="Printable LOA-CFA (the signed JSON stays the authority)",
         responses={200: ResponseSpec(str, description="Plain text", media_type="text/plain",
                                      generate_examples=False,
                                      examples=[Example(value="LETTER OF AUTHORIZATION AND CONNECTING FACILITY "
                                                              "ASSIGNMENT (LOA-CFA)\n…")]),
                    **problems(400, 401, 403, 404, 409)})
    async def get_loa_text(self, request: ColoRequest, loa_id: FromPath[UUID]) -> str:
        read = await loas.get_loa(principal=request.principal, loa_id=loa_id)
        if read.signed is None:
            raise Conflict(f"the LOA is {read.status}: there is no signed document to print", loa_status=read.status)
        return render_text(read.signed)

    @post("/loas/{loa_id:uuid}/grant", operation_id="grant_loa", status_code=200,
          summary="The Z-side owner grants the LOA-CFA; Colo signs it with the facility key",
          responses={**example(LoaRead, LOA, description="Granted and signed"), **problems(400, 401, 403, 404, 409)})
    async def grant(
        self, request: ColoRequest, loa_id: FromPath[UUID],
        data: Annotated[LoaGrant | None, Body(examples=[Example(summary="valid 90 days",
                                                                value={"valid_days": 90})])] = None,
    ) -> LoaRead:
        return await loas.grant(principal=request.principal, loa_id=loa_id, valid_days=(data or LoaGrant()).valid_days,
                                keys=request.services.keys, facility=request.services.settings.facility_name)

    @post("/loas/{loa_id:uuid}/refuse", operation_id="refuse_loa", status_code=200,
          summary="The Z-side owner refuses the LOA-CFA (reason required)",
          responses={**example(LoaRead, LOA, description="Refused"), **problems(400, 401, 403, 404, 409)})
    async def refuse(
        self, request: ColoRequest, loa_id: FromPath[UUID],
        data: Annotated[LoaRefusal, Body(examples=[Example(value={"reason": "port reserved for another carrier"})])],
    ) -> LoaRead:
        return await loas.refuse(principal=request.principal, loa_id=loa_id, reason=data.reason)

    @get("/loas/public-keys", operation_id="loa_public_keys",
         summary="The facility's Ed25519 public keys (id, raw key in base64): verify LOAs offline with them",
         responses={200: ResponseSpec(Page[LoaPublicKey], description="Every key the facility honours (one page)",
                                      generate_examples=False,
                                      examples=[Example(value={"items": [{"key_id": "k1",
                                                                          "public_key": "MCowBQYDK2VwAyEA…"}],
                                                               "next_cursor": None})])}, **PAGED)
    async def public_keys(self, request: ColoRequest, ) -> Response[Page[LoaPublicKey]]:
        keys = [LoaPublicKey(key_id=kid, public_key=raw) for kid, raw in public_keys(request.services.keys).items()]
        return respond_cursor(request, keys, None)  # a handful of keys: one page
