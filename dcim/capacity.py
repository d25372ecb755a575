"""Capacity search: where do N contiguous units with X kW (A/B) and K free meet-me-room ports fit?

Answers come from the read model and Colo's own power orders. Only racks the buyer may be sold
(dcim.sales: not another tenant's, not a house role, a sellable status — the rule space orders
apply too) are candidates. The database narrows racks by indexed summary columns (status, longest
free run, free power); Python then picks each rack's tightest free run — the run an order placed
from this answer reserves (dcim.readmodel.units.tightest_run) — and ranks. Ranking prefers a
tight fit, so large runs stay whole for large orders:

    score = (free run - N) / N  +  (power free - requested) / power sellable

lower is better; racks holding the facility's own kit (devices with no tenant) rank after every
other rack, and ties go to the rack name. Power free is the one power model's (dcim.power): the
read model's figure less Colo's power orders on the rack (the generation's cached power-order
book, dcim.readmodel.power_orders). The whole search is a handful of queries.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from piccolo.query import OrderByRaw, Select
from piccolo.query.functions.aggregate import Min

from colo.errors import ValidationFailed
from dcim.power import kw_to_w
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.power_orders import RackRow, power_order_book, rack_columns, rack_rows
from dcim.readmodel.schemas import CapacityAnswer, CapacityQuery, Placement
from dcim.readmodel.units import free_runs, tightest_run
from dcim.readmodel.views import freshness, site_names
from dcim.sales import SaleRules
from dcim.tables import PlantDevice, PlantPort, PlantRack

SEARCH_BATCH = 500

# Free cage-side front ports in meet-me rooms, by the hall their trunk leads to and media:
# front port → its rear port → the rear port at the trunk's other end → that panel's hall.
MMR_FREE_PORTS_SQL = """
SELECT zone.location_id AS hall_id, mmr.media AS media, COUNT(*) AS free_ports
FROM dcim_port f
JOIN dcim_device mmr ON mmr.netbox_id = f.device_id
JOIN dcim_location room ON room.netbox_id = mmr.location_id
JOIN dcim_port r ON r.netbox_id = f.rear_port_id AND r.kind = 'rear'
JOIN dcim_port zr ON zr.netbox_id = r.peer_port_id AND zr.kind = 'rear'
JOIN dcim_device zone ON zone.netbox_id = zr.device_id
WHERE f.kind = 'front' AND f.cable_id IS NULL AND room.is_meet_me_room
  AND mmr.role = 'patch-panel' AND mmr.tenant_id IS NULL
GROUP BY zone.location_id, mmr.media
"""


async def mmr_free_ports() -> dict[int, dict[str, int]]:
    """hall location id → media → free meet-me-room ports serving that hall."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for row in await PlantPort.raw(MMR_FREE_PORTS_SQL):
        if row["hall_id"] is not None:
            out[row["hall_id"]][row["media"] or ""] = int(row["free_ports"])
    return out


def best_run(states: str, starting_unit: int, units: int) -> tuple[int, int] | None:
    """The tightest free run that holds `units`: (first unit, run length), bottom-most on ties."""
    return tightest_run(free_runs(states, starting_unit), units)


# facility, score, name, id, first unit, run length, free ports, rack
Scored = tuple[bool, float, str, int, int, int, int, RackRow]


def _power_term(rack: RackRow, need_va: int) -> float:
    return (rack.power_free_va - need_va) / (rack.power_sellable_va or 1)


def score_rack(rack: RackRow, *, units: int, need_va: int, free_ports: int,
               facility: bool = False) -> Scored | None:
    run = best_run(rack.unit_states, rack.starting_unit, units)
    if run is None or rack.power_free_va < need_va:
        return None
    score = (run[1] - units) / units + _power_term(rack, need_va)
    return (facility, score, rack.name, rack.netbox_id, run[0], run[1], free_ports, rack)


def _key(item: Scored) -> tuple[bool, float, str]:
    return item[0], item[1], item[2]


def _placement(item: Scored, units: int, sites: dict[int, str] | None = None) -> Placement:
    facility, score, _name, _id, first, length, free_ports, rack = item
    return Placement(
        rack_id=rack.netbox_id, rack=rack.name, hall=rack.hall, row=rack.row,
        first_unit=first, last_unit=first + units - 1, free_run=length,
        power_free_va=rack.power_free_va, mmr_free_ports=free_ports, score=round(score, 4),
        facility=facility,
        site=(sites or {}).get(rack.site_id or 0, ""),
    )


def _free_ports_by_hall(ports: dict[int, dict[str, int]], media: str | None) -> dict[int, int]:
    return {hall: (by_media.get(media, 0) if media else sum(by_media.values())) for hall, by_media in ports.items()}


def rank(racks: Sequence[RackRow], *, units: int, need_va: int,
         ports: dict[int, dict[str, int]], need_ports: int, media: str | None,
         limit: int) -> list[Placement]:
    """Pure ranking of candidate racks."""
    by_hall = _free_ports_by_hall(ports, media)
    scored = []
    for rack in racks:
        free_ports = by_hall.get(rack.location_id or -1, 0)
        if free_ports >= need_ports and (item := score_rack(rack, units=units, need_va=need_va,
                                                             free_ports=free_ports)):
            scored.append(item)
    return [_placement(item, units) for item in heapq.nsmallest(limit, scored, key=_key)]


