"""Visit approvals signed with the security officer's certificate (PAdES), where the deployment
requires them (COLO_SIGNED_APPROVALS=visits; the checks are colo.signed_approval's).

The officer downloads the approval PDF of a pending visit (`approval_pdf`: the visit, its window,
areas and visitors — names and ID numbers masked as everywhere else), signs it and uploads it
(`approve_signed`); the visit is then approved as by a click (badges issued), with the signer's
certificate fingerprint on the visit row and on the access-log entry of the decision.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from colo.errors import Conflict
from colo.identity import Principal
from colo.pades import Signer
from colo.signed_approval import VISITS, ApprovalPki, Facts, approval_pdf, check_signed, document
from siteaccess import service
from siteaccess.journal import Journal
from siteaccess.schemas import VisitRead
from siteaccess.status import VisitStatus
from siteaccess.tables import Visit, Visitor
from tenants.keys import signing_identity_of
from tenants.scope import select_one_or_404

NO_PKI = ("this facility takes no signed approvals (no trust list is configured): approve with "
          "POST /v1/visits/{visit_id}/approve")
NO_IDENTITY = ("no signing identity is recorded for your API key: ops create a staff key with signing_identity "
               "to approve with a certificate")


async def _pending(principal: Principal, visit_id: UUID) -> dict[str, Any]:
    row = await select_one_or_404(Visit, object_id=visit_id, principal=principal, resource="visit",
                                  tenant_column=Visit.tenant_id)
    if row["status"] != VisitStatus.PENDING:
        raise Conflict(f"the visit is {row['status']}; only pending visits can be approved")
    return row


async def _facts(row: dict[str, Any]) -> Facts:
    """What the officer approves, as it stands: masked names, never a full name or ID number."""
    visitors = await Visitor.select(Visitor.name_masked, Visitor.company, Visitor.id_document_type,
                                    Visitor.id_number_masked).where(Visitor.visit_id == row["id"]).order_by(Visitor.id)
    facts = [("Visit", str(row["id"])), ("Tenant", str(row["tenant_id"])),
             ("Window", f"{row['starts_at']:%Y-%m-%d %H:%M} to {row['ends_at']:%Y-%m-%d %H:%M} UTC"),
             ("Areas", ", ".join(json.loads(row["areas"])) or "-"),
             ("Escort", "required" if row["escort_required"] else "not required"),
             ("Purpose", row["purpose"] or "-"), ("Visitors", str(len(visitors)))]
    for position, visitor in enumerate(visitors, start=1):
        document_id = " ".join(part for part in (visitor["id_document_type"], visitor["id_number_masked"]) if part)
        facts.append((f"Visitor {position}", ", ".join(part for part in (
            visitor["name_masked"], visitor["company"] or "the tenant's own person", document_id) if part)))
    return facts


async def visit_approval_pdf(*, principal: Principal, visit_id: UUID, facility: str,
                             pki: ApprovalPki | None) -> bytes:
    """The approval of a pending visit, to sign, prepared for the caller's signing identity."""
    if pki is None:
        raise Conflict(NO_PKI)
    row = await _pending(principal, visit_id)
    identity = await signing_identity_of(principal)
    if not identity:
        raise Conflict(NO_IDENTITY)
    return await approval_pdf(document(kind=VISITS, subject_id=str(visit_id), facility=facility,
                                       approver=principal.name, identity=identity, facts=await _facts(row)))


async def approve_signed(*, principal: Principal, visit_id: UUID, pdf: bytes, pki: ApprovalPki | None,
                         master_key: bytes, journal: Journal, moment: datetime | None = None,
                         ) -> tuple[VisitRead, Signer]:
    """Approve a pending visit with its approval PDF signed by the approving officer's certificate."""
    if pki is None:
        raise Conflict(NO_PKI)
    row = await _pending(principal, visit_id)
    signer = await check_signed(pdf=pdf, kind=VISITS, subject_id=str(visit_id), facts=await _facts(row),
                                identity=await signing_identity_of(principal), pki=pki, moment=moment)
    read = await service.decide_visit(
        principal=principal, visit_id=visit_id, approve=True, master_key=master_key, journal=journal,
        reason=f"approved with a signed document ({signer.subject})"[:500], require_signature=True,
        signer_sha256=signer.fingerprint)
    return read, signer
