"""NetBox's power formula and the A/B rack budget rule."""

from __future__ import annotations

import math

from dcim.power import Feed, available_va, kw_to_w, nominal_va, rack_budget


def test_single_phase_16a_at_80_percent_is_2944_va() -> None:
    assert available_va(voltage=230, amperage=16, phase="single-phase", max_utilization=80) == 2944
    assert nominal_va(voltage=230, amperage=16, phase="single-phase") == 3680


def test_three_phase_multiplies_by_root_three_and_truncates() -> None:
    expected = int(400 * 32 * 0.8 * math.sqrt(3))
    assert available_va(voltage=400, amperage=32, phase="three-phase", max_utilization=80) == expected == 17736


def test_negative_dc_voltage_counts_by_magnitude() -> None:
    assert available_va(voltage=-48, amperage=10, phase="single-phase", max_utilization=100) == 480


def _feed(side: str, available: int, allocated: int = 0, status: str = "active") -> Feed:
    return Feed(1, side, int(available / 0.8), available, allocated, status)


def test_redundant_pair_sells_what_one_side_carries_alone() -> None:
    budget = rack_budget([_feed("primary", 2944, 1200), _feed("redundant", 2944, 1200)])
    assert budget.redundant and budget.sellable_va == 2944
    assert budget.committed_va == 2400 and budget.free_va == 544


def test_unequal_sides_sell_the_weaker_side() -> None:
    budget = rack_budget([_feed("primary", 17736), _feed("redundant", 2944)])
    assert budget.sellable_va == 2944


def test_a_failed_b_feed_leaves_a_non_redundant_rack() -> None:
    budget = rack_budget([_feed("primary", 2944), _feed("redundant", 2944, status="failed")])
    assert not budget.redundant and budget.sellable_va == 2944


def test_overcommitted_rack_has_no_free_power_rather_than_negative() -> None:
    budget = rack_budget([_feed("primary", 2944, 2000), _feed("redundant", 2944, 2000)])
    assert budget.free_va == 0 and budget.utilization > 1


def test_kw_converts_to_whole_watts_by_rounding_not_float_noise() -> None:
    # 1.1 * 1000 is 1100.0000000000002: a ceiling made the search ask 1 W more than the order.
    assert kw_to_w(2.0) == 2000 and kw_to_w(1.1) == 1100 and kw_to_w(0.0014) == 1


def test_tenant_circuits_are_commitments_never_supply() -> None:
    supply = [_feed("primary", 2944), _feed("redundant", 2944)]
    circuits = [Feed(9, side, 3680, 2944, 0, "active", circuit=True) for side in ("primary", "redundant")]
    budget = rack_budget(supply + circuits * 3, ordered_w=3000)
    assert (budget.sellable_va, budget.committed_va, budget.free_va) == (2944, 3000, 0)
    assert rack_budget(supply + circuits, ordered_w=1000).free_va == 1944


def test_draw_on_tenant_circuits_is_not_counted_twice() -> None:
    # The tenant's kit plugged into its own circuit draws from what the order already committed.
    circuit = Feed(9, "primary", 3680, 2944, 800, "active", circuit=True)
    budget = rack_budget([_feed("primary", 2944, 400), _feed("redundant", 2944), circuit], ordered_w=1000)
    assert budget.committed_va == 1400


def test_planned_feeds_carry_nothing() -> None:
    budget = rack_budget([_feed("primary", 2944), _feed("redundant", 2944, status="planned")])
    assert not budget.redundant and budget.sellable_for(redundant=True) == 0


def test_three_phase_uses_netboxs_constant_and_rounding() -> None:
    # NetBox stores round(kVA x 1.732); with math.sqrt(3) and truncation these two would be 9222 and 6373.
    assert available_va(voltage=208, amperage=32, phase="three-phase", max_utilization=80) == 9223
    assert available_va(voltage=230, amperage=16, phase="three-phase", max_utilization=100) == 6374
