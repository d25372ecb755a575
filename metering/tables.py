"""Tables of metering. NetBox ids (device, feed, rack) are plain integers and tenant ids UUIDs:
no foreign keys across apps. A meter is one PDU (or one BMS meter) on one feed.

Readings and roll-ups carry a `dedup` key (meter, channel, metric, time), unique: a repeated
push or poll of the same instant is dropped, so ingest is idempotent per meter and timestamp.
"""

from piccolo.columns import UUID, Boolean, DoublePrecision, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Meter(Table, tablename="metering_meter"):
    id = UUID(primary_key=True)
    key = Varchar(length=100, unique=True)  # "netbox:<device id>" or the BMS's own meter name
    name = Varchar(length=200)
    source = Varchar(length=8)  # snmp, push
    netbox_device_id = Integer(null=True, default=None, index=True)
    feed_id = Integer(null=True, default=None, index=True)  # NetBox power feed
    feed_name = Varchar(length=200, default="")
    side = Varchar(length=20, default="")  # primary (A) | redundant (B)
    feed_capacity_w = Integer(default=0)  # the feed's derated capacity (NetBox available_power)
    rack_id = Integer(null=True, default=None, index=True)
    tenant_id = UUID(null=True, default=None, index=True)  # the Colo tenant the readings belong to
    contracted_w = Integer(default=0)  # committed power of the tenant's circuit on this feed
    host = Varchar(length=64, default="")
    port = Integer(default=161)
    inlet = Integer(default=0)  # the PDU's inlet this meter reads (its feed's); 0 = the whole PDU
    vendor = Varchar(length=32, default="apc-rpdu2")
    snmp_version = Varchar(length=4, default="v2c")
    # The PDU's own v2c community, AES-GCM-sealed under the master key (metering/community.py); ""
    # = Colo's COLO_SNMP_COMMUNITY. v3 credentials are Colo's settings.
    community_sealed = Text(default="", secret=True)
    active = Boolean(default=True)
    first_seen_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
    last_values = Text(default="{}")  # JSON {"<channel>:<metric>": value} of the latest reading
    discovered_at = Timestamptz()


class Reading(Table, tablename="metering_reading"):
    id = UUID(primary_key=True)
    meter_id = UUID(index=True)
    channel = Integer()
    metric = Varchar(length=16)
    at = Timestamptz(index=True)
    value = DoublePrecision()
    dedup = Varchar(length=120, unique=True)


class Rollup(Table, tablename="metering_rollup"):
    """One meter's metric over one bucket: mean, min, max and samples; for the energy counter,
    `energy_kwh` is what the counter advanced in the bucket (deltas, never interpolated)."""

    id = UUID(primary_key=True)
    resolution = Varchar(length=3)
    meter_id = UUID(index=True)
    channel = Integer()
    metric = Varchar(length=16)
    bucket = Timestamptz(index=True)
    mean = DoublePrecision(default=0.0)
    low = DoublePrecision(default=0.0)
    high = DoublePrecision(default=0.0)
    samples = Integer(default=0)
    energy_kwh = DoublePrecision(default=0.0)
    flags = Varchar(length=100, default="")  # comma-separated metering.status.Flag values
    dedup = Varchar(length=140, unique=True)


class MeteringAlert(Table, tablename="metering_alert"):
    """A power or environment condition for ops: raised once while it holds (`open_key` unique
    while open, emptied to NULL when it clears), acknowledged by ops."""

    id = UUID(primary_key=True)
    kind = Varchar(length=24, index=True)
    subject = Varchar(length=120)  # feed:<id>, rack:<id>, tenant:<uuid>, meter:<uuid>:<channel>
    open_key = Varchar(length=160, null=True, default=None, unique=True)
    tenant_id = UUID(null=True, default=None)
    detail = Varchar(length=500, default="")
    value = DoublePrecision(default=0.0)
    threshold = DoublePrecision(default=0.0)
    opened_at = Timestamptz(index=True)
    cleared_at = Timestamptz(null=True, default=None)
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = Varchar(length=64, default="")


TABLES: list[type[Table]] = [Meter, Reading, Rollup, MeteringAlert]
