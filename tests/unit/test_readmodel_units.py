"""Folding NetBox devices (half-unit positions) and reservations into whole units."""

from __future__ import annotations

from datetime import UTC, datetime

from dcim.capacity import best_run, rank
from dcim.readmodel.power_orders import RackRow
from dcim.readmodel.units import counts, free_runs, max_free_run, unit_states


def test_devices_occupy_and_reservations_reserve_separately() -> None:
    states = unit_states(u_height=10, starting_unit=1, devices=[(1, 2), (5, 1)], reserved=[2, 3, 4])
    assert states[0] == "o" and states[1] == "x" and states[2:4] == "rr" and states[4] == "o"
    assert counts(states) == {"free": 5, "occupied": 3, "reserved": 3}


def test_half_unit_device_takes_both_units_it_touches() -> None:
    states = unit_states(u_height=4, starting_unit=1, devices=[(1.5, 1)], reserved=[])
    assert states == "oo.."


def test_zero_u_devices_take_no_units_and_out_of_range_reservations_are_ignored() -> None:
    states = unit_states(u_height=3, starting_unit=1, devices=[(1, 0)], reserved=[0, 4, 99])
    assert states == "..."


def test_starting_unit_offsets_every_unit() -> None:
    states = unit_states(u_height=3, starting_unit=10, devices=[(11, 1)], reserved=[12])
    assert states == ".or"
    assert free_runs(states, 10) == [(10, 1)]


def test_free_runs_and_longest_run() -> None:
    assert free_runs("..o...r.", 1) == [(1, 2), (4, 3), (8, 1)]
    assert max_free_run("..o...r.") == 3 and max_free_run("oooo") == 0


def test_best_run_is_the_tightest_that_fits() -> None:
    assert best_run("....o..o...", 1, 2) == (6, 2)
    assert best_run("....o..o...", 1, 3) == (9, 3)
    assert best_run("oo", 1, 1) is None


def _rack(name: str, states: str, free_va: int, hall: int = 1) -> RackRow:
    return RackRow(netbox_id=hash(name) % 1000, name=name, site_id=1, location_id=hall, hall="H", row="R",
                   status="active", u_height=len(states), starting_unit=1, unit_states=states, free_units=0,
                   max_free_run=0, occupied_units=0, reserved_units=0, power_nominal_va=3680,
                   power_sellable_va=2944, power_committed_va=2944 - free_va, power_free_va=free_va,
                   power_redundant=True, synced_at=datetime.now(UTC))


def test_rank_prefers_tight_space_then_tight_power_and_filters_ports() -> None:
    racks = [_rack("big", "." * 42, 2944), _rack("snug", "oo....oo", 2944),
             _rack("snug-less-power", "oo....oo", 2100), _rack("other-hall", "....", 2000, hall=2)]
    ports = {1: {"smf": 5}, 2: {"smf": 1}}
    ranked = rank(racks, units=4, need_va=2000, ports=ports, need_ports=2, media="smf", limit=10)
    assert [p.rack for p in ranked] == ["snug-less-power", "snug", "big"]
    assert ranked[0].first_unit == 3 and ranked[0].last_unit == 6
    assert rank(racks, units=4, need_va=0, ports=ports, need_ports=2, media="copper", limit=10) == []
