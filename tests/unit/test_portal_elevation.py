"""The portal's rack drawing (web/elevation.py) from a read-model rack detail: a tenant's own
units are its, every other taken unit is only "occupied" and carries no name, runs are merged
top first, and staff see the names the read model gives them. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

from dcim.readmodel.schemas import Freshness, PowerBudget, RackDetail, RackSummary, TenantRef, UnitView
from web.dashboard import PowerBar
from web.elevation import elevation, unit_ranges

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _detail(units: list[UnitView]) -> RackDetail:
    fresh = Freshness(synced_at=NOW, data_age_seconds=1.0)
    budget = PowerBudget(nominal_va=3680, sellable_va=2944, committed_va=400, free_va=2544, redundant=True,
                         utilization=0.1359)
    rack = RackSummary(netbox_id=7, name="R7", site_id=1, site="DC", hall="H1", row="", status="active",
                       u_height=len(units), free_units=0, max_free_run=0, occupied_units=0, reserved_units=0,
                       power=budget, freshness=fresh, my_units=[])
    return RackDetail(rack=rack, units=sorted(units, key=lambda u: -u.unit), feeds=[], freshness=fresh)


def test_a_tenants_drawing_names_only_its_own_units() -> None:
    units = [UnitView(unit=1, state="reserved", mine=True), UnitView(unit=2, state="reserved_occupied", mine=True),
             UnitView(unit=3, state="occupied"), UnitView(unit=4, state="reserved"), UnitView(unit=5, state="free"),
             UnitView(unit=6, state="free")]
    drawing = elevation(_detail(units))
    assert [(r.first, r.last, r.kind) for r in drawing.runs] == [
        (5, 6, "free"), (3, 4, "occupied"), (2, 2, "mine"), (1, 1, "mine")]
    assert [r.detail for r in drawing.runs] == ["", "", "your equipment", "reserved for you"]
    assert drawing.counts == {"free": 2, "mine": 2, "occupied": 2}
    assert drawing.mine_units == [1, 2]
    assert [row.unit for row in drawing.rows] == [6, 5, 4, 3, 2, 1]  # top first, like a printed elevation
    assert drawing.runs[0].y == 0 and drawing.runs[-1].y == 5 * drawing.unit_px


def test_staff_see_the_names_the_read_model_gives_them() -> None:
    acme = TenantRef(netbox_id=3, name="Acme Bank")
    units = [UnitView(unit=1, state="reserved_occupied", tenant=acme, device="acme-fw"),
             UnitView(unit=2, state="reserved_occupied", tenant=acme, device="acme-fw"),
             UnitView(unit=3, state="occupied", device="core-sw")]
    drawing = elevation(_detail(units), small=True)
    assert [(r.first, r.last, r.detail) for r in drawing.runs] == [(3, 3, "core-sw"), (1, 2, "Acme Bank · acme-fw")]
    assert drawing.label_px == 0 and drawing.height == 3 * drawing.unit_px


def test_unit_ranges_and_power_bars() -> None:
    assert unit_ranges([1, 2, 3, 7, 9, 10]) == "U1\u2013U3, U7, U9\u2013U10"
    assert unit_ranges([]) == ""
    bar = PowerBar.of(PowerBudget(nominal_va=3680, sellable_va=2944, committed_va=400, free_va=2544, redundant=True,
                                  utilization=0.1359))
    assert (bar.sellable_va, bar.committed_va, bar.free_va, bar.percent, bar.over) == (2944, 400, 2544, 14, False)
    over = PowerBar.of(PowerBudget(nominal_va=0, sellable_va=1000, committed_va=1500, free_va=0, redundant=False,
                                   utilization=1.5))
    assert (over.percent, over.over) == (100, True)
    none = PowerBar.of(PowerBudget(nominal_va=0, sellable_va=0, committed_va=0, free_va=0, redundant=False,
                                   utilization=0.0))
    assert none.percent == 0
