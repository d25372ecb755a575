"""dcim's tables: the plant read model, a local copy of NetBox kept fresh by sync and webhooks.

Rows are keyed by their NetBox id (`netbox_id`); references between them are NetBox ids too,
so a row can be replaced without touching the rows that point at it. `synced_at` says when
the row was last confirmed against NetBox; responses turn it into `data_age_seconds`.
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Float,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class PlantSite(Table, tablename="dcim_site"):
    netbox_id = Integer(unique=True, index=True)
    name = Varchar(length=200)
    slug = Varchar(length=100)
    status = Varchar(length=30)
    synced_at = Timestamptz()


class PlantLocation(Table, tablename="dcim_location"):
    netbox_id = Integer(unique=True, index=True)
    site_id = Integer(index=True)
    parent_id = Integer(null=True, default=None)
    name = Varchar(length=200)
    slug = Varchar(length=100)
    is_meet_me_room = Boolean(default=False)
    synced_at = Timestamptz()


class PlantTenant(Table, tablename="dcim_tenant"):
    netbox_id = Integer(unique=True, index=True)
    name = Varchar(length=200)
    slug = Varchar(length=100)
    group_slug = Varchar(length=100, default="")
    synced_at = Timestamptz()


class PlantRack(Table, tablename="dcim_rack"):
    """A rack with its units and power budget pre-computed, so views and searches only read."""

    netbox_id = Integer(unique=True, index=True)
    site_id = Integer(index=True)
    location_id = Integer(null=True, default=None, index=True)
    hall = Varchar(length=200, default="")  # the location's name, for display and filtering
    row = Varchar(length=200, default="")  # NetBox rack group name
    name = Varchar(length=100, index=True)
    status = Varchar(length=30)
    role = Varchar(length=100, default="")
    tenant_id = Integer(null=True, default=None)
    u_height = Integer()
    starting_unit = Integer(default=1)
    # One character per unit from starting_unit upwards: see dcim.readmodel.units.
    unit_states = Text()
    free_units = Integer()
    max_free_run = Integer(index=True)
    occupied_units = Integer()
    reserved_units = Integer()
    power_nominal_va = Integer(default=0)
    power_sellable_va = Integer(default=0)
    power_committed_va = Integer(default=0)
    power_free_va = Integer(default=0, index=True)
    power_redundant = Boolean(default=False)
    synced_at = Timestamptz()


class PlantReservation(Table, tablename="dcim_reservation"):
    netbox_id = Integer(unique=True, index=True)
    rack_id = Integer(index=True)
    tenant_id = Integer(null=True, default=None, index=True)
    units = JSON()  # list of unit numbers
    status = Varchar(length=30)
    description = Varchar(length=200, default="")
    synced_at = Timestamptz()


class PlantDevice(Table, tablename="dcim_device"):
    netbox_id = Integer(unique=True, index=True)
    name = Varchar(length=200, default="")
    rack_id = Integer(null=True, default=None, index=True)
    location_id = Integer(null=True, default=None)
    position = Float(null=True, default=None)
    face = Varchar(length=10, default="")
    u_height = Float(default=0)
    tenant_id = Integer(null=True, default=None)
    role = Varchar(length=100, default="")
    device_type = Varchar(length=100, default="")
    media = Varchar(length=20, default="")  # patch panels: smf | mmf | copper (device type tag)
    synced_at = Timestamptz()


class PlantPowerPanel(Table, tablename="dcim_power_panel"):
    netbox_id = Integer(unique=True, index=True)
    site_id = Integer(index=True)
    location_id = Integer(null=True, default=None)
    name = Varchar(length=200)
    synced_at = Timestamptz()


class PlantPowerFeed(Table, tablename="dcim_power_feed"):
    netbox_id = Integer(unique=True, index=True)
    panel_id = Integer(index=True)
    rack_id = Integer(null=True, default=None, index=True)
    name = Varchar(length=200)
    status = Varchar(length=30)
    side = Varchar(length=20)  # NetBox type: primary (A) | redundant (B)
    supply = Varchar(length=5)
    phase = Varchar(length=20)
    voltage = Integer()
    amperage = Integer()
    max_utilization = Integer()
    nominal_va = Integer()
    available_va = Integer()
    allocated_w = Integer(default=0)
    tenant_id = Integer(null=True, default=None)
    # A tenant circuit Colo created for this order: a commitment against the supply, never supply.
    colo_order_id = Varchar(length=36, default="")
    synced_at = Timestamptz()


class PlantPowerPort(Table, tablename="dcim_power_port"):
    """Power ports plugged into a feed: their allocated draw is the feed's booked load."""

    netbox_id = Integer(unique=True, index=True)
    device_id = Integer(index=True)
    feed_id = Integer(null=True, default=None, index=True)
    allocated_draw = Integer(default=0)
    maximum_draw = Integer(default=0)
    synced_at = Timestamptz()


class PlantPort(Table, tablename="dcim_port"):
    """Front and rear ports of patch panels, with what they are cabled to."""

    netbox_id = Integer(index=True)
    kind = Varchar(length=5)  # front | rear
    device_id = Integer(index=True)
    name = Varchar(length=64)
    port_type = Varchar(length=30)
    positions = Integer(default=1)
    rear_port_id = Integer(null=True, default=None)  # front ports: the rear port they map onto
    rear_position = Integer(null=True, default=None)
    cable_id = Integer(null=True, default=None, index=True)
    peer_port_id = Integer(null=True, default=None)  # the port at the cable's other end
    synced_at = Timestamptz()


class PlantCable(Table, tablename="dcim_cable"):
    netbox_id = Integer(unique=True, index=True)
    label = Varchar(length=100, default="")
    status = Varchar(length=30)
    cable_type = Varchar(length=30, default="")
    tenant_id = Integer(null=True, default=None)
    a_terminations = JSON()  # [[object_type, object_id], …]
    b_terminations = JSON()
    synced_at = Timestamptz()


class PlantSyncState(Table, tablename="dcim_sync_state"):
    """One row per sync kind ("full", "event"): when it last succeeded and what it saw."""

    kind = Varchar(length=20, unique=True)
    finished_at = Timestamptz()
    # The column predates type checking and shadows Table.objects() (never called on this table);
    # renaming it would take a migration for no behaviour.
    objects = Integer(default=0)  # type: ignore[assignment]
    seconds = Float(default=0)
    detail = Text(default="")




class PlantGeneration(Table, tablename="dcim_generation"):
    """One row counting read-model writes; every write transaction bumps it. Cached views are
    valid while it is unchanged (dcim.readmodel.cache), in every process sharing the database."""

    value = BigInt(default=0)


class PlantRefreshQueue(Table, tablename="dcim_refresh_queue"):
    """Re-reads NetBox's webhooks asked for, queued by whichever replica received the webhook and
    drained by the read-model leader (dcim/readmodel/queue.py): in the database, so a replica
    dying loses nothing. `kind` is "rack" (object_id: a rack), "object" (object_type, object_id)
    or "full" (a full sync). A claimed row comes back to the queue when `claimed_until` passes."""

    kind = Varchar(length=8)
    object_type = Varchar(length=64, default="")
    object_id = BigInt(default=0)
    queued_at = Timestamptz()
    claimed_until = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [
    PlantSite, PlantLocation, PlantTenant, PlantRack, PlantReservation, PlantDevice,
    PlantPowerPanel, PlantPowerFeed, PlantPowerPort, PlantPort, PlantCable, PlantSyncState,
    PlantGeneration, PlantRefreshQueue,
]
