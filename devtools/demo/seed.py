"""`colo demo seed`: make NetBox contain the demo datacenter (dcim/netbox/demo_plan.py).

Idempotent by natural key: each step lists what exists (one filtered request), then creates
only what is missing in one bulk request. Nothing existing is ever modified, so a second run
sends only reads and changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import pynetbox

from colo.errors import Unavailable, UpstreamRejected
from dcim.netbox.gateway import NetBoxGateway
from dcim.netbox.records import MEDIA_TAGS, MMR_TAG
from devtools.demo.plan import (
    DEMO_TAG,
    DEVICE_ROLES,
    DEVICE_TYPES,
    MANUFACTURERS,
    RACK_ROLES,
    TENANT_GROUPS,
    TENANTS,
    DemoPlant,
    build_plant,
    front_type,
    panel_ports,
)

PAGE = 1000  # NetBox's MAX_PAGE_SIZE: one request per 1000 objects instead of per 50
CHUNK = 100  # objects per bulk create
ATTEMPTS = 4
RETRY_PAUSE_SECONDS = 10.0
Row = dict[str, Any]


@dataclass(slots=True)
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


class Seeder:
    """Applies a DemoPlant step by step; `ids` remembers the NetBox id of every natural key."""

    def __init__(self, gateway: NetBoxGateway, plant: DemoPlant,
                 say: Callable[[str], None] = lambda _m: None) -> None:
        self.gw = gateway
        self.plant = plant
        self.say = say
        self.report = SeedReport()
        self.tags: list[dict[str, str]] = [{"slug": DEMO_TAG}]

    async def ensure(self, kind: str, endpoint: str, wanted: dict[Hashable, Row],
                     key_of: Callable[[Row], Hashable], **filters: Any) -> dict[Hashable, int]:
        """Create the wanted objects that no existing object matches by key; return key → id.

        A busy NetBox may time out mid-create although it went on to save the objects; the
        step is then retried from its list, which finds them, so nothing is made twice.
        """
        timed_out = False
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._ensure_once(kind, endpoint, wanted, key_of, filters)
            except (Unavailable, UpstreamRejected) as exc:
                # A refusal right after a timeout is the timed-out request's objects landing
                # late ("already exists"); any other refusal is a real error.
                if attempt == ATTEMPTS or (isinstance(exc, UpstreamRejected) and not timed_out):
                    raise
                timed_out = True
                self.say(f"{kind}: NetBox is slow ({type(exc).__name__}), retrying")
                await asyncio.sleep(RETRY_PAUSE_SECONDS * attempt)  # let the slow request finish
        raise AssertionError("unreachable")

    async def _ensure_once(self, kind: str, endpoint: str, wanted: dict[Hashable, Row],
                           key_of: Callable[[Row], Hashable], filters: dict[str, Any]) -> dict[Hashable, int]:
        app, name = endpoint.split(".")

        def existing(api: Any) -> list[Row]:
            ep = getattr(getattr(api, app), name)
            return [dict(r) for r in ep.filter(limit=PAGE, **filters)] if filters else \
                [dict(r) for r in ep.all(limit=PAGE)]

        found = {key_of(row): row["id"] for row in await self.gw.call(existing, what=f"list {kind}")}
        missing = [payload for key, payload in wanted.items() if key not in found]
        # Bulk creates in chunks: one request each, short enough to stay inside the read timeout.
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start:start + CHUNK]

            def create(api: Any, chunk: list[Row] = chunk) -> list[Row]:
                made = getattr(getattr(api, app), name).create(chunk)
                return [dict(r) for r in (made if isinstance(made, list) else [made])]

            for row in await self.gw.call(create, what=f"create {kind}"):
                found[key_of(row)] = row["id"]
            self.report.created[kind] = self.report.created.get(kind, 0) + len(chunk)
        self.report.created.setdefault(kind, 0)
        self.report.existing[kind] = len(wanted) - self.report.created[kind]
        self.say(f"{kind}: {len(missing)} created, {len(wanted) - len(missing)} already there")
        return {key: found[key] for key in wanted}

    async def run(self) -> SeedReport:
        started = time.perf_counter()
        p = self.plant
        tag_slugs = [DEMO_TAG, MMR_TAG, *MEDIA_TAGS.values()]
        await self.ensure("tags", "extras.tags",
                          {s: {"name": s, "slug": s, "color": "9e9e9e"} for s in tag_slugs},
                          lambda r: r["slug"], slug=tag_slugs)
        t = self.tags
        groups = await self.ensure("tenant groups", "tenancy.tenant_groups", {
            slug: {"name": name, "slug": slug, "tags": t} for name, slug in TENANT_GROUPS
        }, lambda r: r["slug"], slug=[s for _n, s in TENANT_GROUPS])
        tenants = await self.ensure("tenants", "tenancy.tenants", {
            slug: {"name": name, "slug": slug, "group": groups[group], "tags": t}
            for name, slug, group in TENANTS
        }, lambda r: r["slug"], slug=[s for _n, s, _g in TENANTS])
        site = (await self.ensure("sites", "dcim.sites", {p.site_slug: {
            "name": p.site_name, "slug": p.site_slug, "status": "active", "tags": t,
            "description": "Regional colocation facility (demo)", "time_zone": "Europe/Berlin",
        }}, lambda r: r["slug"], slug=p.site_slug))[p.site_slug]
        locations = await self.ensure("locations", "dcim.locations", {
            slug: {"name": name, "slug": slug, "site": site, "status": "active",
                   "tags": t + ([{"slug": extra}] if extra else [])}
            for name, slug, extra in p.locations
        }, lambda r: r["slug"], site_id=site)
        rack_groups = await self.ensure("rack groups", "dcim.rack_groups", {
            slug: {"name": name, "slug": slug, "tags": t} for name, slug in p.rack_groups
        }, lambda r: r["slug"], slug=[s for _n, s in p.rack_groups])
        rack_roles = await self.ensure("rack roles", "dcim.rack_roles", {
            slug: {"name": name, "slug": slug, "color": color, "tags": t}
            for name, slug, color in RACK_ROLES
        }, lambda r: r["slug"], slug=[s for _n, s, _c in RACK_ROLES])
        racks = await self.ensure("racks", "dcim.racks", {
            r.name: {"name": r.name, "site": site, "location": locations[r.location],
                     "group": rack_groups[r.group], "role": rack_roles[r.role], "status": r.status,
                     "u_height": r.u_height, "width": 19, "form_factor": "4-post-cabinet",
                     "facility_id": r.name.removeprefix(p.prefix), "tags": t}
            for r in p.racks
        }, lambda r: r["name"], site_id=site)
        makers = await self.ensure("manufacturers", "dcim.manufacturers", {
            slug: {"name": name, "slug": slug, "tags": t} for name, slug in MANUFACTURERS
        }, lambda r: r["slug"], slug=[s for _n, s in MANUFACTURERS])
        device_types = await self.ensure("device types", "dcim.device_types", {
            slug: {"manufacturer": makers[maker], "model": model, "slug": slug, "u_height": height,
                   "is_full_depth": full, "tags": t + ([{"slug": media}] if media else [])}
            for slug, maker, model, height, full, media in DEVICE_TYPES
        }, lambda r: r["slug"], slug=[d[0] for d in DEVICE_TYPES])
        roles = await self.ensure("device roles", "dcim.device_roles", {
            slug: {"name": name, "slug": slug, "color": color, "tags": t}
            for name, slug, color in DEVICE_ROLES
        }, lambda r: r["slug"], slug=[s for _n, s, _c in DEVICE_ROLES])
        panels = await self.ensure("power panels", "dcim.power_panels", {
            name: {"name": name, "site": site, "location": locations[loc], "tags": t}
            for name, loc in p.power_panels
        }, lambda r: r["name"], site_id=site)
        feeds = await self.ensure("power feeds", "dcim.power_feeds", {
            name: {"name": name, "power_panel": panels[panel], "rack": racks[rack.name],
                   "status": "active", "type": kind, "supply": "ac", "phase": rack.electrical.phase,
                   "voltage": rack.electrical.voltage, "amperage": rack.electrical.amperage,
                   "max_utilization": 80, "tags": t}
            for name, panel, kind, rack in p.feeds()
        }, lambda r: r["name"], site_id=site)
        devices = await self.ensure("devices", "dcim.devices", {
            d.name: {"name": d.name, "device_type": device_types[d.device_type], "role": roles[d.role],
                     "site": site, "location": locations[p.rack(d.rack).location],
                     "rack": racks[d.rack], "status": "active", "tags": t,
                     **({"position": d.position, "face": d.face} if d.position is not None else {}),
                     **({"tenant": tenants[d.tenant]} if d.tenant else {})}
            for d in p.devices
        }, lambda r: r["name"], site_id=site)
        await self._ports_and_cables(devices, feeds, tenants)
        await self._reservations(racks, tenants)
        self.report.seconds = time.perf_counter() - started
        return self.report

    async def _ports_and_cables(self, devices: dict[Hashable, int], feeds: dict[Hashable, int],
                                tenants: dict[Hashable, int]) -> None:
        p, t = self.plant, self.tags
        panels = [d for d in p.devices if d.role == "patch-panel"]
        panel_ids = [devices[d.name] for d in panels]
        rear_key: Callable[[Row], Hashable] = lambda r: (r["device"]["id"], r["name"])  # noqa: E731
        rears = await self.ensure("rear ports", "dcim.rear_ports", {
            (devices[d.name], rear): {"device": devices[d.name], "name": rear, "type": rtype,
                                      "positions": positions, "tags": t}
            for d in panels for rear, rtype, positions, _f in panel_ports(d.device_type)
        }, rear_key, device_id=panel_ids)
        fronts = await self.ensure("front ports", "dcim.front_ports", {
            (devices[d.name], front): {
                "device": devices[d.name], "name": front, "type": front_type(d.device_type),
                "positions": 1, "tags": t, "rear_ports": [{
                    "position": 1, "rear_port": rears[(devices[d.name], rear)],
                    "rear_port_position": rear_position}],
            }
            for d in panels for rear, _t, _p, mapping in panel_ports(d.device_type)
            for front, rear_position in mapping
        }, rear_key, device_id=panel_ids)
        pdus = [d for d in p.devices if d.feed]
        power_ports = await self.ensure("power ports", "dcim.power_ports", {
            (devices[d.name], "PSU"): {
                "device": devices[d.name], "name": "PSU", "tags": t,
                "type": "iec-60309-3p-n-e-6h" if p.rack(d.rack).electrical.phase == "three-phase"
                else "iec-60309-p-n-e-6h",
                "allocated_draw": d.allocated_draw, "maximum_draw": d.allocated_draw * 2,
            }
            for d in pdus
        }, rear_key, device_id=[devices[d.name] for d in pdus])
        cables: dict[Hashable, Row] = {}
        for d in pdus:
            label = f"PWR-{d.feed}"
            cables[label] = {
                "a_terminations": [{"object_type": "dcim.powerport",
                                    "object_id": power_ports[(devices[d.name], "PSU")]}],
                "b_terminations": [{"object_type": "dcim.powerfeed", "object_id": feeds[d.feed]}],
                "status": "connected", "type": "power", "label": label, "tags": t,
            }
        for c in p.cables:
            ports = rears if c.kind == "rearport" else fronts
            cables[c.label] = {
                "a_terminations": [{"object_type": f"dcim.{c.kind}",
                                    "object_id": ports[(devices[c.a[0]], c.a[1])]}],
                "b_terminations": [{"object_type": f"dcim.{c.kind}",
                                    "object_id": ports[(devices[c.b[0]], c.b[1])]}],
                "status": "connected", "type": c.cable_type, "label": c.label, "tags": t,
                **({"tenant": tenants[c.tenant]} if c.tenant else {}),
            }
        await self.ensure("cables", "dcim.cables", cables, lambda r: r["label"],
                          label=list(cables))

    async def _reservations(self, racks: dict[Hashable, int], tenants: dict[Hashable, int]) -> None:
        user = await self.gw.call(lambda api: authenticated_user_id(api), what="whoami")
        p = self.plant
        rack_ids = [racks[r.rack] for r in p.reservations]
        await self.ensure("rack reservations", "dcim.rack_reservations", {
            (racks[r.rack], r.description): {
                "rack": racks[r.rack], "units": list(r.units), "user": user, "status": "active",
                "tenant": tenants[r.tenant], "description": r.description, "tags": self.tags,
            }
            for r in p.reservations
        }, lambda r: (r["rack"]["id"], r["description"]), rack_id=rack_ids)


def authenticated_user_id(api: Any) -> int:
    """The NetBox user behind the token (reservations must name a user)."""
    response = api.http_session.get(
        f"{api.base_url}/authentication-check/",
        headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"},
    )
    if not response.ok:
        raise pynetbox.RequestError(response)
    return int(response.json()["id"])


async def seed_demo(gateway: NetBoxGateway, *, plant: DemoPlant | None = None,
                    say: Callable[[str], None] = lambda _m: None) -> SeedReport:
    """Build (or confirm) the demo datacenter in NetBox; returns what was created."""
    return await Seeder(gateway, plant or build_plant(), say).run()


async def remove_plant(gateway: NetBoxGateway, plant: DemoPlant) -> None:
    """Delete one seeded site's own objects (tests' private copies). Shared catalog objects
    (tags, tenants, device types, roles) stay: other sites use them."""
    site_rows = await gateway.call(lambda api: [dict(r) for r in api.dcim.sites.filter(
        slug=plant.site_slug)], what="find site")
    if not site_rows:
        return
    site = site_rows[0]["id"]
    labels = [f"PWR-{d.feed}" for d in plant.devices if d.feed] + [c.label for c in plant.cables]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("dcim.cables", {"label": labels}), ("dcim.rack_reservations", {"site_id": site}),
        ("dcim.devices", {"site_id": site}), ("dcim.power_feeds", {"site_id": site}),
        ("dcim.power_panels", {"site_id": site}), ("dcim.racks", {"site_id": site}),
        ("dcim.locations", {"site_id": site}),
        ("dcim.rack_groups", {"slug": [slug for _n, slug in plant.rack_groups]}),
        ("dcim.sites", {"id": site}),
    ]
    for endpoint, filters in steps:
        app, name = endpoint.split(".")

        def delete(api: Any, app: str = app, name: str = name,
                   filters: dict[str, Any] = filters) -> int:
            ep = getattr(getattr(api, app), name)
            ids = [r.id for r in ep.filter(limit=PAGE, **filters)]
            if ids:
                ep.delete(ids)
            return len(ids)

        for attempt in range(1, ATTEMPTS + 1):  # each step re-lists, so a retry is safe
            try:
                await gateway.call(delete, what=f"delete {endpoint}")
                break
            except Unavailable:
                if attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(2.0 * attempt)
