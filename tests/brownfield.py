"""A brownfield-shaped plant in the real NetBox: what a facility looks like when Colo arrives.

Colo must adopt a NetBox that has been in use for years (docs/ARCHITECTURE.md, "brownfield"):
customers already own racks and devices there, some racks are infrastructure, rack names
repeat across sites and contain spaces, devices may be unnamed, cables exist. This module builds
exactly that, with a unique suffix in every name, so tests can assert about what they built
while other sessions (or `make run`'s demo) share the same NetBox.

Usage (the API is stable; other test modules import it)::

    from tests.brownfield import BrownfieldPlant, brownfield_plant

    async with brownfield_plant(gateway) as plant:        # gateway: tests.conftest's `gateway`
        plant.racks["owned_north"]                          # NetBox rack id
        plant.customer.netbox_tenant_id                     # the pre-existing NetBox tenant

or the module-scoped fixture `brownfield` (import it into a test module:
`from tests.brownfield import brownfield  # noqa: F401`).

What is built (`s` = `plant.suffix`, 8 hex characters):

- Sites `north` ("BF North s") and `south` ("BF South s"); a hall location in each
  (`north_hall` "Hall N s", `south_hall` "Hall S s") and a meet-me room (`mmr`, "Meet Me s",
  tagged `meet-me-room`) in north.
- A NetBox tenant `plant.customer` ("BF Customer s", slug `bf-customer-s`), linked to no Colo
  tenant: the customer Colo has to adopt. `plant.other` is a second NetBox tenant
  ("BF Other s") owning one rack, never adopted by the tests here.
- Racks (`plant.racks[key]` → id, `plant.rack_names[key]` → name), all 42U, status `active`
  unless said otherwise:
  - `owned_north` (north, "Row 1 Rack 1 s", rack tenant customer): the unnamed Dell R650 at
    U12 (tenant customer), A+B feeds, the server's power port drawing 400 W from feed A.
  - `twin_south` (south, "Row 1 Rack 1 s" — the same name as owned_north): no tenant, empty,
    A+B feeds.
  - `owned_south` (south, "Cage 7 s", rack tenant customer): empty, no feeds.
  - `device_only` (north, "Row 2 Rack 4 s", no rack tenant): the named customer device
    "cust-fw-s" at U20 — the customer holds the rack through its device.
  - `reserved` (south, "Row 3 Rack 9 s", no rack tenant): a NetBox reservation of U1-U4 for
    the customer, made outside Colo.
  - `infra` (north, "Core Net s", rack role `network`): an unnamed core switch at U40, no tenant.
  - `mmr` (north, "MMR 1 s", rack role `meet-me-room`, in the meet-me-room location).
  - `available` (south, "Spare 3 s", status `available`): no tenant, empty, A+B feeds.
  - `other_owned` (south, "Other 1 s", rack tenant other): empty.

  Rack roles `network` ("Network") and `meet-me-room` ("Meet-Me Room") are shared NetBox
  objects (found or created, never deleted): a real NetBox has them once.
- Devices (`plant.devices[key]` → id): `customer_server` (unnamed, type "R650" by manufacturer
  "Dell s", U12 of owned_north, tenant customer), `customer_fw` ("cust-fw-s", U20 of
  device_only, tenant customer), `core_switch` (unnamed, U40 of infra, role network, no tenant).
- `plant.cable_id`: an existing data cable (label "BF-s-1") between interfaces of
  core_switch and customer_server.
- `plant.feeds[key]`: supply feeds `owned_north-A/-B`, `twin_south-A/-B`, `available-A/-B`
  (230 V x 16 A x 80 % single-phase, primary/redundant), from panels "PP N s" / "PP S s".
- `plant.reservation_id`: the customer's pre-existing reservation in `reserved` (U1-U4).
- `plant.customer_server_power_port`: the server's power port, allocated draw 400 W, cabled to
  feed `owned_north-A` (a brownfield commitment Colo did not sell).

`plant.held_by_customer` lists the rack keys the customer holds in NetBox's own tenancy
(owned_north, owned_south, device_only, reserved). Everything is removed afterwards (the
shared roles and tags excepted), including Colo-created objects left at the two sites.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio

from dcim.netbox import NetBoxGateway
from tests.netbox_cleanup import remove_sites

RACK_KEYS = ("owned_north", "twin_south", "owned_south", "device_only", "reserved", "infra", "mmr",
             "available", "other_owned")
HELD_BY_CUSTOMER = ("owned_north", "owned_south", "device_only", "reserved")
SHARED_ROLES = {"network": "Network", "meet-me-room": "Meet-Me Room"}
FEED_RACKS = ("owned_north", "twin_south", "available")
SERVER_DRAW_W = 400


@dataclass(frozen=True)
class NetBoxTenantRef:
    netbox_tenant_id: int
    name: str
    slug: str


@dataclass
class BrownfieldPlant:
    suffix: str
    sites: dict[str, int]  # "north", "south"
    site_names: dict[str, str]
    locations: dict[str, int]  # "north_hall", "south_hall", "mmr"
    location_names: dict[str, str]
    customer: NetBoxTenantRef
    other: NetBoxTenantRef
    racks: dict[str, int] = field(default_factory=dict)
    rack_names: dict[str, str] = field(default_factory=dict)
    devices: dict[str, int] = field(default_factory=dict)
    feeds: dict[str, int] = field(default_factory=dict)
    cable_id: int = 0
    reservation_id: int = 0
    customer_server_power_port: int = 0
    rack_roles: dict[str, int] = field(default_factory=dict)  # slug → NetBox rack role id

    @property
    def held_by_customer(self) -> tuple[str, ...]:
        return HELD_BY_CUSTOMER

    @property
    def rack_ids(self) -> list[int]:
        return sorted(self.racks.values())


def _shared(endpoint: Any, **fields: Any) -> Any:
    """Find by slug or create; a concurrent creation by another session is fine."""
    found = endpoint.get(slug=fields["slug"])
    if found is not None:
        return found
    try:
        return endpoint.create(**fields)
    except Exception:
        found = endpoint.get(slug=fields["slug"])
        if found is None:
            raise
        return found


def _user_id(api: Any) -> int:
    response = api.http_session.get(f"{api.base_url}/authentication-check/",
                                    headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"})
    response.raise_for_status()
    return int(response.json()["id"])


def _build(api: Any, s: str) -> BrownfieldPlant:
    _shared(api.extras.tags, name="meet-me-room", slug="meet-me-room")
    roles = {slug: _shared(api.dcim.rack_roles, name=name, slug=slug).id for slug, name in SHARED_ROLES.items()}
    customer = api.tenancy.tenants.create(name=f"BF Customer {s}", slug=f"bf-customer-{s}")
    other = api.tenancy.tenants.create(name=f"BF Other {s}", slug=f"bf-other-{s}")
    site_names = {"north": f"BF North {s}", "south": f"BF South {s}"}
    sites = {k: api.dcim.sites.create(name=n, slug=f"bf-{k}-{s}").id for k, n in site_names.items()}
    location_names = {"north_hall": f"Hall N {s}", "south_hall": f"Hall S {s}", "mmr": f"Meet Me {s}"}
    locations = {
        "north_hall": api.dcim.locations.create(name=location_names["north_hall"], slug=f"hall-n-{s}",
                                                site=sites["north"]).id,
        "south_hall": api.dcim.locations.create(name=location_names["south_hall"], slug=f"hall-s-{s}",
                                                site=sites["south"]).id,
        "mmr": api.dcim.locations.create(name=location_names["mmr"], slug=f"meet-me-{s}", site=sites["north"],
                                         tags=[{"slug": "meet-me-room"}]).id,
    }
    plant = BrownfieldPlant(
        suffix=s, sites=sites, site_names=site_names, locations=locations, location_names=location_names,
        customer=NetBoxTenantRef(customer.id, customer.name, customer.slug),
        other=NetBoxTenantRef(other.id, other.name, other.slug), rack_roles=roles,
    )
    spec = {  # key: (site, location, name, status, tenant, role)
        "owned_north": ("north", "north_hall", f"Row 1 Rack 1 {s}", "active", customer.id, None),
        "twin_south": ("south", "south_hall", f"Row 1 Rack 1 {s}", "active", None, None),
        "owned_south": ("south", "south_hall", f"Cage 7 {s}", "active", customer.id, None),
        "device_only": ("north", "north_hall", f"Row 2 Rack 4 {s}", "active", None, None),
        "reserved": ("south", "south_hall", f"Row 3 Rack 9 {s}", "active", None, None),
        "infra": ("north", "north_hall", f"Core Net {s}", "active", None, roles["network"]),
        "mmr": ("north", "mmr", f"MMR 1 {s}", "active", None, roles["meet-me-room"]),
        "available": ("south", "south_hall", f"Spare 3 {s}", "available", None, None),
        "other_owned": ("south", "south_hall", f"Other 1 {s}", "active", other.id, None),
    }
    for key, (site, location, name, status, tenant, role) in spec.items():
        plant.racks[key] = api.dcim.racks.create(
            name=name, site=sites[site], location=locations[location], status=status, tenant=tenant,
            role=role, u_height=42).id
        plant.rack_names[key] = name
    panels = {site: api.dcim.power_panels.create(site=sites[site], name=f"PP {site[0].upper()} {s}").id
              for site in sites}
    for key in FEED_RACKS:
        site = spec[key][0]
        for side, kind in (("A", "primary"), ("B", "redundant")):
            plant.feeds[f"{key}-{side}"] = api.dcim.power_feeds.create(
                power_panel=panels[site], rack=plant.racks[key], name=f"{plant.rack_names[key]}-{side}",
                status="active", type=kind, supply="ac", phase="single-phase", voltage=230, amperage=16,
                max_utilization=80).id
    maker = api.dcim.manufacturers.create(name=f"Dell {s}", slug=f"dell-{s}")
    server_type = api.dcim.device_types.create(manufacturer=maker.id, model="R650", slug=f"r650-{s}", u_height=1)
    switch_type = api.dcim.device_types.create(manufacturer=maker.id, model="S5248", slug=f"s5248-{s}", u_height=1)
    device_role = api.dcim.device_roles.create(name=f"BF Server {s}", slug=f"bf-server-{s}")
    for key, dtype, name, rack, position, tenant in (
        ("customer_server", server_type, None, "owned_north", 12, customer.id),
        ("customer_fw", switch_type, f"cust-fw-{s}", "device_only", 20, customer.id),
        ("core_switch", switch_type, None, "infra", 40, None),
    ):
        site = spec[rack][0]
        plant.devices[key] = api.dcim.devices.create(
            name=name, device_type=dtype.id, role=device_role.id, site=sites[site],
            location=locations[spec[rack][1]], rack=plant.racks[rack], position=position, face="front",
            tenant=tenant).id
    ends = [api.dcim.interfaces.create(device=plant.devices[d], name="eth0", type="10gbase-x-sfpp").id
            for d in ("core_switch", "customer_server")]
    plant.cable_id = api.dcim.cables.create(
        a_terminations=[{"object_type": "dcim.interface", "object_id": ends[0]}],
        b_terminations=[{"object_type": "dcim.interface", "object_id": ends[1]}],
        status="connected", label=f"BF-{s}-1").id
    port = api.dcim.power_ports.create(device=plant.devices["customer_server"], name="PSU1",
                                       allocated_draw=SERVER_DRAW_W, maximum_draw=SERVER_DRAW_W)
    plant.customer_server_power_port = port.id
    api.dcim.cables.create(
        a_terminations=[{"object_type": "dcim.powerport", "object_id": port.id}],
        b_terminations=[{"object_type": "dcim.powerfeed", "object_id": plant.feeds["owned_north-A"]}],
        status="connected", label=f"BF-{s}-P1")
    plant.reservation_id = api.dcim.rack_reservations.create(
        rack=plant.racks["reserved"], units=[1, 2, 3, 4], user=_user_id(api), tenant=customer.id,
        status="active", description=f"pre-existing customer space {s}").id
    return plant


def _teardown(api: Any, plant: BrownfieldPlant) -> None:
    """Best effort: everything at the plant's sites (Colo-created objects too), then the rest."""
    remove_sites(api, plant.sites.values())
    s = plant.suffix
    for endpoint, slug in ((api.dcim.device_roles, f"bf-server-{s}"),):
        found = endpoint.get(slug=slug)
        if found is not None:
            found.delete()
    for slug in (f"r650-{s}", f"s5248-{s}"):
        found = api.dcim.device_types.get(slug=slug)
        if found is not None:
            found.delete()
    maker = api.dcim.manufacturers.get(slug=f"dell-{s}")
    if maker is not None:
        maker.delete()
    # Cables, feeds or reservations of the tenants elsewhere would block their deletion: keep them then.
    for tenant in (plant.customer, plant.other):
        with contextlib.suppress(Exception):
            api.tenancy.tenants.delete([tenant.netbox_tenant_id])


@asynccontextmanager
async def brownfield_plant(gateway: NetBoxGateway) -> AsyncIterator[BrownfieldPlant]:
    """Build the plant (about 60 NetBox requests), yield it, remove it afterwards."""
    suffix = uuid.uuid4().hex[:8]
    plant = await gateway.call(lambda api: _build(api, suffix), what="build brownfield test plant")
    try:
        yield plant
    finally:
        await gateway.call(lambda api: _teardown(api, plant), what="tear down brownfield test plant")


@pytest_asyncio.fixture(scope="module")
async def brownfield(gateway: NetBoxGateway) -> AsyncIterator[BrownfieldPlant]:
    """One brownfield plant per test module (tests must not change what others assert on)."""
    async with brownfield_plant(gateway) as plant:
        yield plant
