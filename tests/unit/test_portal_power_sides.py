"""A rack's power per feed side (dcim.power.side_budgets, web/power_sides.py) and where the
capacity map draws each side's bar (web/hallmap.py): each side carries the rack's whole load, the
weaker side's free power is the rack's, tenant circuits and dead feeds are no supply, a side with
no live feed is drawn empty. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

from dcim.power import Feed, rack_budget, side_budgets
from dcim.readmodel.schemas import FeedView, Freshness, PowerBudget, RackSummary
from web.dashboard import PowerBar
from web.hallmap import BAR_GAP, BAR_H, BAR_LEFT, BAR_TOP, CELL_H, CELL_W, LETTER_DX, draw
from web.power_sides import bars, of_feed_rows, of_feed_views

A32 = Feed(1, "primary", nominal_va=7360, available_va=5888, allocated_w=300)
B16 = Feed(2, "redundant", nominal_va=3680, available_va=2944, allocated_w=100)


def test_each_side_carries_the_whole_load_and_the_weaker_is_the_racks() -> None:
    budget = rack_budget([A32, B16], ordered_w=1000)
    sides = side_budgets([A32, B16], committed_va=budget.committed_va)
    assert [(s.side, s.available_va, s.committed_va, s.free_va) for s in sides] == [
        ("primary", 5888, 1400, 4488), ("redundant", 2944, 1400, 1544)]
    assert min(s.free_va for s in sides) == budget.free_va


def test_circuits_and_dead_feeds_are_not_supply_and_a_missing_side_is_empty() -> None:
    circuit = Feed(3, "redundant", 3680, 2944, 0, circuit=True)
    offline = Feed(4, "redundant", 3680, 2944, 0, status="offline")
    sides = bars(side_budgets([A32, circuit, offline], committed_va=300))
    assert [(s.side, s.available_va, s.free_va, s.live, s.weaker) for s in sides] == [
        ("A", 5888, 5588, True, False), ("B", 0, 0, False, False)]
    assert sides[1].percent == 100 and sides[1].over and sides[1].headroom == 0


def test_bars_give_percentages_and_mark_the_weaker_side_only_when_they_differ() -> None:
    a, b = bars(side_budgets([A32, B16], committed_va=1472))
    assert (a.percent, a.headroom, a.weaker) == (25, 75, False)
    assert (b.percent, b.headroom, b.weaker) == (50, 50, True)
    same = bars(side_budgets([A32, Feed(5, "redundant", 7360, 5888, 0)], committed_va=0))
    assert [s.weaker for s in same] == [False, False]
    over = bars(side_budgets([A32, B16], committed_va=4000))[1]
    assert (over.over, over.free_va, over.percent, over.headroom) == (True, 0, 100, 0)


def test_feed_views_and_read_model_rows_give_the_same_sides() -> None:
    views = [FeedView(netbox_id=f.netbox_id, name=str(f.netbox_id), side=f.side, status="active",
                      phase="single-phase", voltage=230, amperage=16, max_utilization=80, nominal_va=f.nominal_va,
                      available_va=f.available_va, allocated_w=f.allocated_w) for f in (A32, B16)]
    rows = [{"netbox_id": f.netbox_id, "side": f.side, "nominal_va": f.nominal_va, "available_va": f.available_va,
             "allocated_w": f.allocated_w, "status": "active", "colo_order_id": ""} for f in (A32, B16)]
    assert of_feed_views(views, committed_va=400) == of_feed_rows(rows, committed_va=400)
    budget = PowerBudget(nominal_va=3680, sellable_va=2944, committed_va=400, free_va=2544, redundant=True,
                         utilization=0.1359)
    bar = PowerBar.of(budget, views)
    assert [(s.side, s.free_va) for s in bar.sides] == [("A", 5488), ("B", 2544)]
    assert PowerBar.of(budget).sides == ()  # without the feeds: the one bar, as before


def _rack(rack_id: int, name: str) -> RackSummary:
    budget = PowerBudget(nominal_va=3680, sellable_va=2944, committed_va=1472, free_va=1472, redundant=True,
                         utilization=0.5)
    return RackSummary(netbox_id=rack_id, name=name, site_id=1, site="DC", hall="H1", row="R1", status="active",
                       u_height=42, free_units=42, max_free_run=42, occupied_units=0, reserved_units=0,
                       power=budget, freshness=Freshness(synced_at=datetime(2026, 11, 30, tzinfo=UTC),
                                                         data_age_seconds=0.0))


def test_the_map_draws_a_above_b_inside_the_cell_filled_by_free_share() -> None:
    sides = {7: tuple(bars(side_budgets([A32, B16], committed_va=1472)))}
    hall = draw([_rack(7, "R7"), _rack(8, "R8")], hall="H1", site="DC", answer=None, sides=sides)
    with_sides, without = hall.rows[0].cells
    a, b = with_sides.side_bars
    assert (a.side.side, b.side.side) == ("A", "B")
    assert a.x == b.x == with_sides.x + BAR_LEFT and a.width == b.width == CELL_W - BAR_LEFT - 4
    assert a.y == with_sides.y + BAR_TOP and b.y == a.y + BAR_H + BAR_GAP
    assert (a.filled, b.filled) == (round(a.width * 0.75), round(b.width * 0.5))
    assert b.y + BAR_H <= with_sides.y + CELL_H and a.x + LETTER_DX > with_sides.x  # inside the cell
    assert without.sides == () and without.side_bars == []
