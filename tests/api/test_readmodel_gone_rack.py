"""A rack-scoped refresh that names a rack deleted in NetBox drops it and still refreshes the rest.

NetBox refuses a `rack_id` filter naming a rack it no longer has, so before, the whole refresh
failed (and the refresher re-queued it forever): a deleted rack stayed in every tenant's view.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Litestar

from dcim.netbox import NetBoxGateway
from dcim.readmodel.sync import refresh_racks
from dcim.tables import PlantRack

Run = Callable[..., Awaitable[Any]]


async def test_a_deleted_rack_leaves_the_read_model_and_its_neighbour_is_refreshed(
    app: Litestar, gateway: NetBoxGateway, run_in_app: Run,
) -> None:
    suffix = uuid.uuid4().hex[:8]

    def build(api: Any) -> dict[str, int]:
        site = api.dcim.sites.create(name=f"Gone Racks {suffix}", slug=f"gone-racks-{suffix}")
        racks = [api.dcim.racks.create(name=f"Rack {n} {suffix}", site=site.id, u_height=42).id for n in (1, 2)]
        return {"site": site.id, "gone": racks[0], "kept": racks[1]}

    ids = await gateway.call(build, what="build racks")
    netbox = app.state.services.netbox
    try:
        await run_in_app(refresh_racks, netbox, [ids["gone"], ids["kept"]])
        await gateway.call(lambda api: api.dcim.racks.delete([ids["gone"]]), what="delete rack")
        await gateway.call(lambda api: api.dcim.racks.get(ids["kept"]).update({"name": f"Renamed {suffix}"}),
                           what="rename rack")
        await run_in_app(refresh_racks, netbox, [ids["gone"], ids["kept"]])
        rows = await run_in_app(lambda: PlantRack.select(PlantRack.netbox_id, PlantRack.name).where(
            PlantRack.netbox_id.is_in([ids["gone"], ids["kept"]])).run())
        assert rows == [{"netbox_id": ids["kept"], "name": f"Renamed {suffix}"}]
    finally:
        await gateway.call(lambda api: (api.dcim.racks.delete([ids["kept"]]), api.dcim.sites.delete([ids["site"]])),
                           what="remove racks")
