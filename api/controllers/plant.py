"""Racks, power and capacity: reads served from the local read model of NetBox.

Every answer carries `freshness` (when the data was last confirmed against NetBox, and its age).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter

from api.controllers.problem_docs import example, problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, PageSize, keyset_request, respond_plant
from api.request import ColoRequest
from dcim import capacity
from dcim.readmodel import meetme, views
from dcim.readmodel.schemas import (
    CapacityAnswer,
    CapacityQuery,
    Media,
    PlantPage,
    RackDetail,
    RackSummary,
    UtilizationReport,
)
from dcim.sales import rules_of

AGE = {"synced_at": "2026-11-22T03:30:00Z", "data_age_seconds": 12.4}
BUDGET = {"nominal_va": 3680, "sellable_va": 2944, "committed_va": 2400, "free_va": 544,
          "redundant": True, "utilization": 0.8152}
RACK = {"netbox_id": 5, "name": "DH1-A03", "site_id": 1, "site": "Colo Regional DC 1", "hall": "Data Hall 1",
        "row": "DH1 Row A",
        "status": "active", "u_height": 42, "free_units": 22, "max_free_run": 22, "occupied_units": 7,
        "reserved_units": 20, "power": BUDGET, "freshness": AGE, "my_units": None}



class RackController(Controller):
    path = "/v1/racks"
    tags = ["racks"]

    @get("/", operation_id="list_racks",
         summary="Racks: all for staff (filterable), only those it holds for a tenant",
         responses={**example(PlantPage[RackSummary], description="A page of racks, by name", value={
             "items": [RACK], "next_cursor": None, "count": 1, "freshness": AGE}),
                    **problems(400, 401, 403, 422)}, **PAGED)
    async def list_racks(
        self, request: ColoRequest,
        site_id: Annotated[int | None, Parameter(ge=1, le=2**31 - 1, description="NetBox site id")] = None,
        hall: Annotated[str | None, Parameter(max_length=100, description="hall (location) name",
                                              examples=[Example(value="Data Hall 1")])] = None,
        row: Annotated[str | None, Parameter(max_length=100, description="row (rack group) name")] = None,
        status: Annotated[str | None, Parameter(max_length=30, description="NetBox rack status")] = None,
        min_free_units: Annotated[int | None, Parameter(ge=0, le=100)] = None,
        tenant_id: Annotated[UUID | None, Parameter(description="staff only: racks this Colo tenant holds (its "
                                                                "own racks, racks with its devices or reservations)")]
        = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[PlantPage[RackSummary]]:
        result = await views.list_racks(principal=request.principal, site_id=site_id, hall=hall, row=row,
                                        status=status, min_free_units=min_free_units, tenant_id=tenant_id,
                                        page=keyset_request(cursor, limit=limit, keyset=views.RACK_KEYS),
                                        cache=request.services.read_cache)
        return respond_plant(request, result)

    @get("/{rack_id:int}", operation_id="get_rack",
         summary="One rack: elevation per unit (who holds it: staff only), feeds and power budget",
         responses={**example(RackDetail, description="The rack", value={
             "rack": RACK, "freshness": AGE,
             "units": [{"unit": 42, "state": "free"},
                       {"unit": 20, "state": "reserved_occupied", "tenant": {"netbox_id": 6,
                        "name": "Acme Bank"}, "device": "DH1-A03-ACME-04"}],
             "feeds": [{"netbox_id": 6, "name": "DH1-A03-A", "side": "primary", "status": "active",
                        "phase": "single-phase", "voltage": 230, "amperage": 16,
                        "max_utilization": 80, "nominal_va": 3680, "available_va": 2944,
                        "allocated_w": 1200}]}),
             **problems(401, 403, 404)})
    async def get_rack(
        self, request: ColoRequest,
        rack_id: Annotated[int, Parameter(ge=1, le=2**31 - 1, description="NetBox rack id")],
    ) -> RackDetail:
        return await views.rack_detail(principal=request.principal, rack_id=rack_id, cache=request.services.read_cache)


class PowerController(Controller):
    path = "/v1/power"
    tags = ["power"]

    @get("/utilization", operation_id="power_utilization",
         summary="Utilization per rack and tenant: committed vs available vs derated capacity",
         responses={**example(UtilizationReport, description="The report", value={
             "racks": [{"netbox_id": 5, "name": "DH1-A03", "site": "Colo Regional DC 1", "hall": "Data Hall 1",
                        "nominal_va": 3680,
                        "derated_va": 2944, "committed_va": 2400, "available_va": 544,
                        "tenants": [{"tenant": {"netbox_id": 6, "name": "Acme Bank"},
                                     "reserved_units": 20, "committed_va": 2400}]}],
             "totals": BUDGET, "freshness": AGE}),
             **problems(400, 401, 403)})
    async def utilization(
        self, request: ColoRequest,
        hall: Annotated[str | None, Parameter(max_length=100, description="hall (location) name")] = None,
        site_id: Annotated[int | None, Parameter(ge=1, le=2**31 - 1, description="NetBox site id")] = None,
    ) -> UtilizationReport:
        return await views.utilization(principal=request.principal, hall=hall, site_id=site_id,
                                       cache=request.services.read_cache)


class CapacityController(Controller):
    path = "/v1/capacity"
    tags = ["capacity"]

    @post("/search", operation_id="search_capacity", status_code=200,
          summary="Where do N contiguous units with X kW (A/B) and K meet-me-room ports fit?",
          responses={**example(CapacityAnswer, description="Ranked placements, tightest fit first", value={
              "placements": [{"rack_id": 9, "rack": "DH1-A07", "site": "Colo Regional DC 1", "hall": "Data Hall 1",
                              "row": "DH1 Row A", "first_unit": 1, "last_unit": 4, "free_run": 42,
                              "power_free_va": 2944, "mmr_free_ports": 22, "score": 1.0}],
              "considered_racks": 38, "search_ms": 3.1, "freshness": AGE}),
              **problems(400, 401, 403, 422)})
    async def search(
        self, request: ColoRequest,
        data: Annotated[CapacityQuery, Body(examples=[Example(
            summary="4U, 2 kW A/B, 2 single-mode ports",
            value={"units": 4, "kw": 2.0, "redundant": True, "mmr_ports": 2, "media": "smf"})])],
    ) -> CapacityAnswer:
        # Only racks this caller may be sold: a tenant is offered its own racks, nobody another's.
        return await capacity.search(query=data, rules=rules_of(request.services.settings),
                                     buyer=await views.caller_netbox_tenant(request.principal,
                                                                            cache=request.services.read_cache),
                                     cache=request.services.read_cache)


PANEL = {"netbox_id": 31, "name": "MMR-NORDLINK-TELECOM-SMF", "media": "smf",
         "owner": {"netbox_id": 1, "name": "NordLink Telecom"}, "serves_hall": None,
         "ports_total": 24, "ports_free": 23, "freshness": AGE}


class MeetMeRoomController(Controller):
    path = "/v1/meet-me-room"
    tags = ["meet-me room"]

    @get("/panels", operation_id="list_mmr_panels",
         summary="Meet-me-room patch panels: carrier or hall served, media, free and total ports",
         responses={**example(PlantPage[meetme.PanelView], description="The panels, by name", value={
             "items": [PANEL], "next_cursor": None, "count": 1, "freshness": AGE}),
                    **problems(400, 401, 403)}, **PAGED)
    async def list_panels(
        self, request: ColoRequest,
        media: Annotated[Media | None, Parameter(description="smf, mmf or copper")] = None,
        hall: Annotated[str | None, Parameter(max_length=100, description="hall a cage-side panel serves")] = None,
        limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[PlantPage[meetme.PanelView]]:
        result = await meetme.list_panels(principal=request.principal, media=media, hall=hall,
                                          page=keyset_request(cursor, limit=limit, keyset=meetme.PANEL_KEYS))
        return respond_plant(request, result)

    @get("/panels/{panel_id:int}", operation_id="get_mmr_panel",
         summary="One meet-me-room panel with its front ports (cable labels: staff only)",
         responses={**example(meetme.PanelView, description="The panel", value={**PANEL, "ports": [
             {"netbox_id": 501, "name": "1", "port_type": "lc-upc", "free": False,
              "cable_label": "XC-DEMO-0001"},
             {"netbox_id": 502, "name": "2", "port_type": "lc-upc", "free": True}]}),
             **problems(401, 403, 404)})
    async def get_panel(
        self, request: ColoRequest,
        panel_id: Annotated[int, Parameter(ge=1, le=2**31 - 1, description="NetBox device id")],
    ) -> meetme.PanelView:
        return await meetme.panel_detail(principal=request.principal, panel_id=panel_id)
