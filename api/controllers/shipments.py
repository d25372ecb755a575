"""Shipments and the loading dock.

Tenants announce deliveries and request that equipment leave, read and cancel them (their own
only: another tenant's shipment is 404); security or ops approve or refuse outbound requests;
the dock (the gate role, security, ops) receives deliveries by tracking number, stores them,
delivers them to the tenant's rack or cage and hands them over. A rack named as the destination
is resolved here against the plant read model (siteaccess/ may not import dcim/), like a visit's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, JSONBody

from api.controllers.problem_docs import problems
from api.controllers.visits import held_racks, resolve_rack_area
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from siteaccess import dock, shipments
from siteaccess.schemas import Decision
from siteaccess.shipment_schemas import Handover, InboundCreate, OutboundCreate, Receipt, ShipmentRead, Storage
from siteaccess.status import ShipmentDirection, ShipmentStatus

DecisionBody = Annotated[Decision, Body(examples=[Example(summary="why", value={
    "reason": "asset tag matches the tenant's inventory; collector on the access list"})])]


class ShipmentController(Controller):
    path = "/v1/shipments"
    tags = ["shipments"]

    @post("/inbound", operation_id="announce_shipment", status_code=201,
          summary="Announce a delivery: carrier, tracking numbers, boxes, expected date; to your rack or cage, "
                  "or held at the dock", responses=problems(400, 401, 403, 409, 422))
    async def announce(
        self, request: ColoRequest, data: JSONBody[InboundCreate],
    ) -> ShipmentRead:
        if data.deliver_to is not None and data.deliver_to.startswith("rack:"):
            held = await held_racks(request.principal, cache=request.services.read_cache)
            data = msgspec.structs.replace(data, deliver_to=resolve_rack_area(
                data.deliver_to.removeprefix("rack:"), held, field="deliver_to"))
        return await shipments.announce_inbound(principal=request.principal, data=data,
                                                journal=request.services.site_access.journal,
                                                master_key=request.services.keys.master_key,
                                                holding=request.services.site_access.holding)

    @post("/outbound", operation_id="request_outbound_shipment", status_code=201,
          summary="Ask for equipment to leave the site: what, who collects it, when (security or ops approve)",
          responses=problems(400, 401, 403, 409, 422))
    async def request_outbound(
        self, request: ColoRequest, data: JSONBody[OutboundCreate],
    ) -> ShipmentRead:
        return await shipments.request_outbound(principal=request.principal, data=data,
                                                journal=request.services.site_access.journal,
                                                master_key=request.services.keys.master_key,
                                                holding=request.services.site_access.holding)

    @get("/", operation_id="list_shipments",
         summary="Shipments, newest first (your tenant's, or every tenant's for the dock, security and ops)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_shipments(
        self, request: ColoRequest,
        direction: FromQuery[ShipmentDirection | None] = None, status: FromQuery[ShipmentStatus | None] = None,
        expected_on: FromQuery[date | None] = None, limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[ShipmentRead]]:
        page = keyset_request(cursor, limit=limit, keyset=shipments.SHIPMENT_KEYS)
        return respond(request, await shipments.list_shipments(
            principal=request.principal, master_key=request.services.keys.master_key, page=page, direction=direction,
            status=status, expected_on=expected_on, holding=request.services.site_access.holding))

    @get("/{shipment_id:uuid}", operation_id="get_shipment", summary="One shipment with its history",
         responses=problems(401, 403, 404))
    async def get_one(
        self, request: ColoRequest, shipment_id: FromPath[UUID],
    ) -> ShipmentRead:
        return await shipments.get_shipment(principal=request.principal, shipment_id=shipment_id,
                                            master_key=request.services.keys.master_key,
                                            holding=request.services.site_access.holding)

    @post("/{shipment_id:uuid}/cancel", operation_id="cancel_shipment", status_code=200,
          summary="Withdraw a delivery not yet at the dock, or an outbound request not yet handed over",
          responses=problems(401, 403, 404, 409))
    async def cancel(
        self, request: ColoRequest, shipment_id: FromPath[UUID],
    ) -> ShipmentRead:
        return await shipments.cancel_shipment(principal=request.principal, shipment_id=shipment_id,
                                               journal=request.services.site_access.journal,
                                               master_key=request.services.keys.master_key,
                                               holding=request.services.site_access.holding)

    @post("/{shipment_id:uuid}/approve", operation_id="approve_shipment", status_code=200,
          summary="Let requested outbound equipment leave", responses=problems(400, 401, 403, 404, 409, 422))
    async def approve(
        self, request: ColoRequest, shipment_id: FromPath[UUID], data: DecisionBody,
    ) -> ShipmentRead:
        return await dock.decide(principal=request.principal, shipment_id=shipment_id, approve=True, reason=data.reason,
                                 journal=request.services.site_access.journal,
                                 master_key=request.services.keys.master_key,
                                 holding=request.services.site_access.holding)

    @post("/{shipment_id:uuid}/refuse", operation_id="refuse_shipment", status_code=200,
          summary="Refuse an outbound request, with a reason", responses=problems(400, 401, 403, 404, 409, 422))
    async def refuse(
        self, request: ColoRequest, shipment_id: FromPath[UUID], data: DecisionBody,
    ) -> ShipmentRead:
        return await dock.decide(principal=request.principal, shipment_id=shipment_id, approve=False,
                                 reason=data.reason,
                                 journal=request.services.site_access.journal,
                                 master_key=request.services.keys.master_key,
                                 holding=request.services.site_access.holding)


class DockController(Controller):
    path = "/v1/dock"
    tags = ["loading dock"]

    @post("/receive", operation_id="receive_shipment", status_code=200,
          summary="Receive a delivery by tracking number: matched to an announcement, or (with tenant_id) "
                  "registered as unannounced for that tenant", responses=problems(400, 401, 403, 404, 409, 422))
    async def receive(self, request: ColoRequest, data: JSONBody[Receipt]) -> ShipmentRead:
        return await dock.receive(principal=request.principal, data=data, journal=request.services.site_access.journal,
                                  master_key=request.services.keys.master_key,
                                  holding=request.services.site_access.holding,
                                  tell=request.services.site_access.tell)

    @post("/shipments/{shipment_id:uuid}/store", operation_id="store_shipment", status_code=200,
          summary="Put a received delivery on a dock shelf", responses=problems(400, 401, 403, 404, 409, 422))
    async def store(
        self, request: ColoRequest, shipment_id: FromPath[UUID], data: JSONBody[Storage],
    ) -> ShipmentRead:
        return await dock.store(principal=request.principal, shipment_id=shipment_id, data=data,
                                journal=request.services.site_access.journal,
                                master_key=request.services.keys.master_key,
                                holding=request.services.site_access.holding)

    @post("/shipments/{shipment_id:uuid}/deliver", operation_id="deliver_shipment", status_code=200,
          summary="Take a delivery to the rack or cage its announcement names", responses=problems(401, 403, 404, 409))
    async def deliver(
        self, request: ColoRequest, shipment_id: FromPath[UUID],
    ) -> ShipmentRead:
        return await dock.deliver(principal=request.principal, shipment_id=shipment_id,
                                  journal=request.services.site_access.journal,
                                  master_key=request.services.keys.master_key,
                                  holding=request.services.site_access.holding)

    @post("/shipments/{shipment_id:uuid}/hand-over", operation_id="hand_over_shipment", status_code=200,
          summary="Hand a shipment over at the dock, naming who took it: a delivery collected, or approved "
                  "outbound equipment leaving (refused, 409 and recorded, without approval)",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def hand_over(
        self, request: ColoRequest, shipment_id: FromPath[UUID], data: JSONBody[Handover],
    ) -> ShipmentRead:
        return await dock.hand_over(principal=request.principal, shipment_id=shipment_id, data=data,
                                    journal=request.services.site_access.journal,
                                    master_key=request.services.keys.master_key,
                                    holding=request.services.site_access.holding)
