"""The access review's picture of who can get in and who can act, gathered through the domains'
own listing functions as the reviewing officer (facility scope: every tenant): API keys, portal
accounts, staff, open badges and visits soon — each credential marked dormant when it has not
been used for the chosen number of days (or, never used, was made that long ago).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from accounts.schemas import AccountRead
from accounts.service import list_accounts, list_staff
from colo.identity import Principal
from colo.paging import MAX_LIMIT, PageRequest
from siteaccess.schemas import VisitorRead, VisitRead
from siteaccess.service import list_visits
from siteaccess.status import BadgeStatus, VisitStatus
from tenants.keys import list_keys
from tenants.lifecycle import list_tenants
from tenants.schemas import TenantRead
from tenants.schemas_keys import KeyRead

DEFAULT_DORMANT_DAYS = 90
MIN_DORMANT_DAYS, MAX_DORMANT_DAYS = 1, 3650
VISIT_HORIZON = timedelta(days=14)
MAX_PAGES = 25  # 25 pages of 200: far beyond a facility's keys, bounded all the same


@dataclass(slots=True)
class TenantAccess:
    tenant: TenantRead | None  # None: keys or accounts of a tenant this list did not reach
    keys: list[KeyRead] = field(default_factory=list)
    accounts: list[AccountRead] = field(default_factory=list)
    visits: list[VisitRead] = field(default_factory=list)
    badges: list[tuple[VisitRead, VisitorRead]] = field(default_factory=list)


@dataclass(slots=True)
class Review:
    tenants: list[TenantAccess]
    staff_keys: list[KeyRead]
    staff_accounts: list[AccountRead]
    dormant: set[UUID]  # ids of keys and accounts unused for `days`
    days: int
    now: datetime


def bounded_days(value: int | None) -> int:
    if value is None:
        return DEFAULT_DORMANT_DAYS
    return min(MAX_DORMANT_DAYS, max(MIN_DORMANT_DAYS, value))


async def _all_keys(principal: Principal) -> list[KeyRead]:
    keys: list[KeyRead] = []
    after = None
    for _ in range(MAX_PAGES):
        page = await list_keys(principal=principal, page=PageRequest(limit=MAX_LIMIT, after=after))
        keys.extend(page.items)
        if page.next_key is None:
            break
        after = page.next_key
    return keys


async def _all_tenants(principal: Principal) -> list[TenantRead]:
    tenants: list[TenantRead] = []
    after = None
    for _ in range(MAX_PAGES):
        page = await list_tenants(principal=principal, page=PageRequest(limit=MAX_LIMIT, after=after))
        tenants.extend(page.items)
        if page.next_key is None:
            break
        after = page.next_key
    return tenants


async def _soon_visits(principal: Principal, master_key: bytes, now: datetime) -> list[VisitRead]:
    """Pending and approved visits that are on now or start within the horizon."""
    found: list[VisitRead] = []
    for status in (VisitStatus.APPROVED, VisitStatus.PENDING):
        after = None
        for _ in range(MAX_PAGES):
            page = await list_visits(principal=principal, master_key=master_key, status=status,
                                     page=PageRequest(limit=MAX_LIMIT, after=after))
            found.extend(v for v in page.items if v.ends_at > now and v.starts_at < now + VISIT_HORIZON)
            # newest start first: once a page starts before now - horizon, older pages are done
            if page.next_key is None or (page.items and page.items[-1].ends_at <= now - VISIT_HORIZON):
                break
            after = page.next_key
    return sorted(found, key=lambda v: v.starts_at)


async def gather(*, principal: Principal, master_key: bytes, now: datetime, days: int) -> Review:
    since = now - timedelta(days=days)
    keys = [k for k in await _all_keys(principal) if k.expires_at is None or k.expires_at > now]
    accounts = [a for a in await list_accounts(principal=principal) if a.status != "disabled"]
    staff = [a for a in await list_staff(principal=principal) if a.status != "disabled"]
    by_tenant: dict[UUID, TenantAccess] = {t.id: TenantAccess(tenant=t) for t in await _all_tenants(principal)}

    def holder(tenant_id: UUID) -> TenantAccess:
        return by_tenant.setdefault(tenant_id, TenantAccess(tenant=None))

    for key in keys:
        if key.tenant_id is not None:
            holder(key.tenant_id).keys.append(key)
    for account in accounts:
        if account.tenant_id is not None:
            holder(account.tenant_id).accounts.append(account)
    for visit in await _soon_visits(principal, master_key, now):
        access = holder(visit.tenant_id)
        access.visits.append(visit)
        access.badges.extend((visit, v) for v in visit.visitors if v.badge_status == BadgeStatus.ISSUED)
    dormant = {k.id for k in keys if (k.last_used_at or k.created_at) < since}
    dormant |= {a.id for a in [*accounts, *staff] if (a.last_sign_in_at or a.created_at) < since}
    listed = [t for t in by_tenant.values() if t.keys or t.accounts or t.visits]
    listed.sort(key=lambda t: t.tenant.legal_name.lower() if t.tenant else "~")
    return Review(tenants=listed, staff_keys=[k for k in keys if k.tenant_id is None], staff_accounts=staff,
                  dormant=dormant, days=days, now=now)
