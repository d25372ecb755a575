"""Read structs of accounts (msgspec): what the portal and the CLI are given, never a secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from colo.identity import Role


class AccountRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    email: str
    name: str
    role: Role
    tenant_id: UUID | None
    status: str  # invited | active | disabled
    locale: str
    totp_enrolled: bool
    created_at: datetime
    last_sign_in_at: datetime | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> AccountRead:
        return cls(id=row["id"], email=row["email"], name=row["name"], role=Role(row["role"]),
                   tenant_id=row["tenant_id"], status=row["status"], locale=row["locale"],
                   totp_enrolled=row["totp_enrolled"], created_at=row["created_at"],
                   last_sign_in_at=row.get("last_sign_in_at"))


class LinkIssued(msgspec.Struct, frozen=True, kw_only=True):
    """A one-time link's token (shown once, never stored) and whom it is for."""

    account: AccountRead
    token: str
    purpose: str  # setup | invitation
    expires_at: datetime


class Enrolment(msgspec.Struct, frozen=True, kw_only=True):
    """What a person opening a link sees: who they are, and the TOTP secret to enrol."""

    account: AccountRead
    purpose: str
    totp_secret: str
    totp_uri: str
