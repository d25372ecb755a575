"""A tenant's status is one enum (tenants/status.py) whose values are what the table stores and
what hooks and the CLI see: members equal the stored text, so rows read back still match."""

from __future__ import annotations

from tenants.status import TenantStatus


def test_the_statuses_are_the_stored_strings() -> None:
    assert [status.value for status in TenantStatus] == ["pending", "active", "suspended", "offboarded"]
    row = {"status": "suspended"}  # as Piccolo returns it: plain text
    assert row["status"] == TenantStatus.SUSPENDED and row["status"] in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)
    assert f"tenant is {TenantStatus.OFFBOARDED}" == "tenant is offboarded"


def test_visit_and_badge_statuses_and_alert_kinds_are_the_stored_strings() -> None:
    from siteaccess.status import OPEN_STATUSES, AlertKind, BadgeStatus, VisitStatus

    assert [s.value for s in VisitStatus] == ["pending", "approved", "denied", "cancelled"]
    assert [s.value for s in BadgeStatus] == ["none", "issued", "expired"]
    assert [k.value for k in AlertKind] == ["out_of_window", "not_approved", "badge_expired", "unknown_badge",
                                            "refused_burst", "overstay", "auth_failure_burst", "shipment_held_too_long"]
    assert OPEN_STATUSES == ("pending", "approved")
    assert f"visit.{VisitStatus.CANCELLED.value}" == "visit.cancelled"


def test_shipment_directions_and_statuses_are_the_stored_strings() -> None:
    from siteaccess.status import HELD_STATUSES, ShipmentDirection, ShipmentStatus

    assert [d.value for d in ShipmentDirection] == ["inbound", "outbound"]
    assert [s.value for s in ShipmentStatus] == ["expected", "received", "stored", "delivered_to_cage", "collected",
                                                 "requested", "approved", "handed_over", "refused", "cancelled"]
    assert HELD_STATUSES == ("received", "stored")
    assert max(len(s.value) for s in ShipmentStatus) <= 24  # visits_shipment.status is a Varchar(24)


def test_loa_statuses_are_the_stored_strings() -> None:
    from dcim.orders.states import LoaStatus

    assert [s.value for s in LoaStatus] == ["not_required", "loa_pending", "loa_granted", "loa_refused", "loa_expired"]
