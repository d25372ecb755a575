"""Pure order rules: contiguous unit picking, NetBox's power formula, headroom refusals."""

from __future__ import annotations

import pytest

from colo.errors import Conflict, ValidationFailed
from dcim.orders.rules import check_circuit_size, check_headroom, pick_units
from dcim.power import Feed, available_va, rack_budget


def test_netbox_power_formula_single_and_three_phase() -> None:
    assert available_va(voltage=230, amperage=16, max_utilization=80, phase="single-phase") == 2944
    # 400 V line-to-line x 32 A x 80 % x 1.732 = 17 735.68 → 17 736, as NetBox stores it
    assert available_va(voltage=400, amperage=32, max_utilization=80, phase="three-phase") == 17736


def test_pick_lowest_contiguous_block_skipping_taken_units() -> None:
    assert pick_units(all_units=range(1, 11), unavailable={1, 2, 4}, count=3, position=None) == [5, 6, 7]


def test_pick_at_explicit_position() -> None:
    assert pick_units(all_units=range(1, 43), unavailable=set(), count=2, position=41) == [41, 42]


def test_explicit_position_over_taken_units_names_them() -> None:
    with pytest.raises(Conflict) as caught:
        pick_units(all_units=range(1, 43), unavailable={10, 12}, count=4, position=9)
    assert caught.value.extra["taken_units"] == [10, 12]
    assert caught.value.extra["requested_units"] == [9, 10, 11, 12]


def test_position_outside_the_rack_is_a_validation_error_on_position() -> None:
    with pytest.raises(ValidationFailed) as caught:
        pick_units(all_units=range(1, 43), unavailable=set(), count=4, position=40)
    assert caught.value.field == "position"


def test_no_block_large_enough_reports_the_largest() -> None:
    with pytest.raises(Conflict) as caught:
        pick_units(all_units=range(1, 11), unavailable={3, 7}, count=4, position=None)
    assert caught.value.extra["largest_free_block"] == 3


def _supply(side: str, available: int) -> Feed:
    return Feed(1, side, available, available, 0)


def test_redundant_pair_sells_what_one_side_carries() -> None:
    assert rack_budget([_supply("primary", 2944), _supply("redundant", 2944)]).sellable_for(redundant=True) == 2944
    assert rack_budget([_supply("primary", 5000), _supply("redundant", 2944)]).sellable_for(redundant=True) == 2944


def test_redundant_order_needs_both_sides() -> None:
    assert rack_budget([_supply("primary", 2944)]).sellable_for(redundant=True) == 0
    assert rack_budget([_supply("primary", 2944)]).sellable_for(redundant=False) == 2944


def test_auto_pick_takes_the_tightest_run_as_capacity_search_ranks() -> None:
    # Free: U1-U3 (3) and U41-U42 (2). Two units fit U41-U42 exactly: U1-U3 stays whole.
    taken = set(range(4, 41))
    assert pick_units(all_units=range(1, 43), unavailable=taken, count=2, position=None) == [41, 42]


def test_auto_pick_reserves_the_ranked_units_while_they_are_free() -> None:
    assert pick_units(all_units=range(1, 43), unavailable={10}, count=2, position=None, prefer=20) == [20, 21]
    # Taken meanwhile: the tightest free run instead.
    assert pick_units(all_units=range(1, 43), unavailable={10, 21}, count=2, position=None, prefer=20) == [1, 2]


def test_over_sell_names_requested_available_and_committed() -> None:
    with pytest.raises(Conflict) as caught:
        check_headroom(requested_w=2000, sellable=2944, committed_w=1500, scope="rack R1")
    extra = caught.value.extra
    assert (extra["requested_kw"], extra["available_kw"], extra["committed_kw"]) == (2.0, 1.444, 1.5)
    assert "2 kW" in caught.value.detail and "1.444 kW available" in caught.value.detail


def test_exact_fit_is_allowed() -> None:
    check_headroom(requested_w=1444, sellable=2944, committed_w=1500, scope="rack R1")


def test_circuit_must_carry_the_load() -> None:
    assert check_circuit_size(requested_w=2944, voltage=230, amperage=16, phase="single-phase") == 2944
    with pytest.raises(ValidationFailed) as caught:
        check_circuit_size(requested_w=3000, voltage=230, amperage=16, phase="single-phase")
    assert caught.value.field == "kw"
    assert caught.value.extra["circuit_capacity_kw"] == 2.944
