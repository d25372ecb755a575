"""Unnamed devices (common in an old NetBox) are shown by type and position, never as ""."""

from __future__ import annotations

from datetime import UTC, datetime

from dcim.netbox.records import device_label
from dcim.readmodel.build import device_row
from dcim.readmodel.holdings import Holding, device_units

DELL = {"id": 7, "model": "R650", "manufacturer": {"id": 1, "name": "Dell"}, "u_height": 1}


def test_unnamed_racked_device_is_its_type_at_its_unit() -> None:
    raw = {"id": 1, "name": None, "device_type": {"id": 7}, "position": 12.0, "rack": {"id": 3}}
    assert device_label(raw, DELL) == "Dell R650 @ U12"
    assert device_row(raw, {7: DELL}, datetime.now(UTC))["name"] == "Dell R650 @ U12"


def test_half_unit_positions_unracked_and_named_devices() -> None:
    assert device_label({"name": "", "position": 20.5}, DELL) == "Dell R650 @ U20.5"
    assert device_label({"name": None, "position": None}, DELL) == "Dell R650"
    # A webhook's device carries its type nested; the type list may not have it yet.
    nested = {"name": None, "position": 3, "device_type": {"id": 9, "model": "S5248",
                                                           "manufacturer": {"name": "Dell"}}}
    assert device_label(nested, {}) == "Dell S5248 @ U3"
    assert device_label({"name": "core-sw-1", "position": 40}, DELL) == "core-sw-1"


def test_holding_units_whole_rack_or_own_units() -> None:
    owned = Holding(5, owns_rack=True, reserved_units=frozenset(), device_units=frozenset())
    assert owned.units(starting_unit=1, u_height=4) == [1, 2, 3, 4]
    shared = Holding(6, owns_rack=False, reserved_units=frozenset({1, 2}), device_units=frozenset(device_units(20, 2)))
    assert shared.units(starting_unit=1, u_height=42) == [1, 2, 20, 21]
    assert device_units(10, 0) == set() and device_units(None, 1) == set()
