"""Reconciliation's pure comparison: each discrepancy kind, stable ids, trunks and supply ignored."""

from __future__ import annotations

import json
import uuid
from typing import Any

from dcim.netbox.provisioning import CableLive, FeedLive, PlantSnapshot, Reservation
from dcim.orders.reconcile import compare

ORDER = uuid.UUID("5f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b")
XC = uuid.UUID("6a1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b")


def order(order_id: uuid.UUID = ORDER, state: str = "active", kind: str = "space", **netbox: Any) -> dict[str, Any]:
    spec = {"units_assigned": [1, 2]} if kind == "space" else {}
    return {"id": order_id, "kind": kind, "state": state, "spec": json.dumps(spec), "netbox": json.dumps(netbox),
            "rack_id": 7, "netbox_tenant_id": 3}


def reservation(res_id: int = 11, order_id: uuid.UUID | None = ORDER, units: tuple[int, ...] = (1, 2),
                tenant: int | None = 3) -> Reservation:
    return Reservation(id=res_id, rack_id=7, units=units, tenant_id=tenant,
                       colo_order_id=str(order_id) if order_id else None, tagged=order_id is not None)


def cable(cable_id: int, ends: tuple[tuple[str, int], ...], order_id: uuid.UUID | None = None,
          label: str = "", tenant: int | None = 3) -> CableLive:
    return CableLive(id=cable_id, label=label, tenant_id=tenant, ends=ends,
                     colo_order_id=str(order_id) if order_id else None, tagged=order_id is not None)


def kinds(findings: list[Any]) -> list[str]:
    return [f.kind for f in findings]


def test_a_matching_plant_has_no_findings() -> None:
    snapshot = PlantSnapshot(reservations=[reservation()])
    assert compare(snapshot, [order(reservation_id=11)]) == []


def test_undocumented_cable_is_reported_but_trunks_are_not() -> None:
    snapshot = PlantSnapshot(cables=[
        cable(1, (("dcim.frontport", 5), ("dcim.frontport", 6)), label="mystery"),
        cable(2, (("dcim.rearport", 8), ("dcim.rearport", 9)), label="TRUNK-1"),
    ])
    findings = compare(snapshot, [])
    assert kinds(findings) == ["undocumented_cable"]
    assert findings[0].object_id == 1 and findings[0].severity == "high"


def test_undocumented_reservation_and_tenant_feed_but_not_supply_feeds() -> None:
    supply = FeedLive(1, "R1-A", 1, 7, "primary", "single-phase", 230, 16, 80, "active", None, None)
    tenant_feed = FeedLive(2, "extra", 1, 7, "primary", "single-phase", 230, 16, 80, "active", 9, None)
    findings = compare(PlantSnapshot(reservations=[reservation(order_id=None)], feeds=[supply, tenant_feed]), [])
    assert kinds(findings) == ["undocumented_feed", "undocumented_reservation"]


def test_vanished_changed_and_drifted_objects() -> None:
    vanished = compare(PlantSnapshot(), [order(reservation_id=11)])
    assert kinds(vanished) == ["vanished_object"]
    changed = compare(PlantSnapshot(reservations=[reservation(units=(1, 2, 3))]), [order(reservation_id=11)])
    assert kinds(changed) == ["changed_object"] and changed[0].facts["netbox_units"] == [1, 2, 3]
    drifted = compare(PlantSnapshot(reservations=[reservation(tenant=4)]), [order(reservation_id=11)])
    assert kinds(drifted) == ["tenant_drift"]


def test_objects_of_ended_or_unknown_orders() -> None:
    ended = compare(PlantSnapshot(reservations=[reservation()]), [order(state="decommissioned")])
    assert kinds(ended) == ["orphaned_object"] and ended[0].facts["state"] == "decommissioned"
    unknown = compare(PlantSnapshot(reservations=[reservation(order_id=uuid.uuid4())]), [])
    assert kinds(unknown) == ["unknown_order"]


def test_partial_objects_of_an_order_in_flight_are_expected() -> None:
    assert compare(PlantSnapshot(reservations=[reservation()]), [order(state="provisioning")]) == []
    assert compare(PlantSnapshot(), [order(state="failed", reservation_id=11)]) == []


def test_port_drift_on_a_cross_connect_cable() -> None:
    legs = [{"name": "M", "a": 5, "b": 6}]
    moved = cable(3, (("dcim.frontport", 5), ("dcim.frontport", 7)), order_id=XC, label="XC-6a1e2d3c-M")
    findings = compare(PlantSnapshot(cables=[moved]), [order(XC, kind="cross_connect", legs=legs, cable_ids=[3])])
    assert kinds(findings) == ["changed_object"] and "port drift" in findings[0].detail


def test_finding_ids_are_stable_and_depend_on_the_facts() -> None:
    snapshot = PlantSnapshot(reservations=[reservation(order_id=None)])
    first, again = compare(snapshot, []), compare(snapshot, [])
    assert first[0].id == again[0].id and len(first[0].id) == 16
    other = compare(PlantSnapshot(reservations=[reservation(order_id=None, units=(1, 2, 3))]), [])
    assert other[0].id != first[0].id
