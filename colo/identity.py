"""Who is calling: roles and the authenticated principal every domain receives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    OPS = "ops"
    SECURITY = "security"
    AUDITOR = "auditor"
    TENANT_ADMIN = "tenant_admin"
    TENANT_MEMBER = "tenant_member"
    GATE = "gate"


# The named role groups: defined here and nowhere else. The policy tables (`<domain>/policy.py`),
# the services and the data layer all use these names, and each name means one set.
#
# Two questions, two groups: *whose* data a key may reach (the data layer: FACILITY_ROLES vs
# TENANT_ROLES) and *which* operations it may call (the policy tables). The gate terminal's key
# is a facility key — it belongs to no tenant and sees every tenant's visits at the door — but it
# is not staff: the policies let it reach only the visits it checks in and out.
TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.TENANT_MEMBER})  # bound to one tenant; scoped to it
FACILITY_ROLES = frozenset({Role.OPS, Role.SECURITY, Role.AUDITOR, Role.GATE})  # bound to no tenant
STAFF_ROLES = frozenset({Role.OPS, Role.SECURITY, Role.AUDITOR})  # the facility's people (not the gate)
OPS = frozenset({Role.OPS})
SECURITY = frozenset({Role.SECURITY})
TENANT_ADMIN = frozenset({Role.TENANT_ADMIN})
LOG_REVIEWERS = frozenset({Role.SECURITY, Role.AUDITOR})  # read the access log
GATE_STAFF = frozenset({Role.GATE, Role.SECURITY})  # work the gate: check-in/out, the day's visits
EVERYONE = frozenset(Role)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated API key. Tenant roles always carry tenant_id; facility roles never do."""

    key_id: str
    role: Role
    name: str
    tenant_id: UUID | None = None
    person_id: UUID | None = None

    @property
    def is_facility(self) -> bool:
        """A facility key (staff or the gate): the data layer does not limit it to a tenant."""
        return self.role in FACILITY_ROLES

    @property
    def is_tenant(self) -> bool:
        return self.role in TENANT_ROLES
