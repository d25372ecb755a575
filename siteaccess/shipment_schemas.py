"""Input and output shapes of shipments and the loading dock (msgspec; bounded strings and lists).

Kept apart from siteaccess/schemas.py (visits, the gate, alerts) so each file stays small. As
there, each `…Read` has one `of(row, …)`, called by the services only (siteaccess/shipments.py,
siteaccess/dock.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from colo.text import LINE_CLASS
from siteaccess.status import ShipmentDirection, ShipmentStatus
from tenants.schemas import IdDocumentType

# Where an inbound shipment goes: one of the tenant's racks (`rack:<NetBox id>` or an
# unambiguous `rack:<name>`, stored as `rack:<id>`) or its cage by name. Absent: held at the dock.
Destination = Annotated[str, Meta(pattern=rf"^(rack|cage):[^{LINE_CLASS}]{{1,100}}$", max_length=105,
                                  examples=["rack:1042", "cage:C-7"])]
# A carrier's tracking number as printed or scanned; compared in upper case.
TrackingNumber = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$", examples=["1Z999AA10123456784"])]
Carrier = Annotated[str, Meta(min_length=1, max_length=100, examples=["DHL Express"])]
Boxes = Annotated[int, Meta(ge=1, le=500)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Note = Annotated[str, Meta(max_length=500)]


class InboundCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A delivery the tenant announces: the dock matches it on any of its tracking numbers."""

    carrier: Carrier
    tracking_numbers: Annotated[list[TrackingNumber], Meta(min_length=1, max_length=10)]
    boxes: Boxes
    expected_on: date
    deliver_to: Destination | None = None  # None: hold at the dock for collection
    description: Note = ""


class CollectorCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    company: Name


class OutboundCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Equipment the tenant wants to leave the site: what, who collects it, when."""

    description: Annotated[str, Meta(min_length=3, max_length=500, examples=["2 x Dell R650, serials in the box"])]
    boxes: Boxes
    collector: CollectorCreate
    collect_at: datetime


class Receipt(msgspec.Struct, forbid_unknown_fields=True):
    """What the dock scans. No announcement has the number: `tenant_id` registers it as
    unannounced for that tenant (and with several tenants' announcements, picks one)."""

    tracking_number: TrackingNumber
    tenant_id: UUID | None = None
    carrier: Annotated[str, Meta(max_length=100)] = ""
    boxes: Boxes | None = None


class Storage(msgspec.Struct, forbid_unknown_fields=True):
    location: Annotated[str, Meta(min_length=1, max_length=100, examples=["dock shelf 3B"])]


class Handover(msgspec.Struct, forbid_unknown_fields=True):
    """Who took the shipment at the dock, as on their ID document."""

    name: Name
    company: Name
    id_document_type: IdDocumentType
    id_number: Annotated[str, Meta(min_length=3, max_length=40)]


class ShipmentTally(msgspec.Struct):
    """A tenant's shipments handled in a period (the monthly service report)."""

    inbound_received: int
    inbound_unannounced: int
    outbound_handed_over: int


class TakenBy(msgspec.Struct):
    name: str
    company: str
    id_document_type: str
    id_number_masked: str


class ShipmentEventRead(msgspec.Struct):
    at: datetime
    action: str
    actor: str
    detail: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> ShipmentEventRead:
        """A `visits_shipment_event` row."""
        return cls(at=row["at"], action=row["action"], actor=row["actor"], detail=row["detail"])


class ShipmentRead(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    direction: ShipmentDirection
    status: ShipmentStatus
    announced: bool  # False: the dock registered it without an announcement
    carrier: str
    tracking_numbers: list[str]
    boxes: int
    expected_on: date | None
    deliver_to: str | None  # None: held at the dock
    description: str
    collector_name: str
    collector_company: str
    collect_at: datetime | None
    location: str
    received_at: datetime | None
    held_until: datetime | None  # received_at + the holding period, while at the dock
    completed_at: datetime | None
    taken_by: TakenBy | None
    decided_by: str
    decision_reason: str
    requested_by: str
    created_at: datetime
    history: list[ShipmentEventRead]

    @classmethod
    def of(
        cls, row: dict[str, Any], *, tracking: list[str], history: list[ShipmentEventRead], collector_name: str,
        taken_by_name: str, held_until: datetime | None,
    ) -> ShipmentRead:
        """A `visits_shipment` row, its tracking numbers and history; names already decrypted."""
        taken = None
        if row["taken_by_name_masked"]:
            taken = TakenBy(name=taken_by_name, company=row["taken_by_company"],
                            id_document_type=row["taken_by_id_document_type"],
                            id_number_masked=row["taken_by_id_number_masked"])
        return cls(
            id=row["id"], tenant_id=row["tenant_id"], direction=ShipmentDirection(row["direction"]),
            status=ShipmentStatus(row["status"]), announced=row["announced"], carrier=row["carrier"],
            tracking_numbers=tracking, boxes=row["boxes"], expected_on=row["expected_on"],
            deliver_to=row["deliver_to"], description=row["description"], collector_name=collector_name,
            collector_company=row["collector_company"], collect_at=row["collect_at"], location=row["location"],
            received_at=row["received_at"], held_until=held_until, completed_at=row["completed_at"],
            taken_by=taken, decided_by=row["decided_by"], decision_reason=row["decision_reason"],
            requested_by=row["requested_by"], created_at=row["created_at"], history=history,
        )
