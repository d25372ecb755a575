"""The demo plan (pure data) describes the facility the issue asks for."""

from __future__ import annotations

from collections import Counter

from devtools.demo.plan import TENANTS, build_plant, panel_ports


def test_plan_has_two_halls_a_meet_me_room_and_at_least_40_racks() -> None:
    plant = build_plant()
    assert [slug for _n, slug, _t in plant.locations] == ["dh1", "dh2", "mmr"]
    assert len(plant.racks) >= 40
    assert Counter(r.u_height for r in plant.racks).keys() == {42, 47}
    assert {r.electrical.phase for r in plant.racks} == {"single-phase", "three-phase"}


def test_every_rack_gets_an_a_and_a_b_feed_from_different_panels() -> None:
    plant = build_plant()
    feeds = plant.feeds()
    assert len(feeds) == 2 * len(plant.racks)
    for rack in plant.racks:
        mine = [(kind, panel) for _name, panel, kind, r in feeds if r is rack]
        assert sorted(k for k, _p in mine) == ["primary", "redundant"]
        assert len({p for _k, p in mine}) == 2


def test_names_are_unique_and_prefixed_for_private_copies() -> None:
    plant = build_plant(prefix="T1-", site_slug="t1")
    names = [d.name for d in plant.devices] + [r.name for r in plant.racks]
    assert len(names) == len(set(names))
    assert all(n.startswith("T1-") for n in names)
    assert all(c.label.startswith("T1-") for c in plant.cables)


def test_fibre_panels_map_24_fronts_onto_two_12_position_trunks() -> None:
    rears = panel_ports("demo-pp-smf-24")
    assert [(name, positions) for name, _t, positions, _f in rears] == [("MPO1", 12), ("MPO2", 12)]
    fronts = [front for *_x, mapping in rears for front, _pos in mapping]
    assert len(fronts) == len(set(fronts)) == 24


def test_reservations_fit_their_racks_and_belong_to_customers() -> None:
    plant = build_plant()
    customers = {slug for _n, slug, group in TENANTS if group == "customers"}
    for res in plant.reservations:
        rack = plant.rack(res.rack)
        assert set(res.units) <= set(range(1, rack.u_height + 1))
        assert res.tenant in customers


def test_a_shrunken_copy_keeps_every_reference_valid() -> None:
    plant = build_plant(prefix="S-", site_slug="s", racks_per_row=(5, 5))
    names = {r.name for r in plant.racks}
    assert len(plant.racks) == 2 * 5 + 2 * 5 + 2
    assert all(d.rack in names for d in plant.devices)
    assert all(r.rack in names for r in plant.reservations)


def test_too_few_racks_per_row_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="racks_per_row"):
        build_plant(racks_per_row=(4, 10))
