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


OPEN_STATUSES = (VisitStatus.PENDING.value, VisitStatus.APPROVED.value)
