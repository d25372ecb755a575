"""Rack, power and utilization views from the read model, scoped to the caller.

Ops see every rack and who holds what. A tenant sees only racks its NetBox tenant holds
(dcim.readmodel.holdings: its own racks, racks with its devices, racks with its reservations);
any other rack answers NotFound, exactly like a missing one. Racks carry their site's name, so
racks of the same name at different sites can be told apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from colo.errors import NotFound, ValidationFailed
from colo.identity import Principal
from colo.paging import Key, Keyset, PageRequest, slice_page
from dcim.power import RackBudget
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.holdings import Holding, held_racks, netbox_tenant_of
from dcim.readmodel.power_orders import RackRow, is_supply_row, power_order_book, rack_rows, with_orders
from dcim.readmodel.schemas import (
    FeedView,
    Freshness,
    PlantResult,
    PowerBudget,
    RackDetail,
    RackSummary,
    RackUtilization,
    TenantRef,
    TenantUsage,
    UnitState,
    UnitView,
    UtilizationReport,
)
from dcim.readmodel.units import BOTH, FREE, OCCUPIED, RESERVED
from dcim.readmodel.webhook_health import last_known_status
from dcim.tables import (
    PlantDevice,
    PlantPowerFeed,
    PlantPowerPort,
    PlantRack,
    PlantReservation,
    PlantSite,
    PlantTenant,
)
from tenants.scope import tenant_filter
from tenants.tables import Tenant

STATE_NAMES: dict[str, UnitState] = {FREE: "free", OCCUPIED: "occupied", RESERVED: "reserved",
                                     BOTH: "reserved_occupied"}
MAX_LIMIT = 500
RACK_KEYS = Keyset("racks", (str, int))


def rack_key(row: dict[str, Any]) -> Key:
    return row["name"], row["netbox_id"]


def freshness(synced_at: datetime | str | None, *, now: datetime | None = None) -> Freshness:
    hooks = last_known_status()
    if synced_at is None:
        return Freshness(synced_at=None, data_age_seconds=None, webhooks=hooks)
    if isinstance(synced_at, str):  # SQLite returns aggregates over timestamps as text
        synced_at = datetime.fromisoformat(synced_at)
    if synced_at.tzinfo is None:
        synced_at = synced_at.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - synced_at).total_seconds()
    return Freshness(synced_at=synced_at, data_age_seconds=round(max(0.0, age), 3), webhooks=hooks)


async def caller_netbox_tenant(principal: Principal, *, cache: ReadModelCache) -> int | None:
    """The NetBox tenant a tenant caller maps to (facility keys: None = everyone).

    A tenant whose NetBox tenant is not linked yet holds nothing: -1 matches no row.
    """
    if principal.is_facility:
        return None

    async def load() -> int | None:
        # Built only on a cache miss (a piccolo WHERE per request was ~2 % of a rack read). A
        # tenant role without a tenant is refused here every time: its load never succeeds, so
        # nothing is cached under its key.
        where = tenant_filter(principal, Tenant.id)
        assert where is not None  # facility callers returned above; a tenant caller always has a filter
        row = await Tenant.select(Tenant.netbox_tenant_id).where(where).first()
        return row["netbox_tenant_id"] if row else None

    linked = await cache.tenant_link(("tenant", principal.tenant_id), load)
    return linked if linked is not None else -1


async def site_names(generation: int, *, cache: ReadModelCache) -> dict[int, str]:
    """NetBox site id → name (a handful of rows, cached per read-model generation)."""
    async def load() -> dict[int, str]:
        return {s["netbox_id"]: s["name"] for s in await PlantSite.select(PlantSite.netbox_id, PlantSite.name)}

    return await cache.get(("site-names",), load, generation=generation)


def _my_units(rack: RackRow, holding: Holding | None) -> list[int]:
    if holding is None:
        return []
    return holding.units(starting_unit=rack.starting_unit, u_height=rack.u_height)


def _budget(rack: RackRow) -> PowerBudget:
    budget = rack.budget
    return PowerBudget(nominal_va=budget.nominal_va, sellable_va=budget.sellable_va,
                       committed_va=budget.committed_va, free_va=budget.free_va,
                       redundant=budget.redundant, utilization=budget.utilization)


def _summary(rack: RackRow, now: datetime, my_units: list[int] | None, sites: dict[int, str]) -> RackSummary:
    return RackSummary(
        netbox_id=rack.netbox_id, name=rack.name, site_id=rack.site_id,
        site=sites.get(rack.site_id, ""), hall=rack.hall,
        row=rack.row, status=rack.status, u_height=rack.u_height, free_units=rack.free_units,
        max_free_run=rack.max_free_run, occupied_units=rack.occupied_units,
        reserved_units=rack.reserved_units, power=_budget(rack),
        freshness=freshness(rack.synced_at, now=now),
        my_units=sorted(my_units) if my_units is not None else None,
    )


async def list_racks(
    *, principal: Principal, site_id: int | None = None, hall: str | None = None,
    row: str | None = None, status: str | None = None, min_free_units: int | None = None,
    tenant_id: UUID | None = None, page: PageRequest, cache: ReadModelCache,
) -> PlantResult[RackSummary]:
    """Racks the caller may see, filtered, by name then NetBox id (names repeat across sites);
    `tenant_id` (staff only) = racks that Colo tenant holds."""
    if not 1 <= page.limit <= MAX_LIMIT:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_LIMIT}")
    mine = await caller_netbox_tenant(principal, cache=cache)
    if mine is not None and tenant_id is not None:
        raise ValidationFailed("tenant_id", "only staff may filter by tenant")
    holder = mine
    if tenant_id is not None:  # a Colo tenant id, like every other list; unlinked: holds nothing
        holder = await netbox_tenant_of(tenant_id) or -1
    generation = await cache.generation()
    held = await held_racks(holder, cache=cache, generation=generation) if holder is not None else None
    query = PlantRack.select().order_by(PlantRack.name)
    conditions = []
    if held is not None:
        conditions.append(PlantRack.netbox_id.is_in(sorted(held) or [-1]))
    for column, value in ((PlantRack.site_id, site_id), (PlantRack.hall, hall), (PlantRack.row, row),
                          (PlantRack.status, status)):
        if value is not None:
            conditions.append(column == value)
    if min_free_units is not None:
        conditions.append(PlantRack.free_units >= min_free_units)
    for condition in conditions:
        query = query.where(condition)
    key = ("racks", holder, site_id, hall, row, status, min_free_units)
    rows = await cache.get(key, lambda: query.run(), generation=generation)
    now = datetime.now(UTC)
    cut = slice_page(rows, key=rack_key, keyset=RACK_KEYS, page=page)
    chosen = await with_orders(cut.items, cache=cache, generation=generation)
    sites = await site_names(generation, cache=cache)
    items = [_summary(r, now, _my_units(r, held.get(r.netbox_id)) if mine is not None and held is not None
                      else None, sites) for r in chosen]
    oldest = min((r["synced_at"] for r in rows), default=None)
    return PlantResult(items, cut.next_key, RACK_KEYS, count=len(rows), freshness=freshness(oldest, now=now))


@dataclass(frozen=True, slots=True)
class _RackBundle:
    """The rows a rack view is drawn from (cached per generation); holders and occupants: staff only."""

    rack: dict[str, Any]  # the dcim_rack row: a RackRow, with Colo's power orders, per request
    feeds: list[dict[str, Any]]
    holders: dict[int, TenantRef] = field(default_factory=dict)  # unit → who reserved it
    occupants: dict[int, str] = field(default_factory=dict)  # unit → the device in it


async def _rack_bundle(rack_id: int, *, staff: bool) -> _RackBundle | None:
    rack = await PlantRack.select().where(PlantRack.netbox_id == rack_id).first()
    if rack is None:
        return None
    feeds = await PlantPowerFeed.select().where(PlantPowerFeed.rack_id == rack_id).order_by(PlantPowerFeed.name)
    bundle = _RackBundle(rack=rack, feeds=feeds)
    if not staff:
        return bundle
    names = {t["netbox_id"]: t["name"] for t in await PlantTenant.select(PlantTenant.netbox_id, PlantTenant.name)}
    for res in await PlantReservation.select(PlantReservation.units, PlantReservation.tenant_id).where(
            PlantReservation.rack_id == rack_id).output(load_json=True):
        if res["tenant_id"] is not None:
            ref = TenantRef(res["tenant_id"], names.get(res["tenant_id"], ""))
            bundle.holders.update({u: ref for u in res["units"]})
    for dev in await PlantDevice.select(PlantDevice.name, PlantDevice.position, PlantDevice.u_height).where(
            PlantDevice.rack_id == rack_id):
        if dev["position"] is None or dev["u_height"] <= 0:
            continue
        for unit in range(int(dev["position"]), int(dev["position"] + dev["u_height"] + 0.5)):
            bundle.occupants.setdefault(unit, dev["name"])
    return bundle


async def rack_detail(*, principal: Principal, rack_id: int, cache: ReadModelCache) -> RackDetail:
    mine = await caller_netbox_tenant(principal, cache=cache)
    generation = await cache.generation()
    # The whole view is one cache entry per caller's NetBox tenant and generation: only its
    # freshness (the data's age, now) is drawn per request. A rack the caller does not hold is
    # the same answer as a missing one, and that answer is cached too.
    drawn = await cache.get(("rack-view", rack_id, mine),
                            lambda: _draw_rack(rack_id, mine=mine, cache=cache, generation=generation),
                            generation=generation)
    if drawn is None:
        raise NotFound("rack", rack_id)
    fresh = freshness(drawn.freshness.synced_at)
    return msgspec.structs.replace(drawn, rack=msgspec.structs.replace(drawn.rack, freshness=fresh), freshness=fresh)


async def _draw_rack(rack_id: int, *, mine: int | None, cache: ReadModelCache,
                     generation: int) -> RackDetail | None:
    """The rack view as of one generation for one caller's NetBox tenant (None: staff); its
    freshness is the draw's, replaced per request."""
    staff = mine is None
    holding: Holding | None = None
    if mine is not None:
        holding = (await held_racks(mine, cache=cache, generation=generation)).get(rack_id)
        if holding is None:  # a rack it does not hold: the same answer as a missing one
            return None
    bundle = await _rack_bundle(rack_id, staff=staff)
    if bundle is None:
        return None
    rack = (await with_orders([bundle.rack], cache=cache, generation=generation))[0]
    holders, occupants = bundle.holders, bundle.occupants
    my_units = _my_units(rack, holding)
    mine_set = set(my_units)
    units = [UnitView(unit=unit, state=STATE_NAMES[char],
                      mine=unit in mine_set, tenant=holders.get(unit), device=occupants.get(unit))
             for unit, char in zip(range(rack.starting_unit, rack.starting_unit + len(rack.unit_states)),
                                   rack.unit_states, strict=True)]
    units.reverse()
    now = datetime.now(UTC)
    return RackDetail(
        rack=_summary(rack, now, my_units if not staff else None, await site_names(generation, cache=cache)),
        units=units,
        feeds=[FeedView(netbox_id=f["netbox_id"], name=f["name"], side=f["side"], status=f["status"],
                        phase=f["phase"], voltage=f["voltage"], amperage=f["amperage"],
                        max_utilization=f["max_utilization"], nominal_va=f["nominal_va"],
                        available_va=f["available_va"], allocated_w=f["allocated_w"],
                        tenant_circuit=bool(f["colo_order_id"]))
               # A tenant sees the rack's supply and its own circuits, never another tenant's.
               for f in bundle.feeds if staff or not f["colo_order_id"] or f["tenant_id"] == mine],
        freshness=freshness(rack.synced_at, now=now),
    )


