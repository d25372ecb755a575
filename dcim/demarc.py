"""Ops provision a tenant's demarcation panel: the ports its cross-connects start from.

The tenant is named by its Colo id (like every other ops input); its linked NetBox tenant owns
the panel. NetBox is written first (dcim/netbox/demarc.py, idempotent by the panel's name), then
the read model is refreshed for that rack and panel at once, so the tenant's port list shows the
new ports without waiting for a webhook or the periodic sync.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from colo.errors import ColoError, Conflict, ValidationFailed
from colo.logging import get_logger
from colo.text import LINE_PATTERN
from dcim.netbox.demarc import DemarcPanel, provision_demarc_panel
from dcim.netbox.gateway import NetBoxGateway
from dcim.orders.store import claimed_units
from dcim.readmodel.sync import refresh_device_ports, refresh_objects, refresh_racks
from tenants.tables import Tenant

log = get_logger(__name__)
# NetBox device names: printable, no control characters; the name is also the idempotency key.
PanelName = Annotated[str, Meta(min_length=1, max_length=64, pattern=LINE_PATTERN,
                                examples=["DEMARC-ACME-MMR-1"])]


class DemarcCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A patch panel for a tenant in a rack (the meet-me room's, or the tenant's cage)."""

    tenant_id: UUID
    rack_id: Annotated[int, Meta(ge=1, le=2**31 - 1, description="NetBox rack id")]
    name: PanelName
    ports: Annotated[int, Meta(ge=1, le=96)] = 12
    media: Literal["smf", "mmf", "copper"] = "smf"
    position: Annotated[int, Meta(ge=1, le=100)] | None = None  # default: the highest free unit


class DemarcRead(msgspec.Struct):
    panel_id: int
    name: str
    tenant_id: UUID
    rack_id: int
    position: int | None
    media: str
    front_port_ids: list[int]
    created: bool


async def _netbox_tenant(tenant_id: UUID) -> int:
    row = await Tenant.select(Tenant.status, Tenant.netbox_tenant_id).where(Tenant.id == tenant_id).first()
    if row is None:
        raise ValidationFailed("tenant_id", "no such tenant")
    if row["status"] != "active":
        raise Conflict(f"tenant is {row['status']}", field="tenant_id")
    if row["netbox_tenant_id"] is None:
        raise Conflict("tenant has no NetBox tenant linked yet; finish onboarding first", field="tenant_id")
    return int(row["netbox_tenant_id"])


async def provision_demarc(*, gateway: NetBoxGateway, data: DemarcCreate) -> DemarcRead:
    netbox_tenant = await _netbox_tenant(data.tenant_id)
    claimed = frozenset(await claimed_units(data.rack_id))  # open orders' units: not the panel's to take
    panel: DemarcPanel = await provision_demarc_panel(
        gateway, name=data.name, rack_id=data.rack_id, netbox_tenant_id=netbox_tenant, ports=data.ports,
        media=data.media, position=data.position, claimed=claimed)
    try:  # the tenant sees its ports at once; the periodic sync would catch up anyway
        objects = {("dcim.site", panel.site_id), ("tenancy.tenant", panel.netbox_tenant_id)}
        if panel.location_id is not None:
            objects.add(("dcim.location", panel.location_id))
        await refresh_objects(gateway, objects)  # where the panel is, and whose: for the port lists
        await refresh_racks(gateway, [panel.rack_id])
        await refresh_device_ports(gateway, [panel.id])
    except ColoError as exc:
        log.warning("could not refresh the read model after provisioning a panel", panel_id=panel.id,
                    error=exc.detail)
    log.info("demarcation panel provisioned", panel_id=panel.id, tenant_id=str(data.tenant_id),
             created=panel.created)
    return DemarcRead(panel_id=panel.id, name=panel.name, tenant_id=data.tenant_id, rack_id=panel.rack_id,
                      position=panel.position, media=panel.media, front_port_ids=list(panel.front_port_ids),
                      created=panel.created)
