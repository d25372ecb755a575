"""Capacity search: where do N contiguous units with X kW (A/B) and K free meet-me-room ports fit?

Answers come from the read model only. The database narrows racks by indexed summary
columns (status, longest free run, free power); Python then picks each rack's tightest free
run and ranks. Ranking prefers a tight fit, so large runs stay whole for large orders:

    score = (free run - N) / N  +  (power free - requested) / power sellable

lower is better; ties go to the rack name. The whole search is a handful of queries.
"""

from __future__ import annotations

import heapq
import re
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from piccolo.query import OrderByRaw
from piccolo.query.functions.aggregate import Min

from colo.errors import ValidationFailed
from dcim.power import kw_to_va
from dcim.readmodel.schemas import CapacityAnswer, CapacityQuery, Placement
from dcim.readmodel.views import freshness
from dcim.tables import PlantPort, PlantRack

FREE_RUN = re.compile(r"\.+")
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
    best: tuple[int, int] | None = None
    for match in FREE_RUN.finditer(states):
        length = match.end() - match.start()
        if length >= units and (best is None or length < best[1]):
            best = (starting_unit + match.start(), length)
            if length == units:
                break
    return best


Scored = tuple[float, str, int, int, int, int, dict[str, Any]]  # score, name, id, first, run, ports, row


def _power_term(rack: dict[str, Any], need_va: int) -> float:
    return (rack["power_free_va"] - need_va) / (rack["power_sellable_va"] or 1)


def score_rack(rack: dict[str, Any], *, units: int, need_va: int, free_ports: int) -> Scored | None:
    run = best_run(rack["unit_states"], rack["starting_unit"], units)
    if run is None:
        return None
    score = (run[1] - units) / units + _power_term(rack, need_va)
    return (score, rack["name"], rack["netbox_id"], run[0], run[1], free_ports, rack)


def _placement(item: Scored, units: int) -> Placement:
    score, _name, _id, first, length, free_ports, rack = item
    return Placement(
        rack_id=rack["netbox_id"], rack=rack["name"], hall=rack["hall"], row=rack["row"],
        first_unit=first, last_unit=first + units - 1, free_run=length,
        power_free_va=rack["power_free_va"], mmr_free_ports=free_ports, score=round(score, 4),
    )


def _free_ports_by_hall(ports: dict[int, dict[str, int]], media: str | None) -> dict[int, int]:
    return {hall: (by_media.get(media, 0) if media else sum(by_media.values())) for hall, by_media in ports.items()}


def rank(racks: list[dict[str, Any]], *, units: int, need_va: int,
         ports: dict[int, dict[str, int]], need_ports: int, media: str | None,
         limit: int) -> list[Placement]:
    """Pure ranking of candidate racks (rows with unit_states and power columns)."""
    by_hall = _free_ports_by_hall(ports, media)
    scored = []
    for rack in racks:
        free_ports = by_hall.get(rack["location_id"] or -1, 0)
        if free_ports >= need_ports and (item := score_rack(rack, units=units, need_va=need_va,
                                                             free_ports=free_ports)):
            scored.append(item)
    return [_placement(item, units) for item in heapq.nsmallest(limit, scored, key=lambda x: x[:2])]


async def search(*, query: CapacityQuery) -> CapacityAnswer:
    """Ranked placements across the site(s) for one request.

    Candidates are read in batches ordered by their power term, which is a lower bound of their
    score (the space term is never negative): once the limit-th best score found is below the
    next batch's bound, no later rack can rank, and the search stops without reading the rest.
    """
    started = time.perf_counter()
    if query.mmr_ports == 0 and query.media is not None:
        raise ValidationFailed("media", "only meaningful together with mmr_ports > 0")
    need_va = kw_to_va(query.kw)
    candidates = PlantRack.select(
        PlantRack.netbox_id, PlantRack.name, PlantRack.hall, PlantRack.row, PlantRack.location_id,
        PlantRack.unit_states, PlantRack.starting_unit, PlantRack.power_free_va,
        PlantRack.power_sellable_va,
    ).where(PlantRack.status == "active", PlantRack.max_free_run >= query.units,
            PlantRack.power_free_va >= need_va)
    by_hall: dict[int, int] = {}
    if query.mmr_ports:
        # Halls without enough meet-me-room ports are dropped in SQL, before any rack is read.
        by_hall = _free_ports_by_hall(await mmr_free_ports(), query.media)
        halls = [hall for hall, free in by_hall.items() if free >= query.mmr_ports]
        candidates = candidates.where(PlantRack.location_id.is_in(halls or [-1]))
    if query.redundant:
        candidates = candidates.where(PlantRack.power_redundant == True)  # noqa: E712 - SQL
    if query.site_id is not None:
        candidates = candidates.where(PlantRack.site_id == query.site_id)
    if query.hall is not None:
        candidates = candidates.where(PlantRack.hall == query.hall)
    # need_va is an int computed here, never caller text: safe inside the ORDER BY expression.
    power_term = OrderByRaw(f"(power_free_va - {int(need_va)}) * 1.0 / "
                            "(CASE WHEN power_sellable_va > 0 THEN power_sellable_va ELSE 1 END)")
    candidates = candidates.order_by(power_term).order_by(PlantRack.name)
    best: list[Scored] = []
    considered, offset = 0, 0
    while True:
        batch = await candidates.limit(SEARCH_BATCH).offset(offset)
        considered += len(batch)
        for rack in batch:
            free_ports = by_hall.get(rack["location_id"] or -1, 0)
            item = score_rack(rack, units=query.units, need_va=need_va, free_ports=free_ports)
            if item is not None:
                best.append(item)
        best = heapq.nsmallest(query.limit, best, key=lambda x: x[:2])
        if len(batch) < SEARCH_BATCH:
            break
        if len(best) >= query.limit and best[-1][0] < _power_term(batch[-1], need_va):
            break
        offset += SEARCH_BATCH
    # The answer is as old as the oldest rack row it could have used.
    oldest = await PlantRack.select(Min(PlantRack.synced_at, alias="oldest")).first()
    return CapacityAnswer(
        placements=[_placement(item, query.units) for item in best], considered_racks=considered,
        search_ms=round((time.perf_counter() - started) * 1000, 2),
        freshness=freshness(oldest["oldest"] if oldest else None, now=datetime.now(UTC)),
    )
