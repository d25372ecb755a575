"""Approvals signed with the approver's X.509 certificate (PAdES): a visit (security), a
decommission (ops). Where COLO_SIGNED_APPROVALS names them, the click routes (approve_visit,
decommission_order) are refused and these are the way; elsewhere they are optional while a trust
list (COLO_LOA_TRUST_LIST) is configured, and 409 without one.

The rules are colo/signed_approval.py's (with siteaccess/approvals.py and dcim/orders/approvals.py);
this module reads the upload (multipart, part `file`, bounded) and records the signer's certificate
fingerprint in the request's access-log entry, as a signed LOA grant does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath

from api.controllers.loas_signed import MULTIPART_OVERHEAD
from api.controllers.orders import ORDER
from api.controllers.problem_docs import example, problems
from api.controllers.service_desk_files import uploaded_file
from api.request import ColoRequest
from api.request_state import RequestState
from api.services import AppServices
from colo.signed_approval import MAX_SIGNED_APPROVAL_BYTES, ApprovalPki
from dcim.orders import approvals as order_approvals
from dcim.orders.schemas import OrderRead
from siteaccess import approvals as visit_approvals
from siteaccess.schemas import VisitRead

REFUSALS = ("Refusals are 422 naming `file`, with `refusal`: not_signed, modified, wrong_document, untrusted_root, "
            "key_usage, certificate_expired, certificate_revoked, revocation_unknown, signer_not_authorised (not "
            "the certificate recorded for the caller's key, or prepared for another approver). 409 when the "
            "facility has no trust list configured.")
PDF_RESPONSE = {200: ResponseSpec(bytes, description="The PDF to sign", media_type="application/pdf",
                                  generate_examples=False)}


@dataclass
class SignedApprovalOperation(Operation):
    """The request body in the document: a multipart form with one `file` part, the signed PDF."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, content={"multipart/form-data": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.OBJECT, required=["file"], properties={"file": Schema(
                type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, max_length=MAX_SIGNED_APPROVAL_BYTES,
                description="the approval's PDF signed with the approver's certificate (PAdES B-B or B-T)")}))})


def approval_pki(services: AppServices) -> ApprovalPki | None:
    """The trust list and revocation policy signed approvals are checked with (the LOA PKI's)."""
    pki = services.loa_pki
    return ApprovalPki(trust=pki.trust, revocation=pki.revocation) if pki is not None else None


def _pdf(content: bytes, filename: str) -> Response[bytes]:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"})


async def _upload(request: Request[Any, Any, Any]) -> bytes:
    return await (await uploaded_file(request)).read()


class SignedApprovalController(Controller):
    path = "/v1"
    tags = ["signed approvals"]

    @get("/visits/{visit_id:uuid}/approval-pdf", operation_id="get_visit_approval_pdf",
         media_type="application/pdf",
         summary="Security: the approval of a pending visit as a PDF to sign with your certificate",
         description="Prepared for the signing identity recorded on the caller's staff API key (409 without one).",
         responses={**PDF_RESPONSE, **problems(400, 401, 403, 404, 409)})
    async def visit_pdf(self, request: ColoRequest,
                        visit_id: FromPath[UUID]) -> Response[bytes]:
        content = await visit_approvals.visit_approval_pdf(
            principal=request.principal, visit_id=visit_id, facility=request.services.settings.facility_name,
            pki=approval_pki(request.services))
        return _pdf(content, f"visit-{visit_id}-approval.pdf")

    @post("/visits/{visit_id:uuid}/approve-signed", operation_id="approve_visit_signed", status_code=200,
          summary="Security approves a pending visit with its approval PDF signed by your certificate (PAdES)",
          description=REFUSALS, request_max_body_size=MAX_SIGNED_APPROVAL_BYTES + MULTIPART_OVERHEAD,
          operation_class=SignedApprovalOperation,
          responses=problems(400, 401, 403, 404, 409, 413, 422))
    async def approve_visit(self, request: ColoRequest,
                            visit_id: FromPath[UUID]) -> VisitRead:
        content = await _upload(request)
        read, signer = await visit_approvals.approve_signed(
            principal=request.principal, visit_id=visit_id, pdf=content, pki=approval_pki(request.services),
            master_key=request.services.keys.master_key, journal=request.services.site_access.journal)
        RequestState.of(request.scope).signer_fingerprint = signer.fingerprint
        return read

    @get("/orders/{order_id:uuid}/decommission-pdf", operation_id="get_decommission_pdf",
         media_type="application/pdf",
         summary="Ops: the approval of a requested decommission as a PDF to sign with your certificate",
         description="Prepared for the signing identity recorded on the caller's staff API key (409 without one).",
         responses={**PDF_RESPONSE, **problems(400, 401, 403, 404, 409)})
    async def decommission_pdf(self, request: ColoRequest,
                               order_id: FromPath[UUID]) -> Response[bytes]:
        content = await order_approvals.decommission_pdf(
            principal=request.principal, order_id=order_id, facility=request.services.settings.facility_name,
            pki=approval_pki(request.services))
        return _pdf(content, f"order-{order_id}-decommission.pdf")

    @post("/orders/{order_id:uuid}/decommission-signed", operation_id="decommission_order_signed", status_code=200,
          summary="Ops approve a requested decommission with its PDF signed by your certificate (PAdES); the "
                  "order's NetBox objects are then removed",
          description=REFUSALS, request_max_body_size=MAX_SIGNED_APPROVAL_BYTES + MULTIPART_OVERHEAD,
          operation_class=SignedApprovalOperation,
          responses={**example(OrderRead, ORDER, description="The order after this run"),
                     **problems(400, 401, 403, 404, 409, 413, 422)})
    async def decommission(self, request: ColoRequest,
                           order_id: FromPath[UUID]) -> OrderRead:
        content = await _upload(request)
        read, signer = await order_approvals.decommission_signed(
            principal=request.principal, order_id=order_id, pdf=content, pki=approval_pki(request.services),
            provisioner=request.services.orders.provisioner)
        RequestState.of(request.scope).signer_fingerprint = signer.fingerprint
        return read
