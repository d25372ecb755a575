"""Ops' capacity map: each hall drawn row by row, racks coloured by free units and power headroom,
with the capacity search on the same page lighting up the racks where the request fits.

The figures are the API's: the racks come from dcim.readmodel.views.list_racks (GET /v1/racks)
and the search is dcim.capacity.search with the CapacityQuery the tenant's search form builds
(web/orders_forms.py), so the map, the API and the order form never disagree.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.response import Template

from colo.errors import ValidationFailed
from dcim import capacity
from dcim.readmodel import views
from dcim.readmodel.schemas import CapacityAnswer
from dcim.sales import rules_of
from web import hallmap
from web import orders_forms as forms
from web.forms import text
from web.guard import runtime_of
from web.pages import page
from web.state import WebRequest

SEARCH_FIELDS = ("units", "kw", "mmr_ports", "media")


class CapacityMapController(Controller):
    path = "/"

    @get("/ops/capacity", operation_id="portal_capacity_map")
    async def capacity_map(self, request: Request[Any, Any, Any]) -> Template:
        viewer = WebRequest.of(request.scope).viewer
        assert viewer is not None  # the guard requires a session for this page
        services = runtime_of(request).services
        cache = services.read_cache
        params = dict(request.query_params)
        names = await views.site_names(await cache.generation(), cache=cache)
        sites = sorted(names.items(), key=lambda pair: (pair[1], pair[0]))
        wanted = text(params, "site_id", limit=12)
        site_id = int(wanted) if wanted.isdigit() and int(wanted) in names else (sites[0][0] if sites else None)
        halls = await hallmap.site_halls(site_id=site_id, cache=cache) if site_id else []
        hall = text(params, "hall", limit=100)
        hall = hall if hall in halls else (halls[0] if halls else "")
        racks = await hallmap.hall_racks(principal=viewer.principal, site_id=site_id, hall=hall,
                                         cache=cache) if site_id and halls else []
        values = {name: text(params, name, limit=100) for name in SEARCH_FIELDS}
        asked = bool(values["units"])  # the form sends an empty units field to show the map alone
        redundant = params.get("redundant") == "true" if asked else True
        answer: CapacityAnswer | None = None
        errors: dict[str, str] = {}
        status = 200
        if asked and site_id is not None:
            try:
                query = forms.capacity_query({**values, "site_id": str(site_id), "hall": hall}, redundant=redundant)
                answer = await capacity.search(query=query, rules=rules_of(services.settings),
                                               buyer=await views.caller_netbox_tenant(viewer.principal, cache=cache),
                                               cache=cache)
            except msgspec.ValidationError as exc:
                errors, status = forms.struct_errors(exc, inputs=SEARCH_FIELDS), 422
            except ValidationFailed as exc:
                errors, status = forms.refusal_errors(exc, inputs=SEARCH_FIELDS), 422
        sides = await hallmap.hall_sides(racks, site_id=site_id, hall=hall, cache=cache) if site_id else {}
        drawing = hallmap.draw(racks, hall=hall, site=names.get(site_id, "") if site_id else "", answer=answer,
                               sides=sides)
        return page(request, "ops_capacity.html", status=status, sites=sites, site_id=site_id, halls=halls,
                    hall=hall, drawing=drawing, answer=answer, values=values, redundant=redundant, asked=asked,
                    errors=errors, free_classes=hallmap.FREE_CLASSES, fill=hallmap.FILL, ink=hallmap.INK,
                    cell_w=hallmap.CELL_W, cell_h=hallmap.CELL_H, bar_h=hallmap.BAR_H, letter_dx=hallmap.LETTER_DX)
