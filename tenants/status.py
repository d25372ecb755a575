"""A tenant's status, as one enum (like the order states), instead of bare strings in each module.

Stored in `tenants_tenant.status` as the value; members compare equal to those strings, so rows
read back as plain text still match.
"""

from __future__ import annotations

from enum import StrEnum


class TenantStatus(StrEnum):
    PENDING = "pending"  # approved or adopted, NetBox link not made yet
    ACTIVE = "active"
    SUSPENDED = "suspended"  # keys refused; reinstatement possible
    OFFBOARDED = "offboarded"  # keys revoked, personal data erased
