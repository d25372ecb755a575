"""Schemas of the plant views and capacity search (msgspec). Ids are NetBox ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

import msgspec

from colo.paging import Page, PageResult

T = TypeVar("T")

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
UnitState = Literal["free", "occupied", "reserved", "reserved_occupied"]
Media = Literal["smf", "mmf", "copper"]


class Freshness(msgspec.Struct):
    """How old the data is: when it was last confirmed against NetBox."""

    synced_at: datetime | None
    data_age_seconds: float | None
    # Whether NetBox's webhooks reach Colo: when `not_arriving`, changes made in NetBox since
    # `synced_at` show only after the next periodic sync (at most 5 minutes).
    webhooks: Literal["arriving", "not_arriving", "unknown"] = "unknown"


class TenantRef(msgspec.Struct):
    netbox_id: int
    name: str


class PowerBudget(msgspec.Struct):
    nominal_va: int  # one side's breaker rating
    sellable_va: int  # one side's derated capacity (what survives losing the other side)
    committed_va: int
    free_va: int
    redundant: bool
    utilization: float


class RackSummary(msgspec.Struct):
    netbox_id: int
    name: str  # NetBox rack names repeat across sites: site (and hall) tell them apart
    site_id: int
    site: str  # the site's name
    hall: str  # the rack's NetBox location name
    row: str
    status: str
    u_height: int
    free_units: int
    max_free_run: int
    occupied_units: int
    reserved_units: int
    power: PowerBudget
    freshness: Freshness
    my_units: list[int] | None = None  # tenant callers: the units they hold here


class PlantPage(Page[T], Generic[T]):  # noqa: UP046 - the TypeVar form, as colo.paging.Page says
    """A plant list's page: the one envelope plus what is cheap here (the lists are computed
    whole from the read model): how many rows match the filters, and how fresh they are."""

    count: int
    freshness: Freshness


@dataclass(frozen=True, slots=True)
class PlantResult[R](PageResult[R]):
    """A keyset page of a plant list with its count (every matching row) and freshness."""

    count: int
    freshness: Freshness


class UnitView(msgspec.Struct, omit_defaults=True):
    unit: int
    state: UnitState
    mine: bool = False  # tenant callers: reserved for them
    tenant: TenantRef | None = None  # ops only: who holds it
    device: str | None = None  # ops only: what occupies it


class FeedView(msgspec.Struct):
    netbox_id: int
    name: str
    side: str
    status: str
    phase: str
    voltage: int
    amperage: int
    max_utilization: int
    nominal_va: int
    available_va: int
    allocated_w: int
    # A circuit Colo created for a tenant's power order: a commitment against the supply, not supply.
    tenant_circuit: bool = False


class RackDetail(msgspec.Struct):
    rack: RackSummary
    units: list[UnitView]  # top unit first, like a printed elevation
    feeds: list[FeedView]
    freshness: Freshness


class TenantUsage(msgspec.Struct):
    tenant: TenantRef | None  # None for tenant callers' own row (it is them)
    reserved_units: int
    committed_va: int


class RackUtilization(msgspec.Struct):
    netbox_id: int
    name: str
    site: str  # the site's name: rack names repeat across sites
    hall: str
    nominal_va: int
    derated_va: int  # nominal * max_utilization: what may be sold on one side
    committed_va: int
    available_va: int  # derated - committed
    tenants: list[TenantUsage]


class UtilizationReport(msgspec.Struct):
    racks: list[RackUtilization]
    totals: PowerBudget
    freshness: Freshness


class CapacityQuery(msgspec.Struct, forbid_unknown_fields=True):
    units: Annotated[int, msgspec.Meta(ge=1, le=60)]
    kw: Annotated[float, msgspec.Meta(ge=0, le=100)] = 0.0
    redundant: bool = True
    mmr_ports: Annotated[int, msgspec.Meta(ge=0, le=96)] = 0
    media: Media | None = None
    site_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None = None  # a NetBox id (int32)
    hall: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10


class Placement(msgspec.Struct):
    rack_id: int
    rack: str
    hall: str  # the rack's NetBox location name
    row: str
    first_unit: int
    last_unit: int
    free_run: int  # length of the free run the placement sits in
    power_free_va: int
    mmr_free_ports: int
    score: float  # lower is a tighter fit
    facility: bool = False  # the rack holds the house's own kit: ranks after every other rack
    site: str = ""  # the site's name: rack names repeat across sites


class CapacityAnswer(msgspec.Struct):
    placements: list[Placement]
    considered_racks: int
    search_ms: float
    freshness: Freshness
