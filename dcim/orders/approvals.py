"""Decommissions approved with the ops person's certificate (PAdES), where the deployment requires
it (COLO_SIGNED_APPROVALS=decommissions; the checks are colo.signed_approval's).

With the setting on, a requested decommission waits (the fulfilment worker leaves it alone, and
POST /v1/orders/{id}/decommission is refused) until ops download its decommission PDF (the order,
its tenant, what is removed from NetBox), sign it and upload it (`decommission_signed`): the
signer's certificate fingerprint is stored on the order, and the NetBox objects are removed as by
POST /v1/orders/{id}/decommission.
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from colo.errors import Conflict
from colo.identity import Principal
from colo.pades import Signer
from colo.signed_approval import DECOMMISSIONS, ApprovalPki, Facts, approval_pdf, check_signed, document
from dcim.netbox.provisioning import Provisioner
from dcim.orders import service, store
from dcim.orders.schemas import OrderRead
from dcim.orders.states import OrderState
from dcim.orders.tables import Order
from tenants.keys import signing_identity_of

NO_PKI = ("this facility takes no signed approvals (no trust list is configured): decommission with "
          "POST /v1/orders/{order_id}/decommission")
NO_IDENTITY = ("no signing identity is recorded for your API key: ops create a staff key with signing_identity "
               "to approve with a certificate")


async def _requested(principal: Principal, order_id: UUID) -> store.OrderRow:
    row = await store.load_for(principal=principal, order_id=order_id)
    if row.state != OrderState.DECOMMISSION_REQUESTED:
        raise Conflict(f"the order is {row.state}; only a requested decommission can be approved", state=row.state)
    return row


def _facts(row: store.OrderRow) -> Facts:
    """What is decommissioned: the order, its tenant, what it holds and the NetBox objects removed."""
    return [("Order", str(row.id)), ("Tenant", str(row.tenant_id)), ("Kind", row.kind),
            ("Service", json.dumps(row.spec, sort_keys=True, ensure_ascii=False)),
            ("Removed from NetBox", json.dumps(row.netbox, sort_keys=True, ensure_ascii=False) or "{}")]


async def decommission_pdf(*, principal: Principal, order_id: UUID, facility: str, pki: ApprovalPki | None) -> bytes:
    """The approval of a requested decommission, to sign, prepared for the caller's signing identity."""
    if pki is None:
        raise Conflict(NO_PKI)
    row = await _requested(principal, order_id)
    identity = await signing_identity_of(principal)
    if not identity:
        raise Conflict(NO_IDENTITY)
    return await approval_pdf(document(kind=DECOMMISSIONS, subject_id=str(order_id), facility=facility,
                                       approver=principal.name, identity=identity, facts=_facts(row)))


async def decommission_signed(*, principal: Principal, order_id: UUID, pdf: bytes, pki: ApprovalPki | None,
                              provisioner: Provisioner, moment: datetime | None = None) -> tuple[OrderRead, Signer]:
    """Approve a requested decommission with its PDF signed by the approving ops person's
    certificate, then remove the order's NetBox objects (as POST /v1/orders/{id}/decommission)."""
    if pki is None:
        raise Conflict(NO_PKI)
    row = await _requested(principal, order_id)
    signer = await check_signed(pdf=pdf, kind=DECOMMISSIONS, subject_id=str(order_id), facts=_facts(row),
                                identity=await signing_identity_of(principal), pki=pki, moment=moment)
    approved = await Order.update({Order.decommission_signer_sha256: signer.fingerprint}).where(
        (Order.id == order_id) & (Order.state == OrderState.DECOMMISSION_REQUESTED.value)).returning(Order.id)
    if not approved:
        raise Conflict("the order moved on meanwhile; nothing was approved")
    read = await service.decommission(principal=principal, order_id=order_id, provisioner=provisioner,
                                      require_signature=True)
    return read, signer
