"""A hall as the ops capacity map draws it: every rack a cell, row by row, coloured by its free
units, with a bar for the power headroom of each feed side (A above B, web/power_sides.py), lit
when a capacity search placed something in it.

Why a module of its own: the map must show exactly the figures GET /v1/racks answers (the read
model's rack rows with Colo's power orders committed, dcim.readmodel.views.list_racks), and at
2,000 racks it must stay cheap: the hall's racks are read through list_racks (one cached query per
read-model generation, in pages of its largest size) and the site's halls by one small cached
query, so only the hall drawn becomes RackSummary structs; the feeds of the hall's racks, for the
A and B figures, are one more query per hall (cached per read-model generation). Geometry is
computed here, so the template only places rectangles (no style attributes: the portal's CSP).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from colo.identity import Principal
from colo.paging import PageRequest
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.schemas import CapacityAnswer, RackSummary
from dcim.readmodel.views import MAX_LIMIT, list_racks
from dcim.tables import PlantPowerFeed, PlantRack
from web.i18n import marker as _
from web.power_sides import SideBar, of_feed_rows

FreeClass = Literal["free-none", "free-low", "free-some", "free-most"]

CELL_W = 110  # one rack's cell (viewBox units = CSS pixels: the map scrolls in its frame)
CELL_H = 58
GAP = 8
ROW_LABEL_W = 120  # the row names' column
BAR_H = 7  # a feed side's power headroom bar (A, then B under it, below the rack's name)
BAR_TOP = 36  # the A bar's top in the cell; the B bar's is BAR_TOP + BAR_H + BAR_GAP
BAR_GAP = 3
BAR_LEFT = 16  # room for the side's letter
LETTER_DX = 5 - BAR_LEFT  # the letter's x from its bar's left end (the bar's group is translated)

# Free units as a share of the rack's height: the map's four colours, with the legend's words.
FREE_CLASSES: tuple[tuple[FreeClass, str], ...] = (
    ("free-none", _("No free units")),
    ("free-low", _("Under a quarter free")),
    ("free-some", _("A quarter to three quarters free")),
    ("free-most", _("Over three quarters free")),
)
FILL: dict[FreeClass, str] = {"free-none": "#4a5563", "free-low": "#f6c453", "free-some": "#9fd8b0",
                              "free-most": "#e8f6ec"}
INK: dict[FreeClass, str] = {"free-none": "#ffffff", "free-low": "#1b1f24", "free-some": "#1b1f24",
                             "free-most": "#1b1f24"}


def free_class(free_units: int, u_height: int) -> FreeClass:
    """The colour of a rack with `free_units` of `u_height` free (tests compute it from the API)."""
    if free_units <= 0 or u_height <= 0:
        return "free-none"
    share = free_units / u_height
    return "free-low" if share < 0.25 else "free-some" if share <= 0.75 else "free-most"


def headroom_percent(free_va: int, sellable_va: int) -> int:
    """Free power as a whole percentage of the sellable budget (0 without a supply)."""
    if sellable_va <= 0:
        return 0
    return max(0, min(100, round(100 * free_va / sellable_va)))


@dataclass(frozen=True, slots=True)
class Cell:
    rack: RackSummary
    x: int
    y: int
    free_class: FreeClass
    headroom: int  # percent of the sellable power still free
    rank: int | None  # 1 = the search's best fit; None when the search did not place anything here
    sides: tuple[SideBar, ...] = ()  # A and B (none when the feeds were not read)

    @property
    def bar_w(self) -> int:
        return round((CELL_W - 8) * self.headroom / 100)

    @property
    def side_bars(self) -> list[SideGeometry]:
        """Where each side's bar goes: the frame (full width) and the free part filled."""
        width = CELL_W - BAR_LEFT - 4
        return [SideGeometry(side=side, x=self.x + BAR_LEFT, y=self.y + BAR_TOP + index * (BAR_H + BAR_GAP),
                             width=width, filled=round(width * side.headroom / 100))
                for index, side in enumerate(self.sides)]


@dataclass(frozen=True, slots=True)
class SideGeometry:
    side: SideBar
    x: int
    y: int
    width: int
    filled: int


@dataclass(frozen=True, slots=True)
class MapRow:
    name: str
    y: int
    cells: list[Cell]


