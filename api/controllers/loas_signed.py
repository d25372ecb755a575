"""LOAs signed with X.509 certificates (PAdES): the PDF to sign, the signed grant, the facility's
countersigning certificate.

The rules are dcim/orders/signed_grant.py's; this module reads the upload (multipart, part `file`,
bounded) and records the signer's certificate fingerprint in the request's access-log entry.
Deployments without COLO_LOA_TRUST_LIST answer the signed grant with 409 and keep granting by
POST /v1/loas/{loa_id}/grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from litestar import Controller, MediaType, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, Parameter

from api.controllers.loas import LOA
from api.controllers.problem_docs import example, problems
from api.controllers.service_desk_files import uploaded_file
from api.request import ColoRequest
from api.request_state import RequestState
from colo.errors import NotFound, ValidationFailed
from dcim.orders import signed_grant
from dcim.orders.schemas import LoaRead

MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and part headers around the file
ValidDays = Annotated[int, Parameter(ge=1, le=365, description="How long the granted LOA is valid, in days")]


@dataclass
class SignedUploadOperation(Operation):
    """The request body in the document: a multipart form with one `file` part, the signed PDF."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, content={"multipart/form-data": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.OBJECT, required=["file"], properties={"file": Schema(
                type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY,
                max_length=signed_grant.MAX_SIGNED_PDF_BYTES,
                description="the LOA's PDF (GET /v1/loas/{loa_id}/pdf) signed with the granter's certificate "
                            "(PAdES B-B or B-T)")}))})


class SignedLoaController(Controller):
    path = "/v1"
    tags = ["loas"]

    @get("/loas/{loa_id:uuid}/pdf", operation_id="get_loa_pdf", media_type="application/pdf",
         summary="The LOA as a PDF: to sign (Z side, while it waits), countersigned (granted by certificate) "
                 "or printable (granted by a click)",
         responses={200: ResponseSpec(bytes, description="The PDF", media_type="application/pdf",
                                      generate_examples=False),
                    **problems(400, 401, 403, 404, 409)})
    async def pdf(self, request: ColoRequest, loa_id: FromPath[UUID]) -> Response[bytes]:
        found = await signed_grant.pdf_for(principal=request.principal, loa_id=loa_id,
                                           facility=request.services.settings.facility_name)
        return Response(found.content, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"', "X-Content-Type-Options": "nosniff"})

    @post("/loas/{loa_id:uuid}/grant-signed", operation_id="grant_loa_signed", status_code=200,
          summary="The Z side grants the LOA with its PDF signed by an authorised person's certificate (PAdES); "
                  "the facility countersigns it",
          description="Refusals are 422 naming `file`, with `refusal`: not_signed, modified, wrong_document, "
                      "untrusted_root, key_usage, certificate_expired, certificate_revoked, revocation_unknown, "
                      "signer_not_authorised. 409 when the facility has no trust list configured.",
          request_max_body_size=signed_grant.MAX_SIGNED_PDF_BYTES + MULTIPART_OVERHEAD,
          operation_class=SignedUploadOperation,
          responses={**example(LoaRead, LOA, description="Granted, signed and countersigned"),
                     **problems(400, 401, 403, 404, 409, 413, 422)})
    async def grant_signed(self, request: ColoRequest,
                           loa_id: FromPath[UUID], valid_days: ValidDays = 90) -> LoaRead:
        upload = await uploaded_file(request)
        content = await upload.read()
        if not content:
            raise ValidationFailed("file", "the file is empty: send the signed PDF")
        granted = await signed_grant.grant_signed(
            principal=request.principal, loa_id=loa_id, pdf=content, valid_days=valid_days, keys=request.services.keys,
            facility=request.services.settings.facility_name, pki=request.services.loa_pki)
        RequestState.of(request.scope).signer_fingerprint = granted.signer.fingerprint
        return granted.loa

    @get("/loas/signing-certificates", operation_id="loa_signing_certificates", media_type=MediaType.TEXT,
         summary="The facility's X.509 certificate(s) that countersign signed LOAs (PEM): verify them offline",
         responses={200: ResponseSpec(str, description="PEM certificates", media_type="text/plain",
                                      generate_examples=False),
                    **problems(404)})
    async def signing_certificates(self, request: ColoRequest) -> str:
        pki = request.services.loa_pki
        if pki is None:
            raise NotFound("loa signing certificate")
        return pki.signer.certificates_pem()
