"""What the tenant dashboard and the rack page show, assembled from the same service calls the
API makes for the same person (api/controllers/plant.py, orders.py, loas.py, visits.py), so a
figure on a page is the figure the API gives: racks and their power budgets from
dcim.readmodel.views (list_racks, rack_detail), orders from dcim.orders.store.list_for, LOAs
from dcim.orders.loas.list_for, visits from siteaccess.service.list_visits.

A section is assembled only when the person's role may call the API operation behind it (the
one policy table); the dashboard of a brand-new tenant is every section, empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from api.guards import AccessPolicy
from colo.errors import NotFound
from colo.identity import Principal
from colo.paging import PageRequest
from dcim.orders import loas, store
from dcim.orders.schemas import LoaRead, OrderRead
from dcim.orders.states import TERMINAL, LoaStatus, OrderState
from dcim.readmodel import views
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.schemas import FeedView, Freshness, PlantResult, PowerBudget, RackDetail, RackSummary
from siteaccess import service as visits
from siteaccess.schemas import VisitRead
from siteaccess.status import VisitStatus
from tenants.policy import is_allowed
from web.elevation import Elevation, elevation
from web.i18n import marker as _
from web.orders_view import KIND_NAMES, state_name, waits_for
from web.power_sides import SideBar, of_feed_views

RACKS_PER_PAGE = 12  # racks on the dashboard, each with its small elevation; more: the next page
LIST_LIMIT = 50  # rows read per open-order state, pending LOAs and upcoming visits
SHOWN = 10  # rows shown per section (the section links to its full list)

# Open orders: waiting for someone (in service and closed orders are done); how each is worded is
# web/orders_view.py's, so the dashboard and the order pages say the same of the same order.
OPEN_STATES = tuple(state for state in OrderState if state not in TERMINAL and state != OrderState.ACTIVE)
VISIT_STATUS_NAMES = {VisitStatus.PENDING: _("Waiting for approval"), VisitStatus.APPROVED: _("Approved")}


@dataclass(frozen=True, slots=True)
class PowerBar:
    """A rack's power budget as a bar, with the read model's figures unchanged (W = VA)."""

    sellable_va: int
    committed_va: int
    free_va: int
    redundant: bool
    percent: int  # committed of sellable, 0 to 100 (the bar's filled width)
    over: bool  # more committed than sellable
    sides: tuple[SideBar, ...] = ()  # the A and the B side, drawn as a bar each (web/power_sides.py)

    @classmethod
    def of(cls, budget: PowerBudget, feeds: list[FeedView] | None = None) -> PowerBar:
        share = budget.committed_va / budget.sellable_va if budget.sellable_va else (1.0 if budget.committed_va
                                                                                     else 0.0)
        sides = tuple(of_feed_views(feeds, committed_va=budget.committed_va)) if feeds is not None else ()
        return cls(sellable_va=budget.sellable_va, committed_va=budget.committed_va, free_va=budget.free_va,
                   redundant=budget.redundant, percent=max(0, min(100, round(share * 100))),
                   over=budget.committed_va > budget.sellable_va, sides=sides)


@dataclass(frozen=True, slots=True)
class RackCard:
    rack: RackSummary
    power: PowerBar
    drawing: Elevation | None  # None when the rack could not be read (gone since the list was read)


@dataclass(frozen=True, slots=True)
class OpenOrder:
    order: OrderRead
    waits_for: str  # message id
    state_name: str
    kind_name: str

    @property
    def yours(self) -> bool:
        return self.order.state == OrderState.ACTION_REQUIRED and not self.order.frozen


@dataclass(frozen=True, slots=True)
class PlantAge:
    """The plant data's age as the page says it."""

    synced_at: datetime | None
    age_seconds: float | None
    webhooks_late: bool

    @classmethod
    def of(cls, freshness: Freshness) -> PlantAge:
        return cls(synced_at=freshness.synced_at, age_seconds=freshness.data_age_seconds,
                   webhooks_late=freshness.webhooks == "not_arriving")


@dataclass(slots=True)
class Dashboard:
    racks: list[RackCard] = field(default_factory=list)
    rack_count: int = 0
    next_cursor: str | None = None
    freshness: PlantAge | None = None
    orders: list[OpenOrder] | None = None  # None: the role may not list orders
    orders_more: bool = False
    loas: list[LoaRead] | None = None
    loas_more: bool = False
    visits: list[VisitRead] | None = None
    visits_more: bool = False
    shows_racks: bool = False


