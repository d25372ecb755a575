"""Order schemas: what the API accepts (bounded, unknown fields refused) and what it returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

NetBoxId = Annotated[int, Meta(ge=1, le=2**31 - 1, description="a NetBox object id")]
Reason = Annotated[str, Meta(max_length=1000)]
IdempotencyKey = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]

MEDIA_CABLE_TYPES = {"smf": "smf", "mmf": "mmf", "copper": "cat6"}


class SpaceSpec(msgspec.Struct, forbid_unknown_fields=True, tag_field="kind", tag="space"):
    """N contiguous units: in a given rack (at `position`, or the bottom of its tightest free run),
    or without `rack_id` at the placement the capacity search ranks first for hall, site and
    power. Only racks the tenant may be sold (dcim.sales) are accepted."""

    units: Annotated[int, Meta(ge=1, le=60)]
    rack_id: NetBoxId | None = None
    position: Annotated[int, Meta(ge=1, le=100)] | None = None
    site_id: NetBoxId | None = None
    hall: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    kw: Annotated[float, Meta(ge=0, le=200)] = 0.0  # power headroom the rack must still have
    redundant: bool = True


class PowerSpec(msgspec.Struct, forbid_unknown_fields=True, tag_field="kind", tag="power"):
    """A power circuit to a rack: load in kW, A+B redundant or single, and the circuit's size."""

    rack_id: NetBoxId
    kw: Annotated[float, Meta(gt=0, le=200)]
    redundancy: Literal["a+b", "single"] = "a+b"
    phase: Literal["single-phase", "three-phase"] = "single-phase"
    voltage: Annotated[int, Meta(ge=100, le=480)] = 230
    amperage: Annotated[int, Meta(ge=1, le=400)] = 16


class CrossConnectSpec(msgspec.Struct, forbid_unknown_fields=True, tag_field="kind", tag="cross_connect"):
    """From one of the tenant's ports (A) to another tenant's or a carrier's port (Z)."""

    a_port_id: NetBoxId
    z_port_id: NetBoxId
    media: Literal["smf", "mmf", "copper"]
    speed: Literal["100M", "1G", "10G"]
    z_side: Literal["tenant", "carrier"] = "tenant"


OrderSpec = SpaceSpec | PowerSpec | CrossConnectSpec


class OrderCreate(msgspec.Struct, forbid_unknown_fields=True):
    spec: OrderSpec
    # Staff order on a tenant's behalf and must name it; tenants never do.
    tenant_id: UUID | None = None
    note: Annotated[str, Meta(max_length=1000)] = ""


class TransitionRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class FeedPowerCheck(msgspec.Struct):
    """One feed of the rack: its derated capacity and the power contracted on it beside what its
    meters measured (watts)."""

    feed_id: int
    name: str
    side: str  # primary (A) | redundant (B)
    capacity_w: int
    contracted_w: int
    measured_now_w: int
    peak_7d_w: int
    peak_30d_w: int


class PowerCheck(msgspec.Struct):
    """Staff reading a power order: the power committed on its rack beside the rack's measured
    draw — so ops weigh both when approving. `measured` is false where no meter measures the rack
    (then every measured figure is 0)."""

    rack_id: int
    requested_w: int  # this order
    committed_w: int  # the rack's other power orders that hold capacity
    measured: bool
    meters: int
    meters_reporting: int
    measured_now_w: int
    peak_7d_w: int
    peak_7d_at: datetime | None
    peak_30d_w: int
    peak_30d_at: datetime | None
    feeds: list[FeedPowerCheck]


class OrderRead(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    kind: str
    state: str
    frozen: bool
    spec: dict[str, Any]
    loa_status: str
    netbox: dict[str, Any]
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str]
    # a decommission approved with a signed document (COLO_SIGNED_APPROVALS): the approver's certificate, SHA-256
    decommission_signer_sha256: str = ""
    # staff reading one power order (GET /v1/orders/{id}): committed beside measured power; null otherwise
    power_check: PowerCheck | None = None


class OrderEventRead(msgspec.Struct):
    at: datetime
    actor: str
    actor_role: str
    action: str
    from_state: str
    to_state: str
    reason: str


class LoaGrant(msgspec.Struct, forbid_unknown_fields=True):
    valid_days: Annotated[int, Meta(ge=1, le=365)] = 90


class LoaRefusal(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=1000)]


class LoaPublicKey(msgspec.Struct):
    """A facility key LOAs are signed with: its id and the raw Ed25519 public key, base64."""

    key_id: str
    public_key: str


class LoaPort(msgspec.Struct):
    """One end of the cross-connect an LOA authorises: the NetBox front port, its device."""

    id: int
    device: str
    name: str


class LoaTerms(msgspec.Struct):
    """What an LOA asks the Z side to authorise, from its cross-connect order: both parties, both
    ports, media and speed, who requested it and where the order stands. Both parties may read it
    (the same visibility as the LOA), before the decision too — the signed document carries the
    same facts only once granted."""

    loa_id: UUID
    order_id: UUID
    order_state: str
    a_party: str
    z_party: str
    a_port: LoaPort
    z_port: LoaPort
    media: str
    speed: str
    requested_by: str
    requested_at: datetime


class LoaRead(msgspec.Struct):
    id: UUID
    order_id: UUID
    status: str
    a_tenant_id: UUID
    z_tenant_id: UUID | None
    issued_at: datetime | None
    expires_at: datetime | None
    decided_by: str
    reason: str
    # The signed LOA-CFA (present once granted): exactly what `colo loa verify` checks.
    signed: dict[str, Any] | None = None
