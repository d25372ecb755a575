"""A rack's elevation as the portal draws it: the read model's units (dcim.readmodel.views
rack_detail, exactly what GET /v1/racks/{id} answers the same person) folded into runs a
template draws as inline SVG (web/templates/_elevation.html) and as a table.

Why a module of its own: the drawing must never show more than the API does. A tenant's units
arrive marked `mine`; every other taken unit — another tenant's reservation or device, or the
house's own kit — arrives without a name, and is drawn as "occupied", nothing more. Staff get
the holder's and the device's names from the read model, and see them. Geometry (unit height,
positions) is computed here, so the template only places rectangles; no style attributes
(the portal's CSP is `style-src 'self'`): fills come from classes in web/static/dashboard.css.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dcim.readmodel.schemas import RackDetail, UnitView
from web.i18n import marker as _

Kind = Literal["free", "mine", "occupied"]

UNIT_PX = 14  # one unit's height in the full drawing
SMALL_UNIT_PX = 4  # in the dashboard's small drawing
LABEL_PX = 28  # the unit-number column of the full drawing
WIDTH = 360  # the full drawing's width (viewBox units)
SMALL_WIDTH = 36

KIND_NAMES: dict[Kind, str] = {
    "free": _("Free"),
    "mine": _("Yours"),
    "occupied": _("Occupied"),
}
# What a unit of the viewer's own holds, from the read model's state.
MINE_DETAIL = {
    "reserved": _("reserved for you"),
    "occupied": _("your equipment"),
    "reserved_occupied": _("your equipment"),
    "free": _("yours"),  # a rack the company owns outright: every unit is its, even empty ones
}


@dataclass(frozen=True, slots=True)
class Run:
    """Adjacent units drawn as one block: the same kind and, for the viewer's own or for staff,
    the same name."""

    first: int  # lowest unit number
    last: int  # highest unit number
    kind: Kind
    detail: str  # a message id (MINE_DETAIL) or, for staff, the holder / device names ("" when none)
    y: int  # top of the block in the drawing
    height: int

    @property
    def units(self) -> int:
        return self.last - self.first + 1

    @property
    def label_y(self) -> int:
        return self.y + self.height // 2 + 4


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One unit for the table alternative, top unit first."""

    unit: int
    kind: Kind
    detail: str
    y: int  # top of the unit in the full drawing (unit numbers are drawn beside it)


@dataclass(frozen=True, slots=True)
class Elevation:
    rack_id: int
    name: str
    u_height: int
    unit_px: int
    width: int
    label_px: int
    runs: list[Run]
    rows: list[UnitRow]
    counts: dict[Kind, int]
    mine_units: list[int]

    @property
    def height(self) -> int:
        return self.u_height * self.unit_px

    @property
    def dom_id(self) -> str:
        return f"rack-{self.rack_id}-elevation"


def _kind(unit: UnitView) -> Kind:
    if unit.mine:
        return "mine"
    return "free" if unit.state == "free" else "occupied"


def _detail(unit: UnitView, kind: Kind) -> str:
    if kind == "mine":
        return MINE_DETAIL[unit.state]
    names = [n for n in ((unit.tenant.name if unit.tenant else ""), unit.device or "") if n]  # staff only
    return " · ".join(names)


def elevation(detail: RackDetail, *, small: bool = False) -> Elevation:
    """The drawing of one rack from its read-model detail (units top first, as the API lists them)."""
    unit_px = SMALL_UNIT_PX if small else UNIT_PX
    label_px = 0 if small else LABEL_PX
    units = detail.units
    rows: list[UnitRow] = []
    for index, unit in enumerate(units):
        kind = _kind(unit)
        rows.append(UnitRow(unit=unit.unit, kind=kind, detail=_detail(unit, kind), y=index * unit_px))
    runs: list[Run] = []
    start = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or (rows[index].kind, rows[index].detail) != (rows[start].kind, rows[start].detail):
            top, bottom = rows[start], rows[index - 1]
            runs.append(Run(first=bottom.unit, last=top.unit, kind=top.kind, detail=top.detail, y=top.y,
                            height=(index - start) * unit_px))
            start = index
    counts: dict[Kind, int] = {"free": 0, "mine": 0, "occupied": 0}
    for row in rows:
        counts[row.kind] += 1
    return Elevation(
        rack_id=detail.rack.netbox_id, name=detail.rack.name, u_height=len(rows), unit_px=unit_px,
        width=SMALL_WIDTH if small else WIDTH, label_px=label_px, runs=runs, rows=rows, counts=counts,
        mine_units=sorted(row.unit for row in rows if row.kind == "mine"),
    )


def unit_ranges(units: list[int]) -> str:
    """Unit ranges ("U1" + en dash + "U2, U7") for a sorted list of unit numbers."""
    parts: list[str] = []
    start = previous = None
    for unit in [*units, None]:
        if unit is not None and previous is not None and unit == previous + 1:
            previous = unit
            continue
        if start is not None and previous is not None:
            parts.append(f"U{start}" if start == previous else f"U{start}\u2013U{previous}")
        start = previous = unit
    return ", ".join(parts)
