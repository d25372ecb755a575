"""Who is on site now: everyone checked in and not yet out, with the visit they came on and
whether its window has already ended (an overstay, also alerted by alerts.sweep_overstays).

One function for the gate's API route (GET /v1/gate/on-site) and the portal's gate screen, read
straight from the visitors' `on_site` flag (set and cleared by gate.check_in/check_out), so no
visit is missed however old it is. Names are the stored masks, never decrypted: the list is
shown on a tablet at the entrance, and whoever is checked in is named in full on the scan result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from colo.identity import Principal
from colo.paging import Keyset, PageRequest, PageResult, select_page
from siteaccess.schemas import OnSiteRead
from siteaccess.tables import Visit, Visitor
from tenants.scope import scoped
from tenants.tables import Tenant

ON_SITE_KEYS = Keyset("on_site", (datetime, UUID), descending=True)  # latest check-in first


async def list_on_site(
    *, principal: Principal, page: PageRequest, now: datetime | None = None,
) -> PageResult[OnSiteRead]:
    """One page of the people on site now, the latest check-in first."""
    moment = now or datetime.now(UTC)
    query = Visitor.select(Visitor.id, Visitor.visit_id, Visitor.tenant_id, Visitor.name_masked, Visitor.company,
                           Visitor.badge_number, Visitor.checked_in_at).where(
        Visitor.on_site.eq(True) & Visitor.checked_in_at.is_not_null())
    rows = await select_page(scoped(query, principal=principal, column=Visitor.tenant_id),
                             columns=(Visitor.checked_in_at, Visitor.id), keyset=ON_SITE_KEYS, page=page)
    if not rows.items:
        return PageResult([], rows.next_key, rows.keyset)
    visits = {v["id"]: v for v in await Visit.select(Visit.id, Visit.ends_at, Visit.escort_required).where(
        Visit.id.is_in(list({r["visit_id"] for r in rows.items})))}
    tenants = {t["id"]: t["legal_name"] for t in await Tenant.select(Tenant.id, Tenant.legal_name).where(
        Tenant.id.is_in(list({r["tenant_id"] for r in rows.items})))}
    reads = [OnSiteRead.of(row, visit=visits[row["visit_id"]], tenant_name=tenants.get(row["tenant_id"], ""),
                           now=moment) for row in rows.items if row["visit_id"] in visits]
    return PageResult(reads, rows.next_key, rows.keyset)
