"""The statuses of a site visit and of a visitor's badge, and the kinds of site-access alerts,
as enums (like the order states) instead of bare strings in each module. Stored as their values;
members compare equal to the text a row reads back as.
"""

from __future__ import annotations

from enum import StrEnum


class VisitStatus(StrEnum):
    PENDING = "pending"  # requested, waiting for security
    APPROVED = "approved"  # badges issued
    DENIED = "denied"
    CANCELLED = "cancelled"  # by the tenant, or because the tenant was suspended / offboarded


class BadgeStatus(StrEnum):
    NONE = "none"  # the visit is not approved (yet)
    ISSUED = "issued"
    EXPIRED = "expired"


class AlertKind(StrEnum):
    OUT_OF_WINDOW = "out_of_window"  # a check-in outside the visit's window
    NOT_APPROVED = "not_approved"  # a check-in for a visit that is not approved
    BADGE_EXPIRED = "badge_expired"
    UNKNOWN_BADGE = "unknown_badge"
    REFUSED_BURST = "refused_burst"  # refusals of one visitor, or at the gate overall, piling up
    OVERSTAY = "overstay"  # on site after the visit's window ended
    AUTH_FAILURE_BURST = "auth_failure_burst"  # failed API authentications from one address
    SHIPMENT_HELD_TOO_LONG = "shipment_held_too_long"  # at the dock past the holding period


OPEN_STATUSES = (VisitStatus.PENDING.value, VisitStatus.APPROVED.value)


class ShipmentDirection(StrEnum):
    INBOUND = "inbound"  # a delivery to the dock for the tenant
    OUTBOUND = "outbound"  # the tenant's equipment leaving the site


class ShipmentStatus(StrEnum):
    # inbound: expected → received → stored → delivered_to_cage | collected (cancelled while expected)
    EXPECTED = "expected"  # announced by the tenant, not at the dock yet
    RECEIVED = "received"  # taken in at the dock (announced or not)
    STORED = "stored"  # on a dock shelf, waiting
    DELIVERED_TO_CAGE = "delivered_to_cage"
    COLLECTED = "collected"  # handed to someone at the dock
    # outbound: requested → approved → handed_over (or refused / cancelled)
    REQUESTED = "requested"
    APPROVED = "approved"  # security or ops let it leave
    HANDED_OVER = "handed_over"
    REFUSED = "refused"
    CANCELLED = "cancelled"  # by the tenant


HELD_STATUSES = (ShipmentStatus.RECEIVED.value, ShipmentStatus.STORED.value)  # at the dock, the clock runs
