"""Ops' reconciliation findings against NetBox, filterable, each linked to its NetBox object.

Running it is the API's operation (run_reconciliation: ops and auditors): the same
dcim.orders.reconcile.reconcile over the app's provisioner, which reads NetBox through its own
gateway threads, and every finding written to the access log exactly as the API writes it. The
latest report per site is kept in the app's memory so the page can answer the post with a
redirect and show it again (finding ids are hashes of their facts: stable across runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from api.controllers.orders import provisioner_of
from api.controllers.reconcile import finding_entry
from api.request_state import RequestState
from colo.errors import ValidationFailed
from dcim.orders.reconcile import Finding, Report, reconcile
from dcim.readmodel import views
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.state import WebRequest

STATE_KEY = "ops_reconciliation_reports"  # app.state: site id (0 = every site) → the latest Report
KINDS: dict[str, str] = {
    "undocumented_cable": _("Undocumented cable"),
    "undocumented_reservation": _("Undocumented reservation"),
    "undocumented_feed": _("Undocumented power feed"),
    "changed_object": _("Changed in NetBox"),
    "tenant_drift": _("Assigned to another tenant"),
    "orphaned_object": _("Order already finished"),
    "unknown_order": _("Names an unknown order"),
    "vanished_object": _("Gone from NetBox"),
}
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_("Undocumented in Colo"), ("undocumented_cable", "undocumented_reservation", "undocumented_feed")),
    (_("Drift between NetBox and orders"),
     ("changed_object", "tenant_drift", "orphaned_object", "unknown_order", "vanished_object")),
)
SEVERITIES = {"high": _("High"), "medium": _("Medium"), "low": _("Low")}
NETBOX_PATHS = {"cable": "dcim/cables", "reservation": "dcim/rack-reservations", "feed": "dcim/power-feeds"}


@dataclass(frozen=True, slots=True)
class Shown:
    finding: Finding
    link: str | None  # the object in NetBox's own UI (none for an object gone from NetBox)


@dataclass(frozen=True, slots=True)
class Group:
    title: str
    findings: list[Shown]


def netbox_link(base: str, item: Finding) -> str | None:
    path = NETBOX_PATHS.get(item.object_type)
    if not base or path is None or item.object_id is None or item.kind == "vanished_object":
        return None
    return f"{base.rstrip('/')}/{path}/{item.object_id}/"


def _reports(request: Request[Any, Any, Any]) -> dict[int, Report]:
    reports: dict[int, Report] | None = request.app.state.get(STATE_KEY)
    if reports is None:
        reports = {}
        request.app.state[STATE_KEY] = reports
    return reports


def _site(value: str, names: dict[int, str]) -> int:
    return int(value) if value.isdigit() and int(value) in names else 0


class ReconciliationController(Controller):
    path = "/"

    @get("/ops/reconciliation", operation_id="portal_ops_reconciliation", opt={"acts_as": "run_reconciliation"})
    async def findings(self, request: Request[Any, Any, Any]) -> Template:
        services = runtime_of(request).services
        names = await views.site_names(await services.read_cache.generation(), cache=services.read_cache)
        params = dict(request.query_params)
        site_id = _site(text(params, "site_id", limit=12), names)
        kind = text(params, "kind", limit=40)
        kind = kind if kind in KINDS else ""
        report = _reports(request).get(site_id)
        groups: list[Group] = []
        if report is not None:
            base = services.netbox.url
            for title, kinds in GROUPS:
                chosen = [Shown(item, netbox_link(base, item)) for item in report.findings
                          if item.kind in kinds and (not kind or item.kind == kind)]
                if chosen:
                    groups.append(Group(title, chosen))
        return page(request, "ops_reconciliation.html", sites=sorted(names.items(), key=lambda p: (p[1], p[0])),
                    site_id=site_id, kind=kind, kinds=KINDS, severities=SEVERITIES, report=report, groups=groups,
                    errors={})

    @post("/ops/reconciliation", operation_id="portal_ops_reconciliation_run", opt={"acts_as": "run_reconciliation"})
    async def run(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        viewer = WebRequest.of(request.scope).viewer
        assert viewer is not None  # the guard requires a session for this operation
        services = runtime_of(request).services
        names = await views.site_names(await services.read_cache.generation(), cache=services.read_cache)
        site_id = _site(text(await read_form(request), "site_id", limit=12), names)
        try:
            report = await reconcile(provisioner=provisioner_of(services), site_id=site_id or None)
        except ValidationFailed:
            return page(request, "ops_reconciliation.html", status=422,
                        sites=sorted(names.items(), key=lambda p: (p[1], p[0])), site_id=site_id, kind="",
                        kinds=KINDS, severities=SEVERITIES, report=None, groups=[],
                        errors={"form": _("NetBox has no such site.")})
        request_id = RequestState.of(request.scope).request_id
        for item in report.findings:
            services.access_log.record(finding_entry(item, principal=viewer.principal, request_id=request_id))
        _reports(request)[site_id] = report
        return see_other(f"/ops/reconciliation?site_id={site_id}" if site_id else "/ops/reconciliation")
