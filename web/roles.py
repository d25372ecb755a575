"""How the portal names roles, in both languages (the messages are translated when rendered)."""

from __future__ import annotations

from colo.identity import TENANT_ROLES, Role
from web.i18n import marker as _

ROLE_NAMES = {
    Role.OPS: _("Datacenter operations"),
    Role.SECURITY: _("Security officer"),
    Role.AUDITOR: _("Auditor"),
    Role.TENANT_ADMIN: _("Company administrator"),
    Role.TENANT_MEMBER: _("Company member"),
    Role.GATE: _("Gate terminal"),
}


def tenant_roles() -> list[tuple[str, str]]:
    """(value, name) of the roles a tenant's people can have, for a form's choices."""
    return [(role.value, ROLE_NAMES[role]) for role in sorted(TENANT_ROLES)]