async def utilization(*, principal: Principal, hall: str | None = None,
                      site_id: int | None = None, cache: ReadModelCache) -> UtilizationReport:
    """Per rack: derated capacity vs committed load, and each tenant's share (ops) or the
    caller's own share (tenants). Only racks the caller may see. One generation for the whole
    report: the racks' budgets and the tenants' shares take Colo's power orders from one book."""
    mine = await caller_netbox_tenant(principal, cache=cache)
    generation = await cache.generation()
    held = await held_racks(mine, cache=cache, generation=generation) if mine is not None else None
    query = PlantRack.select().where(PlantRack.status == "active").order_by(PlantRack.name)
    if held is not None:
        query = query.where(PlantRack.netbox_id.is_in(sorted(held) or [-1]))
    if hall is not None:
        query = query.where(PlantRack.hall == hall)
    if site_id is not None:
        query = query.where(PlantRack.site_id == site_id)
    book = await power_order_book(cache=cache, generation=generation)
    racks = rack_rows(await query, book)
    ids = [r.netbox_id for r in racks] or [-1]
    # Committed load by tenant, as dcim.power sums it: the draw of power ports plugged into a rack's
    # supply feeds (by their device's tenant) and Colo's power orders (by the ordering tenant).
    feed_rack = {f["netbox_id"]: f["rack_id"] for f in await PlantPowerFeed.select().where(
        PlantPowerFeed.rack_id.is_in(ids)) if is_supply_row(f)}
    ports = await PlantPowerPort.select(PlantPowerPort.device_id, PlantPowerPort.feed_id,
                                        PlantPowerPort.allocated_draw).where(
        PlantPowerPort.feed_id.is_in(sorted(feed_rack) or [-1]))
    device_tenant = {d["netbox_id"]: d["tenant_id"] for d in await PlantDevice.select(
        PlantDevice.netbox_id, PlantDevice.tenant_id).where(
        PlantDevice.netbox_id.is_in(sorted({p["device_id"] for p in ports}) or [-1]))}
    committed: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for port in ports:
        committed[feed_rack[port["feed_id"]]][device_tenant.get(port["device_id"])] += port["allocated_draw"]
    for (rack_id, tenant), watts in book.on_racks(ids).items():
        committed[rack_id][tenant] += watts
    reserved: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for res in await PlantReservation.select(PlantReservation.rack_id, PlantReservation.tenant_id,
                                             PlantReservation.units).where(
            PlantReservation.rack_id.is_in(ids)).output(load_json=True):
        reserved[res["rack_id"]][res["tenant_id"]] += len(res["units"])
    names = {t["netbox_id"]: t["name"] for t in await PlantTenant.select(PlantTenant.netbox_id, PlantTenant.name)}
    sites = await site_names(generation, cache=cache)
    out = []
    for rack in racks:
        rid = rack.netbox_id
        holders = set(committed[rid]) | set(reserved[rid])
        if mine is not None:
            holders = {mine}
        tenants = [TenantUsage(
            tenant=TenantRef(t, names.get(t, "")) if mine is None and t is not None else None,
            reserved_units=reserved[rid].get(t, 0), committed_va=committed[rid].get(t, 0),
        ) for t in sorted(holders, key=lambda x: (x is None, x or 0))]
        out.append(RackUtilization(
            netbox_id=rid, name=rack.name, site=sites.get(rack.site_id, ""), hall=rack.hall,
            nominal_va=rack.power_nominal_va,
            derated_va=rack.power_sellable_va, committed_va=rack.power_committed_va,
            available_va=rack.power_free_va, tenants=tenants,
        ))
    total = RackBudget(sum(r.nominal_va for r in out), sum(r.derated_va for r in out),
                       sum(r.committed_va for r in out), all(x.power_redundant for x in racks))
    now = datetime.now(UTC)
    return UtilizationReport(
        racks=out, totals=PowerBudget(total.nominal_va, total.sellable_va, total.committed_va,
                                      total.free_va, total.redundant, total.utilization),
        freshness=freshness(min((r.synced_at for r in racks), default=None), now=now),
    )
