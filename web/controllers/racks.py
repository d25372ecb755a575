"""A rack's page: its elevation drawn server-side as inline SVG with a table alternative, and its
A/B power budget — from the read model, exactly as GET /v1/racks/{id} answers the same person
(dcim.readmodel.views.rack_detail: a tenant's own units marked, every other taken unit without
a name). A rack the person's company does not hold answers the same 404 page as a missing one.
Where meters measure the rack, its measured power is drawn too (web/power_charts.py): the meters
the person may see (a tenant's own, ops every one), the figures GET /v1/metering/racks/{id} answers.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from colo.errors import NotFound
from dcim.readmodel.views import rack_detail
from metering.readouts import rack_readout
from tenants.lifecycle import get_tenant
from tenants.policy import is_allowed
from web.dashboard import PlantAge, rack_page
from web.elevation import KIND_NAMES, unit_ranges
from web.guard import runtime_of
from web.pages import page
from web.power_charts import charts
from web.state import WebRequest

MAX_NETBOX_ID = 2**31 - 1  # NetBox ids are int32: a larger one names no rack


class RacksController(Controller):
    path = "/"

    @get("/racks/{rack_id:int}", operation_id="portal_rack", opt={"acts_as": "get_rack"})
    async def rack(self, request: Request[Any, Any, Any], rack_id: FromPath[int]) -> Template:
        runtime = runtime_of(request)
        viewer = WebRequest.of(request.scope).viewer
        assert viewer is not None  # the guard requires a session for this operation
        if not 1 <= rack_id <= MAX_NETBOX_ID:
            raise NotFound("rack", rack_id)  # the same page as any rack this person may not see
        detail = await rack_detail(principal=viewer.principal, rack_id=rack_id, cache=runtime.services.read_cache)
        drawing, power = rack_page(detail)
        measured = await rack_readout(viewer.principal, rack_id)
        config = runtime.services.metering.config
        measured_charts = (charts(measured, temperature=config.temperature, humidity=config.humidity)
                           if measured is not None else None)
        company = None
        if viewer.account.tenant_id is not None:
            company = (await get_tenant(principal=viewer.principal, tenant_id=viewer.account.tenant_id)).legal_name
        return page(request, "rack.html", detail=detail, drawing=drawing, power=power, company=company,
                    measured=measured_charts, plant_age=PlantAge.of(detail.freshness),
                    kind_names=KIND_NAMES, unit_ranges=unit_ranges,
                    may_order=is_allowed(runtime.policy.roles, "create_order", viewer.principal.role),
                    may_search=is_allowed(runtime.policy.roles, "search_capacity", viewer.principal.role))
