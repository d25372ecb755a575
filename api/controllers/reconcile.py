"""Cabling reconciliation for ops: NetBox against Colo's orders; every finding is access-logged."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.controllers.orders import provisioner_of
from api.controllers.problem_docs import problems
from api.request import ColoRequest
from api.request_state import RequestState
from audit.encoding import EntryDraft
from colo.identity import Principal
from dcim.orders.reconcile import Finding, Report, log_fields, reconcile

REPORT = {
    "generated_at": "2026-11-22T03:50:00+00:00",
    "checked": {"reservations": 6, "feeds": 94, "cables": 59, "orders": 12},
    "by_kind": {"undocumented_cable": 1},
    "findings": [{"id": "4c1f0a9e2b7d3e55", "kind": "undocumented_cable", "severity": "high",
                  "object_type": "cable", "object_id": 57, "order_id": None,
                  "detail": "cable XC-DEMO-0001 connects frontport 801 ↔ frontport 902 with no Colo order",
                  "facts": {"ends": [["dcim.frontport", 801], ["dcim.frontport", 902]], "label": "XC-DEMO-0001",
                            "netbox_tenant": 4}}],
}


def finding_entry(finding: Finding, *, principal: Principal, request_id: str | None) -> EntryDraft:
    return EntryDraft(kind="api", request_id=request_id,
                      actor_key_id=principal.key_id, role=str(principal.role), **log_fields(finding))


class ReconcileController(Controller):
    path = "/v1/reconciliation"
    tags = ["reconciliation"]

    @post("/", operation_id="run_reconciliation", status_code=200,
          summary="Compare NetBox cables, reservations and feeds with Colo's orders and report discrepancies",
          description="Findings: undocumented_cable, undocumented_reservation, undocumented_feed (no order "
                      "accounts for them), vanished_object, changed_object (incl. port drift), tenant_drift, "
                      "orphaned_object and unknown_order. A finding's id is a hash of its facts: stable across "
                      "runs. Each finding is written to the access log.",
          responses={200: ResponseSpec(Report, description="The reconciliation report", generate_examples=False,
                                       examples=[Example(summary="one unauthorised cable", value=REPORT)]),
                     **problems(400, 401, 403, 422, 503)})
    async def run(
        self, request: ColoRequest,
        site_id: Annotated[int | None, Parameter(ge=1, le=2**31 - 1, description="NetBox site id; all sites "
                                                 "when absent (422 when NetBox has no such site)")] = None,
    ) -> Report:
        report = await reconcile(provisioner=provisioner_of(request.services), site_id=site_id)
        request_id = RequestState.of(request.scope).request_id
        for item in report.findings:
            request.services.access_log.record(finding_entry(item, principal=request.principal, request_id=request_id))
        return report
