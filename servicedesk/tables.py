"""Tables of the service desk. Tenant ids are UUIDs (no foreign keys across apps); the plant
objects a ticket names are NetBox ids and order ids, checked when the ticket is created.

One ticket table for both kinds: they share the lifecycle, the SLA clock, the history, the
attachments and the time log; what differs (the catalogue type and details of a hands request,
the category and affected objects of a trouble ticket) sits in columns the other kind leaves empty.
"""

from piccolo.columns import UUID, BigInt, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Ticket(Table, tablename="servicedesk_ticket"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    kind = Varchar(length=16, index=True)  # hands, trouble
    state = Varchar(length=20, index=True)
    title = Varchar(length=200)
    scope = Text(default="")  # hands: the scope of work; trouble: what is wrong
    request_type = Varchar(length=32, default="")  # hands: the catalogue's type
    details = Text(default="{}")  # hands: JSON, the type's fields (servicedesk/catalogue.py)
    scheduling = Varchar(length=16, default="")  # hands: standard, expedited, scheduled
    window_start = Timestamptz(null=True, default=None)
    window_end = Timestamptz(null=True, default=None)
    category = Varchar(length=32, default="")  # trouble
    priority = Varchar(length=16, default="")  # trouble
    location = Text(default="{}")  # hands: JSON where (rack_id, units, device_id, cross_connect_order_id)
    affected = Text(default="{}")  # trouble: JSON lists of rack, power feed and cross-connect order ids
    contact_name = Varchar(length=200)
    contact_phone = Varchar(length=40, default="")
    contact_email = Varchar(length=254, default="")
    provider_caused = Boolean(null=True, default=None)  # trouble: recorded at resolution
    resolution = Varchar(length=2000, default="")
    created_by = Varchar(length=64)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)
    # The SLA clock (servicedesk/sla.py)
    sla_started_at = Timestamptz()
    sla_due_base = Timestamptz(index=True)
    sla_paused_seconds = Integer(default=0)
    sla_paused_since = Timestamptz(null=True, default=None)
    sla_stopped_at = Timestamptz(null=True, default=None)


class TicketEvent(Table, tablename="servicedesk_event"):
    """The ticket's history: every transition, note, time entry and attachment (with its sha256)."""

    id = UUID(primary_key=True)
    ticket_id = UUID(index=True)
    tenant_id = UUID(index=True)
    at = Timestamptz(index=True)
    actor = Varchar(length=64)  # API key id
    actor_role = Varchar(length=20, default="")
    kind = Varchar(length=16)
    from_state = Varchar(length=20, default="")
    to_state = Varchar(length=20, default="")
    text = Varchar(length=2000, default="")
    minutes = Integer(default=0)  # time entries: minutes worked
    billable_minutes = Integer(default=0)  # rounded up to 30-minute steps
    sha256 = Varchar(length=64, default="")  # attachments


class Attachment(Table, tablename="servicedesk_attachment"):
    """A file on a ticket: its bytes live content-addressed under COLO_ATTACHMENTS_DIR."""

    id = UUID(primary_key=True)
    ticket_id = UUID(index=True)
    tenant_id = UUID(index=True)
    sha256 = Varchar(length=64, index=True)
    size = BigInt()
    media_type = Varchar(length=100)
    filename = Varchar(length=200)
    uploaded_by = Varchar(length=64)
    created_at = Timestamptz()


class SlaAlert(Table, tablename="servicedesk_sla_alert"):
    """An SLA approaching or breached, for ops: one per ticket and kind (`dedup_key`)."""

    id = UUID(primary_key=True)
    ticket_id = UUID(index=True)
    tenant_id = UUID()
    kind = Varchar(length=16, index=True)
    detail = Varchar(length=500, default="")
    dedup_key = Varchar(length=200, unique=True)
    created_at = Timestamptz(index=True)
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = Varchar(length=64, default="")


TABLES: list[type[Table]] = [Ticket, TicketEvent, Attachment, SlaAlert]
