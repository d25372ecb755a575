"""What the portal's order tests share: a small site of their own in the real NetBox (a hall with
empty, A+B-fed racks nobody owns), put into the read model the way NetBox's events would, and
the ops steps around the browser through the API (review, approve, fulfil in NetBox, ask for
action), as tests/api/orders does them.

Every name carries a unique suffix, so other sessions and the demo seed never collide; the site
and everything at it (the reservations fulfilment made too) are removed afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pynetbox

from devtools.netbox.paths import NetBoxState
from tests.netbox_cleanup import remove_sites
from tests.web.browser import Portal, new_tenant

RACK_KEYS = ("journey", "actions", "a11y", "paging")


@dataclass(frozen=True)
class PortalPlant:
    suffix: str
    site_id: int
    site_name: str
    hall: str
    racks: dict[str, int]  # key → NetBox rack id
    rack_names: dict[str, str]


def _build(api: Any, s: str) -> PortalPlant:
    site = api.dcim.sites.create(name=f"Portal Orders {s}", slug=f"portal-orders-{s}")
    hall = api.dcim.locations.create(name=f"Portal Hall {s}", slug=f"portal-hall-{s}", site=site.id)
    panels = [api.dcim.power_panels.create(site=site.id, name=f"PP-{side}-{s}") for side in "AB"]
    racks, names = {}, {}
    for key in RACK_KEYS:
        names[key] = f"PO-{key}-{s}"
        racks[key] = api.dcim.racks.create(name=names[key], site=site.id, location=hall.id, u_height=42,
                                           status="active").id
        for panel, kind in zip(panels, ("primary", "redundant"), strict=True):
            api.dcim.power_feeds.create(power_panel=panel.id, rack=racks[key], name=f"{key}-{kind}-{s}",
                                        status="active", type=kind, supply="ac", phase="single-phase",
                                        voltage=230, amperage=16, max_utilization=80)
    return PortalPlant(suffix=s, site_id=site.id, site_name=site.name, hall=hall.name, racks=racks,
                       rack_names=names)


def sync_plant(portal: Portal, netbox: NetBoxState, plant: PortalPlant, *, hall_id: int | None = None) -> None:
    """The read model learns the site, its hall and racks (what NetBox's webhooks would cause)."""
    from dcim.netbox import NetBoxGateway
    from dcim.readmodel.sync import refresh_objects, refresh_racks

    async def sync() -> None:
        gateway = NetBoxGateway(url=netbox.url, token=netbox.token)  # one per event loop
        objects = {("dcim.site", plant.site_id)} | ({("dcim.location", hall_id)} if hall_id else set())
        await refresh_objects(gateway, objects)
        await refresh_racks(gateway, list(plant.racks.values()))

    portal.query(sync)


def portal_plant(netbox: NetBoxState, portal: Portal) -> Iterator[PortalPlant]:
    """The site for a module's fixture: `yield from portal_plant(netbox_state, live_portal)`."""
    api = pynetbox.api(netbox.url, token=netbox.token)
    plant = _build(api, uuid.uuid4().hex[:8])
    try:
        hall_id = api.dcim.locations.get(slug=f"portal-hall-{plant.suffix}").id
        sync_plant(portal, netbox, plant, hall_id=hall_id)
        yield plant
    finally:
        remove_sites(api, [plant.site_id])
        sync_plant(portal, netbox, plant)  # the racks are gone from the read model too


# ---- ops, through the API ------------------------------------------------------------------------


def ops_order(portal: Portal, tenant_id: str, spec: dict[str, Any]) -> str:
    """An order placed by ops on the tenant's behalf (as the API allows staff to)."""
    made = portal.api("POST", "/v1/orders", json={"spec": spec, "tenant_id": tenant_id})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def ops_step(portal: Portal, order_id: str, step: str, reason: str | None = None) -> dict[str, Any]:
    moved = portal.api("POST", f"/v1/orders/{order_id}/{step}", json={"reason": reason} if reason else None)
    assert moved.status_code == 200, moved.text
    body: dict[str, Any] = moved.json()
    return body


def fulfil(portal: Portal, order_id: str) -> dict[str, Any]:
    """Ops review and approve, then build the order in NetBox now; it is active."""
    ops_step(portal, order_id, "review")
    ops_step(portal, order_id, "approve", "capacity checked")
    built = ops_step(portal, order_id, "fulfil")
    assert built["state"] == "active", built
    return built


RETRY_AT = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)  # a postponed run's next attempt, far ahead


def postponed_order(portal: Portal, rack_id: int, position: int) -> str:
    """A new tenant's one-unit space order, reviewed and approved, whose fulfilment could not reach
    NetBox: provisioning, with the error and the next attempt (RETRY_AT) a run records then
    (dcim/orders/fulfil.py _postpone)."""
    from dcim.orders import store
    from dcim.orders.states import OrderAction
    from dcim.orders.tables import Order

    order_id = ops_order(portal, new_tenant(portal), {
        "kind": "space", "rack_id": rack_id, "units": 1, "position": position})
    ops_step(portal, order_id, "review")
    ops_step(portal, order_id, "approve")

    async def postponed() -> None:
        await store.transition(UUID(order_id), OrderAction.START_PROVISIONING, actor=store.SYSTEM,
                               reason="fulfilment started")
        await store.record(UUID(order_id), {Order.last_error: "waiting for NetBox: connection refused",
                                            Order.next_attempt_at: RETRY_AT, Order.attempts: 1})

    portal.query(postponed)
    return order_id


