"""Input and output shapes of site access (msgspec; bounded strings and lists).

Each `…Read` has one `of(row, …)`: the one place a row of its table becomes that schema, called
by the services (siteaccess/service.py, gate.py, alerts.py), never by the HTTP layer.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from colo.text import LINE_CLASS
from siteaccess.status import AlertKind, BadgeStatus, VisitStatus
from tenants.schemas import IdDocumentType

# An area of the site: the meet-me room, one of the tenant's racks — `rack:<NetBox rack id>`, or
# `rack:<name>` when the name is unambiguous among the racks the tenant holds (NetBox rack names
# may contain spaces and repeat across sites) — or a cage by name. Stored as `rack:<id>`.
Area = Annotated[str, Meta(pattern=rf"^(meet-me-room|(rack|cage):[^{LINE_CLASS}]{{1,100}})$", max_length=105,
                           examples=["meet-me-room", "rack:1042", "cage:C-7"])]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Reason = Annotated[str, Meta(min_length=3, max_length=500)]
Badge = Annotated[str, Meta(pattern=r"^B-[A-Z2-7]{10}$")]
GateAction = Literal["check_in", "check_out"]


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


class Acknowledgement(msgspec.Struct, forbid_unknown_fields=True):
    """What was done about an alert (optional): kept on the alert, shown with who and when."""

    note: Annotated[str, Meta(max_length=500, examples=["called the company: they come tomorrow"])] = ""


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
    badge_status: BadgeStatus
    on_site: bool
    checked_in_at: datetime | None
    checked_out_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any], *, name: str) -> VisitorRead:
        """A `visits_visitor` row; `name`: the decrypted name (or `[erased]`)."""
        return cls(
            id=row["id"], person_id=row["person_id"], name=name, company=row["company"],
            id_document_type=row["id_document_type"], id_number_masked=row["id_number_masked"],
            badge_number=row["badge_number"], badge_expires_at=row["badge_expires_at"],
            badge_status=BadgeStatus(row["badge_status"]), on_site=row["on_site"],
            checked_in_at=row["checked_in_at"], checked_out_at=row["checked_out_at"],
        )


class VisitRead(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    status: VisitStatus
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
    approval_signer_sha256: str = ""  # approved with a signed document: the approver's certificate (SHA-256)

    @classmethod
    def of(cls, row: dict[str, Any], *, visitors: list[VisitorRead]) -> VisitRead:
        """A `visits_visit` row with its visitors (each through VisitorRead.of)."""
        return cls(
            id=row["id"], tenant_id=row["tenant_id"], status=VisitStatus(row["status"]), starts_at=row["starts_at"],
            ends_at=row["ends_at"], areas=json.loads(row["areas"]), escort_required=row["escort_required"],
            purpose=row["purpose"], requested_by=row["requested_by"], decided_by=row["decided_by"],
            decided_at=row["decided_at"], decision_reason=row["decision_reason"], created_at=row["created_at"],
            visitors=visitors, approval_signer_sha256=row.get("approval_signer_sha256", ""),
        )


class GateResult(msgspec.Struct):
    action: GateAction
    visitor_id: UUID
    visit_id: UUID
    at: datetime
    badge_number: str | None
    escort_required: bool

    @classmethod
    def of(cls, action: GateAction, *, visitor: dict[str, Any], visit: dict[str, Any], at: datetime) -> GateResult:
        """An accepted pass of the gate, from the visitor's and the visit's rows."""
        return cls(action=action, visitor_id=visitor["id"], visit_id=visit["id"], at=at,
                   badge_number=visitor["badge_number"], escort_required=visit["escort_required"])


class AlertRead(msgspec.Struct):
    id: UUID
    kind: AlertKind
    tenant_id: UUID | None
    visit_id: UUID | None
    visitor_id: UUID | None
    detail: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
    acknowledgement_note: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> AlertRead:
        """A `visits_alert` row."""
        return cls(id=row["id"], kind=AlertKind(row["kind"]), tenant_id=row["tenant_id"], visit_id=row["visit_id"],
                   visitor_id=row["visitor_id"], detail=row["detail"], created_at=row["created_at"],
                   acknowledged_at=row["acknowledged_at"], acknowledged_by=row["acknowledged_by"],
                   acknowledgement_note=row["acknowledgement_note"])


class OnSiteRead(msgspec.Struct):
    """One person on site now (siteaccess/on_site.py): the name's mask, never the name."""

    visitor_id: UUID
    visitor_name_masked: str
    company: str
    badge_number: str | None
    tenant_id: UUID
    tenant_name: str
    visit_id: UUID
    checked_in_at: datetime
    window_ends_at: datetime
    escort_required: bool
    overstayed: bool

    @classmethod
    def of(cls, row: dict[str, Any], *, visit: dict[str, Any], tenant_name: str, now: datetime) -> OnSiteRead:
        """A `visits_visitor` row on site, its visit's row (`ends_at`, `escort_required`), and
        its tenant's legal name; overstayed when the window ended before `now`."""
        return cls(visitor_id=row["id"], visitor_name_masked=row["name_masked"], company=row["company"],
                   badge_number=row["badge_number"], tenant_id=row["tenant_id"], tenant_name=tenant_name,
                   visit_id=row["visit_id"], checked_in_at=row["checked_in_at"], window_ends_at=visit["ends_at"],
                   escort_required=visit["escort_required"], overstayed=visit["ends_at"] < now)
