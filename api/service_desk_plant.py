"""The plant objects a service-desk ticket names, checked here, at the assembly point, because
servicedesk/ may not import dcim/: a tenant names only racks it holds (and units it holds in
them), its own devices the plant read model knows, power feeds of its racks, and its own
cross-connect orders. Another tenant's object is refused with the same words as a missing one,
naming the field the client sent.
"""

from __future__ import annotations

from uuid import UUID

from colo.errors import NotFound, ValidationFailed
from colo.identity import Principal
from dcim.orders.service import get_order
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.schemas import RackDetail
from dcim.readmodel.views import caller_netbox_tenant, rack_detail
from dcim.tables import PlantDevice, PlantPowerFeed
from servicedesk.schemas import Affected, Where


async def held_rack(principal: Principal, rack_id: int, *, field: str, cache: ReadModelCache) -> RackDetail:
    try:
        return await rack_detail(principal=principal, rack_id=rack_id, cache=cache)
    except NotFound:
        raise ValidationFailed(field, "not a rack your tenant holds") from None


async def own_cross_connect(principal: Principal, order_id: UUID, *, field: str) -> None:
    try:
        order = await get_order(principal=principal, order_id=order_id)
    except NotFound:
        raise ValidationFailed(field, "not a cross-connect order of your tenant") from None
    if order.kind != "cross_connect":
        raise ValidationFailed(field, "not a cross-connect order of your tenant")


async def own_device(principal: Principal, device_id: int, *, field: str, cache: ReadModelCache) -> int | None:
    """The device's rack, when the device is the tenant's in the plant read model."""
    mine = await caller_netbox_tenant(principal, cache=cache)
    query = PlantDevice.select(PlantDevice.rack_id, PlantDevice.tenant_id).where(PlantDevice.netbox_id == device_id)
    row = await query.first()
    if row is None or (mine is not None and row["tenant_id"] != mine):
        raise ValidationFailed(field, "not a device of your tenant")
    rack: int | None = row["rack_id"]
    return rack


async def check_where(principal: Principal, where: Where, *, cache: ReadModelCache) -> None:
    if where.rack_id is not None:
        detail = await held_rack(principal, where.rack_id, field="where.rack_id", cache=cache)
        mine = detail.rack.my_units
        if mine is not None:
            for position, unit in enumerate(where.units):
                if unit not in mine:
                    raise ValidationFailed(f"where.units[{position}]", "not a unit your tenant holds in this rack")
    if where.device_id is not None:
        rack = await own_device(principal, where.device_id, field="where.device_id", cache=cache)
        if where.rack_id is not None and rack != where.rack_id:
            raise ValidationFailed("where.device_id", "this device is not in the rack named by where.rack_id")
    if where.cross_connect_order_id is not None:
        await own_cross_connect(principal, where.cross_connect_order_id, field="where.cross_connect_order_id")


async def check_affected(principal: Principal, affected: Affected, *, cache: ReadModelCache) -> None:
    for position, rack_id in enumerate(affected.rack_ids):
        await held_rack(principal, rack_id, field=f"affected.rack_ids[{position}]", cache=cache)
    for position, feed_id in enumerate(affected.power_feed_ids):
        await own_feed(principal, feed_id, field=f"affected.power_feed_ids[{position}]", cache=cache)
    for position, order_id in enumerate(affected.cross_connect_order_ids):
        await own_cross_connect(principal, order_id, field=f"affected.cross_connect_order_ids[{position}]")


async def own_feed(principal: Principal, feed_id: int, *, field: str, cache: ReadModelCache) -> None:
    """A power feed of a rack the tenant holds, as that rack's view shows it to the tenant."""
    row = await PlantPowerFeed.select(PlantPowerFeed.rack_id).where(PlantPowerFeed.netbox_id == feed_id).first()
    refused = ValidationFailed(field, "not a power feed of a rack your tenant holds")
    if row is None or row["rack_id"] is None:
        raise refused
    try:
        detail = await rack_detail(principal=principal, rack_id=row["rack_id"], cache=cache)
    except NotFound:
        raise refused from None
    if feed_id not in {feed.netbox_id for feed in detail.feeds}:
        raise refused