def may(policy: AccessPolicy, principal: Principal, operation: str) -> bool:
    return is_allowed(policy.roles, operation, principal.role)


async def rack_card(*, principal: Principal, rack: RackSummary, cache: ReadModelCache) -> RackCard:
    """A rack of the list with its small drawing, from the rack's own detail (GET /v1/racks/{id})."""
    try:
        detail = await views.rack_detail(principal=principal, rack_id=rack.netbox_id, cache=cache)
    except NotFound:
        return RackCard(rack=rack, power=PowerBar.of(rack.power), drawing=None)
    return RackCard(rack=rack, power=PowerBar.of(detail.rack.power, detail.feeds),
                    drawing=elevation(detail, small=True))


async def racks_section(board: Dashboard, *, principal: Principal, cache: ReadModelCache,
                        page: PageRequest) -> PlantResult[RackSummary]:
    result = await views.list_racks(principal=principal, page=page, cache=cache)
    board.racks = [await rack_card(principal=principal, rack=rack, cache=cache) for rack in result.items]
    board.rack_count = result.count
    board.freshness = PlantAge.of(result.freshness)
    return result


async def open_orders(principal: Principal) -> tuple[list[OpenOrder], bool]:
    found: list[OrderRead] = []
    more = False
    for state in OPEN_STATES:
        result = await store.list_for(principal=principal, state=state, kind=None, tenant_id=None,
                                      page=PageRequest(limit=LIST_LIMIT))
        found.extend(result.items)
        more = more or result.next_key is not None
    found.sort(key=lambda o: (o.state != OrderState.ACTION_REQUIRED, -o.created_at.timestamp()))
    return [OpenOrder(order=o, waits_for=waits_for(o), state_name=state_name(o.state),
                      kind_name=KIND_NAMES.get(o.kind, o.kind)) for o in found[:SHOWN]], more or len(found) > SHOWN


async def loas_to_decide(principal: Principal) -> tuple[list[LoaRead], bool]:
    """Pending LOAs where the person's company is the Z side: the ones waiting for its decision."""
    result = await loas.list_for(principal=principal, status=LoaStatus.PENDING.value,
                                 page=PageRequest(limit=LIST_LIMIT))
    mine = [loa for loa in result.items if loa.z_tenant_id is not None and loa.z_tenant_id == principal.tenant_id]
    return mine[:SHOWN], len(mine) > SHOWN or result.next_key is not None


async def upcoming_visits(principal: Principal, *, master_key: bytes,
                          now: datetime | None = None) -> tuple[list[VisitRead], bool]:
    """Pending and approved visits that have not ended yet, soonest first."""
    moment = now or datetime.now(UTC)
    found: list[VisitRead] = []
    more = False
    for status in (VisitStatus.PENDING, VisitStatus.APPROVED):
        result = await visits.list_visits(principal=principal, master_key=master_key, status=status,
                                          page=PageRequest(limit=LIST_LIMIT))
        found.extend(v for v in result.items if v.ends_at >= moment)
        more = more or result.next_key is not None
    found.sort(key=lambda v: v.starts_at)
    return found[:SHOWN], more or len(found) > SHOWN


async def tenant_dashboard(*, principal: Principal, policy: AccessPolicy, cache: ReadModelCache,
                           master_key: bytes, page: PageRequest) -> tuple[Dashboard, PlantResult[RackSummary] | None]:
    """Every section the person may see; the rack list's page result, for its next-page link."""
    board = Dashboard()
    result = None
    if may(policy, principal, "list_racks") and may(policy, principal, "get_rack"):
        board.shows_racks = True
        result = await racks_section(board, principal=principal, cache=cache, page=page)
    if may(policy, principal, "list_orders"):
        board.orders, board.orders_more = await open_orders(principal)
    if may(policy, principal, "list_loas"):
        board.loas, board.loas_more = await loas_to_decide(principal)
    if may(policy, principal, "list_visits"):
        board.visits, board.visits_more = await upcoming_visits(principal, master_key=master_key)
    return board, result


def rack_page(detail: RackDetail) -> tuple[Elevation, PowerBar]:
    """The rack page's drawing and power bar, from GET /v1/racks/{id}'s answer."""
    return elevation(detail), PowerBar.of(detail.rack.power, detail.feeds)
