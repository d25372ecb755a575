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


STAFF_ROLES = frozenset({Role.OPS, Role.SECURITY, Role.AUDITOR, Role.GATE})
TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.TENANT_MEMBER})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated API key. Tenant roles always carry tenant_id; staff roles never do."""

    key_id: str
    role: Role
    name: str
    tenant_id: UUID | None = None
    person_id: UUID | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_tenant(self) -> bool:
        return self.role in TENANT_ROLES