def _candidates(query: CapacityQuery, *, need_va: int, rules: SaleRules, buyer: int | None,
                halls: list[int] | None) -> Select[PlantRack]:
    """A fresh query (Piccolo's where() mutates) over the racks this buyer may be sold."""
    candidates = PlantRack.select(*rack_columns()).where(
        PlantRack.status.is_in(sorted(rules.statuses) or [""]), PlantRack.max_free_run >= query.units,
        PlantRack.power_free_va >= need_va)
    if rules.unsellable_roles:
        candidates = candidates.where(PlantRack.role.not_in(sorted(rules.unsellable_roles)))
    owned = PlantRack.tenant_id.is_null()
    candidates = candidates.where(owned | (PlantRack.tenant_id == buyer) if buyer is not None else owned)
    if halls is not None:
        candidates = candidates.where(PlantRack.location_id.is_in(halls or [-1]))
    if query.redundant:
        candidates = candidates.where(PlantRack.power_redundant == True)  # noqa: E712 - SQL
    if query.site_id is not None:
        candidates = candidates.where(PlantRack.site_id == query.site_id)
    if query.hall is not None:
        candidates = candidates.where(PlantRack.hall == query.hall)
    return candidates


async def facility_racks() -> set[int]:
    """Racks holding the facility's own rack-mounted kit (a device with no tenant)."""
    rows = await PlantDevice.select(PlantDevice.rack_id).where(
        PlantDevice.tenant_id.is_null(), PlantDevice.rack_id.is_not_null(),
        PlantDevice.position.is_not_null()).distinct()
    return {r["rack_id"] for r in rows}


async def search(*, query: CapacityQuery, rules: SaleRules, buyer: int | None,
                 cache: ReadModelCache) -> CapacityAnswer:
    """Ranked placements across the site(s) for one request, among the racks `buyer` (a NetBox
    tenant id; None: no tenant, as for ops) may be sold.

    Racks without Colo power orders are read in batches ordered by their power term, which is a
    lower bound of their score (the space term is never negative): once the limit-th best is a
    non-facility rack scoring below the next batch's bound, no later rack can rank, and the search
    stops without reading the rest. Racks with Colo power orders (their free power is less than
    the read model's) are read in full first.
    """
    started = time.perf_counter()
    if query.mmr_ports == 0 and query.media is not None:
        raise ValidationFailed("media", "only meaningful together with mmr_ports > 0")
    need_va = kw_to_w(query.kw)
    by_hall: dict[int, int] = {}
    halls: list[int] | None = None
    if query.mmr_ports:
        # Halls without enough meet-me-room ports are dropped in SQL, before any rack is read.
        by_hall = _free_ports_by_hall(await mmr_free_ports(), query.media)
        halls = [hall for hall, free in by_hall.items() if free >= query.mmr_ports]
    generation = await cache.generation()
    book = await power_order_book(cache=cache, generation=generation)
    ordered = book.by_rack
    facility = await facility_racks()
    best: list[Scored] = []

    def consider(batch: list[RackRow]) -> None:
        nonlocal best
        for rack in batch:
            free_ports = by_hall.get(rack.location_id or -1, 0)
            item = score_rack(rack, units=query.units, need_va=need_va, free_ports=free_ports,
                              facility=rack.netbox_id in facility)
            if item is not None:
                best.append(item)
        best = heapq.nsmallest(query.limit, best, key=_key)

    considered = 0
    if ordered:
        batch = rack_rows(await _candidates(query, need_va=need_va, rules=rules, buyer=buyer, halls=halls).where(
            PlantRack.netbox_id.is_in(sorted(ordered))), book)
        considered += len(batch)
        consider(batch)
    candidates = _candidates(query, need_va=need_va, rules=rules, buyer=buyer, halls=halls)
    if ordered:
        candidates = candidates.where(PlantRack.netbox_id.not_in(sorted(ordered)))
    # need_va is an int computed here, never caller text: safe inside the ORDER BY expression.
    power_term = OrderByRaw(f"(power_free_va - {int(need_va)}) * 1.0 / "
                            "(CASE WHEN power_sellable_va > 0 THEN power_sellable_va ELSE 1 END)")
    candidates = candidates.order_by(power_term).order_by(PlantRack.name)
    offset = 0
    while True:
        batch = rack_rows(await candidates.limit(SEARCH_BATCH).offset(offset), book)  # none has orders
        considered += len(batch)
        consider(batch)
        if len(batch) < SEARCH_BATCH:
            break
        if len(best) >= query.limit and not best[-1][0] and best[-1][1] < _power_term(batch[-1], need_va):
            break
        offset += SEARCH_BATCH
    # The answer is as old as the oldest rack row it could have used.
    oldest = await PlantRack.select(Min(PlantRack.synced_at, alias="oldest")).first()
    sites = await site_names(generation, cache=cache)  # rack names repeat across sites
    return CapacityAnswer(
        placements=[_placement(item, query.units, sites) for item in best], considered_racks=considered,
        search_ms=round((time.perf_counter() - started) * 1000, 2),
        freshness=freshness(oldest["oldest"] if oldest else None, now=datetime.now(UTC)),
    )
