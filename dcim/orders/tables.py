"""Tables of the orders app: orders, their transition history, unit claims and LOAs.

No foreign keys across apps: tenant ids are stored as UUIDs. Uniqueness that guards against
races lives in single-column unique keys (`idempotency_scope`, `claim_key`) so the same
migration works on PostgreSQL and SQLite.
"""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Bytea,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Order(Table, tablename="orders_order"):
    """One order of any kind; `spec` holds the kind-specific request, `netbox` what was built."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    kind = Varchar(length=16)  # space | power | cross_connect
    state = Varchar(length=32, index=True)
    frozen = Boolean(default=False)  # tenant suspended: nothing moves until it is lifted
    # "<tenant id>:<Idempotency-Key>": the same key from the same tenant finds the same order.
    idempotency_scope = Varchar(length=200, null=True, default=None, unique=True)
    request_hash = Varchar(length=64, default="")
    spec = JSON(default="{}")
    netbox_tenant_id = Integer(null=True, default=None)
    rack_id = Integer(null=True, default=None, index=True)
    power_w = Integer(default=0)  # committed load; summed per rack for headroom
    loa_status = Varchar(length=16, default="not_required")
    netbox = JSON(default="{}")  # ids of the NetBox objects fulfilment created
    attempts = Integer(default=0)
    last_error = Text(default="")
    next_attempt_at = Timestamptz(null=True, default=None)  # retry not before (backoff)
    lease_until = Timestamptz(null=True, default=None)  # a fulfilment run holds the order until
    # signed approvals (COLO_SIGNED_APPROVALS=decommissions): SHA-256 of the approving ops person's certificate
    decommission_signer_sha256 = Varchar(length=64, default="")
    created_by = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OrderEvent(Table, tablename="orders_order_event"):
    """Every transition: who, when, why. Append-only by convention."""

    id = UUID(primary_key=True)
    order_id = UUID(index=True)
    at = Timestamptz(default=TimestamptzNow())
    actor = Varchar(length=100)
    actor_role = Varchar(length=32, default="")
    action = Varchar(length=32)
    from_state = Varchar(length=32, default="")
    to_state = Varchar(length=32)
    reason = Text(default="")


class UnitClaim(Table, tablename="orders_unit_claim"):
    """A rack unit held by a space order. The unique `claim_key` makes double booking impossible."""

    id = UUID(primary_key=True)
    claim_key = Varchar(length=40, unique=True)  # "<rack id>:<unit>"
    rack_id = Integer(index=True)
    unit = Integer()
    order_id = UUID(index=True)


class Loa(Table, tablename="orders_loa"):
    """An LOA-CFA request for a cross-connect and, once granted, the signed document."""

    id = UUID(primary_key=True)
    order_id = UUID(index=True)
    a_tenant_id = UUID()
    z_tenant_id = UUID(null=True, default=None, index=True)  # None: a carrier without a Colo account
    z_netbox_tenant_id = Integer(null=True, default=None)
    status = Varchar(length=16)  # a dcim.orders.states.LoaStatus value (loa_pending, loa_granted, …)
    document = Text(default="")  # canonical JSON that was signed
    signature = Varchar(length=128, default="")
    key_id = Varchar(length=32, default="")
    decided_by = Varchar(length=100, default="")
    reason = Text(default="")
    issued_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class LoaSignedPdf(Table, tablename="orders_loa_signed_pdf"):
    """A granted LOA's PDF, signed by the Z-side granter (PAdES) and countersigned by the facility.
    Kept apart from orders_loa so listing LOAs never reads the files."""

    id = UUID(primary_key=True)  # the LOA's id
    pdf = Bytea()
    signer_subject = Varchar(length=500)
    signer_fingerprint = Varchar(length=64)  # SHA-256 of the granter's certificate, hex
    signed_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())


TABLES: list[type[Table]] = [Order, OrderEvent, UnitClaim, Loa, LoaSignedPdf]
