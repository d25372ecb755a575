"""Request and response shapes of applications, tenants and people.

Input structs forbid unknown fields, so a tenant sending `tenant_id`, `status` or `role` where
they are not part of the request gets 400 naming that field.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import msgspec

from tenants.status import TenantStatus

Text200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
RegistrationNumber = Annotated[str, msgspec.Meta(min_length=2, max_length=40)]
CountryCode = Annotated[str, msgspec.Meta(min_length=2, max_length=2)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Phone = Annotated[str, msgspec.Meta(min_length=6, max_length=30)]
IdNumber = Annotated[str, msgspec.Meta(min_length=3, max_length=40)]
# `serialNumber:…`, `email:…` or `cn:…`: the certificate subject identifier a person signs LOAs with
SigningIdentity = Annotated[str, msgspec.Meta(min_length=4, max_length=300)]


class ServiceKind(StrEnum):
    RACK_SPACE = "rack_space"
    POWER = "power"
    CROSS_CONNECT = "cross_connect"
    IP_TRANSIT = "ip_transit"
    MEET_ME_ROOM = "meet_me_room"
    REMOTE_HANDS = "remote_hands"


class IdDocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENCE = "driving_licence"
    OTHER = "other"


# ------------------------------------------------------------------ applications


class Address(msgspec.Struct, forbid_unknown_fields=True):
    street: Text200
    postal_code: Annotated[str, msgspec.Meta(min_length=2, max_length=20)]
    city: Text100
    region: Annotated[str, msgspec.Meta(max_length=100)] = ""


class Contact(msgspec.Struct, forbid_unknown_fields=True):
    name: Text200
    email: Email
    phone: Phone


class ApplicationCreate(msgspec.Struct, forbid_unknown_fields=True):
    legal_name: Text200
    registration_number: RegistrationNumber
    country: CountryCode
    address: Address
    billing_contact: Contact
    technical_contact: Contact
    services_of_interest: Annotated[list[ServiceKind], msgspec.Meta(min_length=1, max_length=6)]


class ApplicationSubmitted(msgspec.Struct):
    """The tracking secret is shown only here: it is needed to follow the application and to
    collect the first API key once approved."""

    id: UUID
    status: str
    tracking_secret: str

    @classmethod
    def of(cls, row: dict[str, Any], *, tracking_secret: str) -> ApplicationSubmitted:
        return cls(id=row["id"], status=row["status"], tracking_secret=tracking_secret)


class ApplicationStatus(msgspec.Struct):
    """What the applicant sees with the tracking secret."""

    id: UUID
    status: str
    reason: str
    tenant_id: UUID | None
    key_available: bool
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ApplicationStatus:
        return cls(
            id=row["id"], status=row["status"], reason=row["review_reason"], tenant_id=row["tenant_id"],
            key_available=row["status"] == "approved" and row["key_collected_at"] is None,
            updated_at=row["updated_at"],
        )


class ApplicationAnswer(msgspec.Struct, forbid_unknown_fields=True):
    answer: Reason


class ApplicationSummary(msgspec.Struct):
    """An application in a list: no contacts (personal data is read one application at a time)."""

    id: UUID
    legal_name: str
    registration_number: str
    country: str
    services_of_interest: list[str]
    status: str
    review_reason: str
    tenant_id: UUID | None
    key_collected: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ApplicationSummary:
        return cls(
            id=row["id"], legal_name=row["legal_name"], registration_number=row["registration_number"],
            country=row["country"], services_of_interest=json.loads(row["services"]), status=row["status"],
            review_reason=row["review_reason"], tenant_id=row["tenant_id"],
            key_collected=row["key_collected_at"] is not None, created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class ApplicationRead(msgspec.Struct):
    """The full application, for ops (contacts decrypted; `[erased]` once crypto-erased)."""

    id: UUID
    legal_name: str
    registration_number: str
    country: str
    services_of_interest: list[str]
    address: dict[str, str]
    billing_contact: dict[str, str]
    technical_contact: dict[str, str]
    status: str
    review_reason: str
    applicant_answer: str
    tenant_id: UUID | None
    key_collected: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any], *, details: dict[str, Any]) -> ApplicationRead:
        """`details`: the decrypted address and contacts (tenants.applications decrypts them)."""
        return cls(
            id=row["id"], legal_name=row["legal_name"], registration_number=row["registration_number"],
            country=row["country"], services_of_interest=json.loads(row["services"]), address=details["address"],
            billing_contact=details["billing_contact"], technical_contact=details["technical_contact"],
            status=row["status"], review_reason=row["review_reason"], applicant_answer=row["applicant_answer"],
            tenant_id=row["tenant_id"], key_collected=row["key_collected_at"] is not None,
            created_at=row["created_at"], updated_at=row["updated_at"],
        )


class ReviewReason(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class ApprovalResult(msgspec.Struct):
    application: ApplicationRead
    tenant: TenantRead


# ------------------------------------------------------------------ tenants


class TenantRead(msgspec.Struct):
    id: UUID
    legal_name: str
    registration_number: str
    country: str
    status: TenantStatus
    status_reason: str
    netbox_tenant_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> TenantRead:
        """The one place a `tenants_tenant` row becomes a schema (tenants.lifecycle, tenants.adoption)."""
        return cls(
            id=row["id"], legal_name=row["legal_name"], registration_number=row["registration_number"],
            country=row["country"], status=TenantStatus(row["status"]), status_reason=row["status_reason"],
            netbox_tenant_id=row["netbox_tenant_id"], created_at=row["created_at"], updated_at=row["updated_at"],
        )


class StatusChange(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


NetBoxId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class ApprovalOptions(msgspec.Struct, forbid_unknown_fields=True):
    """How approval finds the NetBox side: link an existing NetBox tenant, or create a new one
    even though NetBox has a tenant of the same name (a different company)."""

    netbox_tenant_id: NetBoxId | None = None
    create_netbox_tenant: bool = False


class NetBoxLink(msgspec.Struct, forbid_unknown_fields=True):
    """Link a Colo tenant to an existing NetBox tenant; `replace` moves an existing link."""

    netbox_tenant_id: NetBoxId
    replace: bool = False


class TenantAdopt(msgspec.Struct, forbid_unknown_fields=True):
    """An active Colo tenant for a customer already in NetBox (no application)."""

    netbox_tenant_id: NetBoxId
    registration_number: RegistrationNumber
    country: CountryCode
    legal_name: Text200 | None = None  # default: the NetBox tenant's name



# ------------------------------------------------------------------ people


class PersonRead(msgspec.Struct):
    """Phone and ID number are shown masked only; the plaintext never leaves the service."""

    id: UUID
    tenant_id: UUID
    name: str
    email: str
    phone: str
    site_access: bool
    id_document_type: str
    id_number: str
    created_at: datetime
    updated_at: datetime
    signing_identity: str = ""  # "" = may not sign LOAs with a certificate

    @classmethod
    def of(cls, row: dict[str, Any]) -> PersonRead:
        return cls(
            id=row["id"], tenant_id=row["tenant"], name=row["name"], email=row["email"],
            phone=row["phone_masked"], site_access=row["site_access"],
            id_document_type=row["id_document_type"], id_number=row["id_number_masked"],
            created_at=row["created_at"], updated_at=row["updated_at"],
            signing_identity=row.get("signing_identity", ""),
        )


class PersonCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Text200
    email: Email
    phone: Phone | None = None
    site_access: bool = False
    id_document_type: IdDocumentType | None = None
    id_number: IdNumber | None = None
    signing_identity: SigningIdentity | None = None


class PersonUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Partial update: fields left out stay as they are; `null` clears phone / ID document."""

    name: Text200 | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType | None = msgspec.UNSET
    site_access: bool | msgspec.UnsetType = msgspec.UNSET
    id_document_type: IdDocumentType | msgspec.UnsetType | None = msgspec.UNSET
    id_number: IdNumber | msgspec.UnsetType | None = msgspec.UNSET
    signing_identity: SigningIdentity | msgspec.UnsetType | None = msgspec.UNSET
