"""Tables of site visits. Tenant ids are stored as UUIDs (no foreign keys across apps).

Visitor names and ID document numbers are personal data: stored only as ciphertext under the
tenant's data key (colo.pii) plus a mask for display, so erasing the tenant erases them.
"""

from piccolo.columns import UUID, Boolean, Text, Timestamptz, Varchar
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


TABLES: list[type[Table]] = [Visit, Visitor, GateEvent, Alert]
