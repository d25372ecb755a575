"""Request and response shapes of API keys and the caller's identity."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from colo.identity import Principal, Role
from colo.text import LINE_PATTERN
from tenants.schemas import SigningIdentity

KeyName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=LINE_PATTERN)]
Cidr = Annotated[str, msgspec.Meta(min_length=3, max_length=50)]
Networks = Annotated[list[Cidr], msgspec.Meta(max_length=16)]
Reason = Annotated[str, msgspec.Meta(max_length=200)]
OverlapSeconds = Annotated[int, msgspec.Meta(ge=0, le=30 * 24 * 3600)]


class KeyRead(msgspec.Struct):
    id: UUID
    name: str
    role: Role
    tenant_id: UUID | None
    person_id: UUID | None
    allowed_networks: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str
    rotated_from: UUID | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    last_used_address: str
    signing_identity: str = ""  # staff keys: the certificate signed approvals must carry; "" = none

    @classmethod
    def of(cls, row: dict[str, Any]) -> KeyRead:
        """The one place a `tenants_api_key` row becomes a schema; the digest and pepper id stay behind.
        `allowed_networks` is JSON text as stored (or the list already decoded)."""
        networks = row["allowed_networks"]
        return cls(
            id=row["id"], name=row["name"], role=Role(row["role"]), tenant_id=row["tenant"],
            person_id=row["person_id"],
            allowed_networks=list(json.loads(networks) if isinstance(networks, str) else networks),
            expires_at=row["expires_at"], revoked_at=row["revoked_at"],
            revoked_reason=row["revoked_reason"], rotated_from=row["rotated_from"],
            created_by=row["created_by"], created_at=row["created_at"],
            last_used_at=row["last_used_at"], last_used_address=row["last_used_address"],
            signing_identity=row.get("signing_identity", ""),
        )


class KeyIssued(msgspec.Struct):
    """The only response that ever contains the key itself: store it now, it is not shown again."""

    api_key: str
    key: KeyRead


class KeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new key. The tenant is never sent: it is the caller's own (tenant admins) or none (ops)."""

    name: KeyName
    role: Role
    person_id: UUID | None = None
    expires_at: datetime | None = None
    allowed_networks: Networks = msgspec.field(default_factory=list)
    # staff keys only: the certificate subject id (serialNumber:…, email:…, cn:…) whose signature
    # approves visits or decommissions where the deployment requires signed approvals
    signing_identity: SigningIdentity | None = None


class KeyRevoke(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class KeyRotate(msgspec.Struct, forbid_unknown_fields=True):
    """The old key keeps working for `overlap_seconds` (default one day) so clients can switch."""

    overlap_seconds: OverlapSeconds = 86400


class WhoAmI(msgspec.Struct):
    key_id: str
    role: Role
    name: str
    tenant_id: UUID | None
    person_id: UUID | None

    @classmethod
    def of(cls, principal: Principal) -> WhoAmI:
        return cls(key_id=principal.key_id, role=principal.role, name=principal.name,
                   tenant_id=principal.tenant_id, person_id=principal.person_id)
