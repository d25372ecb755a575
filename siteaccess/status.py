"""The statuses of a site visit and of a visitor's badge, as enums (like the order states)
instead of bare strings in each module. Stored as their values; members compare equal to the
text a row reads back as.
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


OPEN_STATUSES = (VisitStatus.PENDING.value, VisitStatus.APPROVED.value)
