"""Cross-connect ports: ops provision a tenant's demarcation panel; tenants list the ports they
may use (their own for the A side, other parties' free meet-me-room ports for the Z side)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import JSONBody, Parameter

from api.controllers.problem_docs import example, problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, PageSize, keyset_request, respond_plant
from api.request import ColoRequest
from dcim.demarc import DemarcCreate, DemarcRead, provision_demarc
from dcim.readmodel.ports import OWN_PORT_KEYS, Z_SIDE_PORT_KEYS, OwnPort, ZSidePort, own_ports, z_side_ports
from dcim.readmodel.schemas import Media, PlantPage

AGE = {"synced_at": "2026-11-22T03:30:00Z", "data_age_seconds": 12.4, "webhooks": "arriving"}
PANEL = {"panel_id": 812, "name": "DEMARC-ACME-MMR-1", "tenant_id": "0b9c3c5e-4d1e-4a43-9f5a-2f1c8f0d7a11",
         "rack_id": 47, "position": 42, "media": "smf", "front_port_ids": [9001, 9002], "created": True}
MediaFilter = Annotated[Media | None, Parameter(description="smf, mmf or copper")]



class DemarcController(Controller):
    path = "/v1/demarcation-panels"
    tags = ["ports"]

    @post("/", operation_id="provision_demarc_panel", status_code=201,
          summary="Provision a tenant's demarcation panel (a patch panel with N ports) in a rack (ops)",
          description="Creates in NetBox a patch panel with the tenant set and Colo's tag, N front ports "
          "each on its own rear port, in the named rack (the meet-me room's or the tenant's cage) at "
          "`position` or the highest free unit. Idempotent by `name` at the rack's site: asking again "
          "returns the panel (200, `created: false`).",
          responses={**example(DemarcRead, PANEL, status=201), **example(DemarcRead, {**PANEL, "created": False}),
                     **problems(400, 401, 403, 409, 422, 503)})
    async def provision(
        self, request: ColoRequest, data: JSONBody[DemarcCreate],
    ) -> Response[DemarcRead]:
        panel = await provision_demarc(gateway=request.services.netbox, data=data)
        return Response(panel, status_code=201 if panel.created else 200)


class PortController(Controller):
    path = "/v1/ports"
    tags = ["ports"]

    @get("/", operation_id="list_own_ports",
         summary="Your own patch-panel ports: the A sides of your cross-connects (staff: every tenant's)",
         responses={**example(PlantPage[OwnPort], {"items": [
             {"netbox_id": 9001, "name": "1", "panel_id": 812, "panel": "DEMARC-ACME-MMR-1", "media": "smf",
              "location": "Meet-Me Room", "rack_id": 47, "free": True}], "next_cursor": None, "count": 1,
             "freshness": AGE}),
             **problems(400, 401, 403)}, **PAGED)
    async def own(
        self, request: ColoRequest,
        media: MediaFilter = None, free: Annotated[bool, Parameter(description="only ports not cabled yet")] = False,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[PlantPage[OwnPort]]:
        result = await own_ports(principal=request.principal, media=media, free_only=free,
                                 page=keyset_request(cursor, limit=limit, keyset=OWN_PORT_KEYS),
                                 cache=request.services.read_cache)
        return respond_plant(request, result)

    @get("/z-side", operation_id="list_z_side_ports",
         summary="Free meet-me-room ports of carriers and other tenants a cross-connect may end on",
         responses={**example(PlantPage[ZSidePort], {"items": [
             {"netbox_id": 501, "name": "2", "panel_id": 31, "panel": "MMR-NORDLINK-TELECOM-SMF", "media": "smf",
              "owner": {"netbox_id": 1, "name": "NordLink Telecom"}}], "next_cursor": None, "count": 1,
             "freshness": AGE}),
             **problems(400, 401, 403)}, **PAGED)
    async def z_side(
        self, request: ColoRequest,
        media: MediaFilter = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[PlantPage[ZSidePort]]:
        result = await z_side_ports(principal=request.principal, media=media,
                                    page=keyset_request(cursor, limit=limit, keyset=Z_SIDE_PORT_KEYS),
                                    cache=request.services.read_cache)
        return respond_plant(request, result)
