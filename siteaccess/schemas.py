"""Input and output shapes of site visits (msgspec; bounded strings and lists)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from colo.text import LINE_CLASS
from tenants.schemas import IdDocumentType

# An area of the site: the meet-me room, one of the tenant's racks — `rack:<NetBox rack id>`, or
# `rack:<name>` when the name is unambiguous among the racks the tenant holds (NetBox rack names
# may contain spaces and repeat across sites) — or a cage by name. Stored as `rack:<id>`.
Area = Annotated[str, Meta(pattern=rf"^(meet-me-room|(rack|cage):[^{LINE_CLASS}]{{1,100}})$", max_length=105,
                           examples=["meet-me-room", "rack:1042", "cage:C-7"])]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Reason = Annotated[str, Meta(min_length=3, max_length=500)]
Badge = Annotated[str, Meta(pattern=r"^B-[A-Z2-7]{10}$")]


class GuestCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    company: Name
    id_document_type: IdDocumentType
    id_number: Annotated[str, Meta(min_length=3, max_length=40)]


class VisitorCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of: one of the tenant's people, or a guest."""

    person_id: UUID | None = None
    guest: GuestCreate | None = None


class VisitCreate(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: datetime
    ends_at: datetime
    areas: Annotated[list[Area], Meta(min_length=1, max_length=10)]
    visitors: Annotated[list[VisitorCreate], Meta(min_length=1, max_length=20)]
    escort_required: bool = False
    purpose: Annotated[str, Meta(max_length=200)] = ""


class Decision(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class GateScan(msgspec.Struct, forbid_unknown_fields=True):
    """What the gate reads: the badge, or (no badge yet, e.g. not approved) the visitor id."""

    badge: Badge | None = None
    visitor_id: UUID | None = None


class VisitorRead(msgspec.Struct):
    id: UUID
    person_id: UUID | None
    name: str
    company: str
    id_document_type: str
    id_number_masked: str
    badge_number: str | None
    badge_expires_at: datetime | None
    badge_status: str
    on_site: bool
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class VisitRead(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    status: str
    starts_at: datetime
    ends_at: datetime
    areas: list[str]
    escort_required: bool
    purpose: str
    requested_by: str
    decided_by: str
    decided_at: datetime | None
    decision_reason: str
    created_at: datetime
    visitors: list[VisitorRead]


class GateResult(msgspec.Struct):
    action: str
    visitor_id: UUID
    visit_id: UUID
    at: datetime
    badge_number: str | None
    escort_required: bool


class AlertRead(msgspec.Struct):
    id: UUID
    kind: str
    tenant_id: UUID | None
    visit_id: UUID | None
    visitor_id: UUID | None
    detail: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