# ---- cross-connect ports: a meet-me room with the tenant's panel and a carrier's ----------------------


@dataclass(frozen=True)
class XcPorts:
    own: list[int]  # the tenant's front ports (A sides)
    carrier: list[int]  # the carrier's front ports (Z sides)
    own_panel: str
    carrier_panel: str
    carrier_name: str
    cleanup: dict[str, int]


def _ensure(endpoint: Any, **fields: Any) -> Any:
    """A shared NetBox object (a tag, a role) found by slug or made; another session may race us."""
    found = endpoint.get(slug=fields["slug"])
    if found is None:
        try:
            found = endpoint.create(**fields)
        except Exception:  # made meanwhile by another session: then it exists now
            found = endpoint.get(slug=fields["slug"])
    assert found is not None
    return found


def build_xc_ports(portal: Portal, netbox: NetBoxState, plant: PortalPlant, netbox_tenant_id: int) -> XcPorts:
    """In the plant's site: a meet-me room (tagged) with a rack holding two patch panels of two
    copper ports each, one the tenant's and one a carrier's (a NetBox tenant only); synced."""
    from dcim.netbox import NetBoxGateway
    from dcim.readmodel.sync import refresh_device_ports, refresh_objects, refresh_racks

    api, s = pynetbox.api(netbox.url, token=netbox.token), uuid.uuid4().hex[:8]
    _ensure(api.extras.tags, name="meet-me-room", slug="meet-me-room")
    role = _ensure(api.dcim.device_roles, name="Patch Panel", slug="patch-panel")
    room = api.dcim.locations.create(name=f"Portal MMR {s}", slug=f"portal-mmr-{s}", site=plant.site_id,
                                     tags=[{"slug": "meet-me-room"}])
    rack = api.dcim.racks.create(name=f"PO-mmr-{s}", site=plant.site_id, location=room.id, u_height=42)
    maker = api.dcim.manufacturers.create(name=f"po-maker-{s}", slug=f"po-maker-{s}")
    dtype = api.dcim.device_types.create(manufacturer=maker.id, model=f"po-panel-{s}", slug=f"po-panel-{s}",
                                         u_height=1)
    carrier = api.tenancy.tenants.create(name=f"Portal Carrier {s}", slug=f"portal-carrier-{s}")
    ports: dict[str, list[int]] = {}
    devices: dict[str, int] = {}
    for key, tenant, position in (("own", netbox_tenant_id, 40), ("carrier", carrier.id, 38)):
        devices[key] = api.dcim.devices.create(
            name=f"PO-{key}-{s}", device_type=dtype.id, role=role.id, site=plant.site_id, location=room.id,
            rack=rack.id, position=position, face="front", tenant=tenant).id
        rears = [r.id for r in api.dcim.rear_ports.create(
            [{"device": devices[key], "name": f"R{i}", "type": "8p8c", "positions": 1} for i in (1, 2)])]
        ports[key] = [f.id for f in api.dcim.front_ports.create([
            {"device": devices[key], "name": str(i), "type": "8p8c", "positions": 1,
             "rear_ports": [{"position": 1, "rear_port": rears[i - 1], "rear_port_position": 1}]}
            for i in (1, 2)])]

    async def sync() -> None:
        gateway = NetBoxGateway(url=netbox.url, token=netbox.token)
        await refresh_objects(gateway, {("dcim.location", room.id), ("tenancy.tenant", carrier.id),
                                        ("tenancy.tenant", netbox_tenant_id)})
        await refresh_racks(gateway, [rack.id])
        await refresh_device_ports(gateway, sorted(devices.values()))

    portal.query(sync)
    return XcPorts(own=ports["own"], carrier=ports["carrier"], own_panel=f"PO-own-{s}",
                   carrier_panel=f"PO-carrier-{s}", carrier_name=carrier.name,
                   cleanup={"rack": rack.id, "device_type": dtype.id, "manufacturer": maker.id,
                            "carrier": carrier.id, **{f"device_{k}": v for k, v in devices.items()}})


def remove_xc_ports(portal: Portal, netbox: NetBoxState, built: XcPorts) -> None:
    """What the site's removal cannot take (the device type, its maker, the carrier tenant), and
    the panels, out of the read model too."""
    from dcim.netbox import NetBoxGateway
    from dcim.readmodel import store
    from dcim.readmodel.sync import refresh_racks

    api = pynetbox.api(netbox.url, token=netbox.token)
    panels = [built.cleanup["device_own"], built.cleanup["device_carrier"]]
    api.dcim.devices.delete(panels)

    async def sync() -> None:
        await refresh_racks(NetBoxGateway(url=netbox.url, token=netbox.token), [built.cleanup["rack"]])
        await store.replace_device_ports(panels, [])  # NetBox no longer answers for their ports

    api.dcim.device_types.delete([built.cleanup["device_type"]])
    api.dcim.manufacturers.delete([built.cleanup["manufacturer"]])
    api.tenancy.tenants.delete([built.cleanup["carrier"]])
    portal.query(sync)  # last: NetBox is tidy even if this fails
