"""Tables of site visits. Tenant ids are stored as UUIDs (no foreign keys across apps).

Visitor names and ID document numbers are personal data: stored only as ciphertext under the
tenant's data key (colo.pii) plus a mask for display, so erasing the tenant erases them.
"""

from piccolo.columns import UUID, Boolean, Date, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Visit(Table, tablename="visits_visit"):
    """A request to enter the site: who, when (≤14 days), where, escorted or not."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    requested_by = Varchar(length=64)  # API key id
    starts_at = Timestamptz()
    ends_at = Timestamptz(index=True)
    areas = Text(default="[]")  # JSON list of area names
    escort_required = Boolean(default=False)
    purpose = Varchar(length=200, default="")
    status = Varchar(length=16, default="pending", index=True)
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(null=True, default=None)
    decision_reason = Varchar(length=500, default="")
    # approved with a signed document (COLO_SIGNED_APPROVALS=visits): SHA-256 of the approver's certificate
    approval_signer_sha256 = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Visitor(Table, tablename="visits_visitor"):
    """One person on a visit: one of the tenant's people, or a guest. Holds the badge."""

    id = UUID(primary_key=True)
    visit_id = UUID(index=True)
    tenant_id = UUID(index=True)
    person_id = UUID(null=True, default=None)
    name_ciphertext = Text(default="")
    name_masked = Varchar(length=200, default="")
    company = Varchar(length=200, default="")
    id_document_type = Varchar(length=30, default="")
    id_number_ciphertext = Text(default="")
    id_number_masked = Varchar(length=60, default="")
    badge_number = Varchar(length=32, null=True, default=None, unique=True)
    badge_expires_at = Timestamptz(null=True, default=None)
    badge_status = Varchar(length=16, default="none")  # none, issued, expired
    on_site = Boolean(default=False)
    checked_in_at = Timestamptz(null=True, default=None)
    checked_out_at = Timestamptz(null=True, default=None)


class GateEvent(Table, tablename="visits_gate_event"):
    """Every attempt at the gate, accepted or refused: the basis of burst and overstay alerts."""

    id = UUID(primary_key=True)
    visitor_id = UUID(null=True, default=None, index=True)
    visit_id = UUID(null=True, default=None)
    tenant_id = UUID(null=True, default=None)
    kind = Varchar(length=16)  # check_in, check_out, refused
    reason = Varchar(length=200, default="")
    gate_key_id = Varchar(length=64)
    at = Timestamptz(index=True)


class Alert(Table, tablename="visits_alert"):
    """Something security should look at. `dedup_key` keeps one alert per incident."""

    id = UUID(primary_key=True)
    kind = Varchar(length=32, index=True)
    tenant_id = UUID(null=True, default=None)
    visit_id = UUID(null=True, default=None)
    visitor_id = UUID(null=True, default=None)
    detail = Varchar(length=500, default="")
    dedup_key = Varchar(length=200, unique=True)
    created_at = Timestamptz(index=True)
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = Varchar(length=64, default="")
    acknowledgement_note = Varchar(length=500, default="")  # what the officer did about it


class Shipment(Table, tablename="visits_shipment"):
    """A delivery to the dock (inbound: announced, or unannounced and assigned by the dock) or
    equipment leaving (outbound). The collector's and the taker's names and ID numbers are
    personal data: ciphertext under the tenant's key plus a mask, like a visitor's."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    direction = Varchar(length=8, index=True)  # inbound, outbound
    status = Varchar(length=24, index=True)
    announced = Boolean(default=True)  # False: registered by the dock without an announcement
    requested_by = Varchar(length=64)  # API key id (the dock's, for an unannounced delivery)
    carrier = Varchar(length=100, default="")
    boxes = Integer(default=1)
    expected_on = Date(null=True, default=None)  # inbound
    deliver_to = Varchar(length=105, null=True, default=None)  # rack:<id> / cage:<name>; None = hold at the dock
    description = Varchar(length=500, default="")
    collector_name_ciphertext = Text(default="")  # outbound: who is to collect
    collector_name_masked = Varchar(length=200, default="")
    collector_company = Varchar(length=200, default="")
    collect_at = Timestamptz(null=True, default=None)
    location = Varchar(length=100, default="")  # the dock shelf
    received_at = Timestamptz(null=True, default=None, index=True)
    completed_at = Timestamptz(null=True, default=None, index=True)
    taken_by_name_ciphertext = Text(default="")  # whoever took it at the handover
    taken_by_name_masked = Varchar(length=200, default="")
    taken_by_company = Varchar(length=200, default="")
    taken_by_id_document_type = Varchar(length=30, default="")
    taken_by_id_number_ciphertext = Text(default="")
    taken_by_id_number_masked = Varchar(length=60, default="")
    decided_by = Varchar(length=64, default="")
    decision_reason = Varchar(length=500, default="")
    created_at = Timestamptz(index=True)


class ShipmentTracking(Table, tablename="visits_shipment_tracking"):
    """One tracking number of a shipment (normalised: upper case); the dock matches on any."""

    id = UUID(primary_key=True)
    shipment_id = UUID(index=True)
    tracking_number = Varchar(length=40, index=True)


class ShipmentEvent(Table, tablename="visits_shipment_event"):
    """A shipment's history, as its tenant sees it: every step, who (API key id) and when."""

    id = UUID(primary_key=True)
    shipment_id = UUID(index=True)
    at = Timestamptz()
    action = Varchar(length=32)
    actor = Varchar(length=64, default="")
    detail = Varchar(length=500, default="")


TABLES: list[type[Table]] = [Visit, Visitor, GateEvent, Alert, Shipment, ShipmentTracking, ShipmentEvent]