@dataclass(frozen=True, slots=True)
class HallMap:
    site: str
    hall: str
    rows: list[MapRow]
    width: int
    height: int
    counts: dict[FreeClass, int]
    lit: int  # cells the search lit

    @property
    def racks(self) -> int:
        return sum(len(row.cells) for row in self.rows)


async def site_halls(*, site_id: int, cache: ReadModelCache) -> list[str]:
    """The halls of a site that have racks (one small query, cached per read-model generation)."""
    async def load() -> list[str]:
        rows = await PlantRack.select(PlantRack.hall).where(PlantRack.site_id == site_id).distinct()
        return sorted(str(row["hall"]) for row in rows)

    return await cache.get(("ops-map-halls", site_id), load, generation=await cache.generation())


async def hall_racks(*, principal: Principal, site_id: int, hall: str, cache: ReadModelCache) -> list[RackSummary]:
    """Every rack of a hall, as GET /v1/racks?site_id=&hall= pages through them (one cached query)."""
    racks: list[RackSummary] = []
    request = PageRequest(limit=MAX_LIMIT)
    while True:
        result = await list_racks(principal=principal, site_id=site_id, hall=hall, page=request, cache=cache)
        racks.extend(result.items)
        if result.next_key is None:
            return racks
        request = PageRequest(limit=MAX_LIMIT, after=result.next_key)


async def hall_sides(racks: list[RackSummary], *, site_id: int, hall: str,
                     cache: ReadModelCache) -> dict[int, tuple[SideBar, ...]]:
    """Each rack's A and B side (rack id → bars), from the hall's feeds and the racks' committed
    load as list_racks answered it: one query, the bars cached per read-model generation (the
    racks' committed load, Colo's orders included, changes only with it)."""
    async def load() -> dict[int, tuple[SideBar, ...]]:
        by_rack: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if racks:
            for row in await PlantPowerFeed.select(
                    PlantPowerFeed.netbox_id, PlantPowerFeed.rack_id, PlantPowerFeed.side, PlantPowerFeed.status,
                    PlantPowerFeed.nominal_va, PlantPowerFeed.available_va, PlantPowerFeed.allocated_w,
                    PlantPowerFeed.colo_order_id).where(PlantPowerFeed.rack_id.is_in([r.netbox_id for r in racks])):
                by_rack[int(row["rack_id"])].append(row)
        return {rack.netbox_id: tuple(of_feed_rows(by_rack.get(rack.netbox_id, []),
                                                   committed_va=rack.power.committed_va)) for rack in racks}

    return await cache.get(("ops-map-sides", site_id, hall), load, generation=await cache.generation())


def draw(racks: list[RackSummary], *, hall: str, site: str, answer: CapacityAnswer | None,
         sides: Mapping[int, tuple[SideBar, ...]] | None = None) -> HallMap:
    """The hall's racks placed row by row (rows and racks by name), lit where `answer` placed,
    each with its A and B bars when `sides` has them."""
    ranks: dict[int, int] = {}
    for index, placement in enumerate(answer.placements if answer else [], start=1):
        ranks.setdefault(placement.rack_id, index)
    by_row: dict[str, list[RackSummary]] = defaultdict(list)
    for rack in racks:
        if rack.hall == hall:
            by_row[rack.row].append(rack)
    rows: list[MapRow] = []
    counts: dict[FreeClass, int] = {name: 0 for name, _label in FREE_CLASSES}
    widest = 0
    for index, name in enumerate(sorted(by_row)):
        y = GAP + index * (CELL_H + GAP)
        cells: list[Cell] = []
        for column, rack in enumerate(sorted(by_row[name], key=lambda r: (r.name, r.netbox_id))):
            kind = free_class(rack.free_units, rack.u_height)
            counts[kind] += 1
            cells.append(Cell(rack=rack, x=ROW_LABEL_W + column * (CELL_W + GAP), y=y, free_class=kind,
                              headroom=headroom_percent(rack.power.free_va, rack.power.sellable_va),
                              rank=ranks.get(rack.netbox_id), sides=(sides or {}).get(rack.netbox_id, ())))
        widest = max(widest, len(cells))
        rows.append(MapRow(name=name, y=y, cells=cells))
    return HallMap(site=site, hall=hall, rows=rows, width=ROW_LABEL_W + max(1, widest) * (CELL_W + GAP),
                   height=GAP + max(1, len(rows)) * (CELL_H + GAP), counts=counts,
                   lit=sum(1 for row in rows for cell in row.cells if cell.rank is not None))
