"""The service desk's attachments, SLA alerts and monthly report.

Attachments are uploaded as multipart form data (field `file`), checked by their content and
stored by sha256 (servicedesk/attachments.py), on open tickets only (a cancelled or completed one
answers 409); a download goes through the ticket's tenant scope, so another tenant's attachment is
404, and so is one whose file is not stored on this server (its detail says so). The report joins
the tenant's shipments handled in the month, read from site access here at the assembly point
(servicedesk/ does not import siteaccess/).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example, OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, Parameter, QueryParameter

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from colo.errors import ValidationFailed
from colo.settings import MAX_ATTACHMENT_BYTES
from servicedesk import alerts, attachments
from servicedesk.report import ServiceReport, ShipmentFigures, as_csv, month_bounds, monthly_report
from servicedesk.schemas import AttachmentRead, SlaAlertRead
from servicedesk.status import SlaAlertKind
from siteaccess.shipments import monthly_tally
from tenants.scope import tenant_for_write

MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and part headers around the file
Month = Annotated[str, Parameter(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM",
                                 examples=[Example(value="2026-11")])]


@dataclass
class UploadOperation(Operation):
    """The upload's request body in the document: a multipart form with one `file` part. (The
    handler reads the form itself, so that a body that is not such a form is a problem naming
    `file`, or `body` when it is not even a JSON object, like every other route's.)"""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, content={"multipart/form-data": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.OBJECT, required=["file"], properties={"file": Schema(
                type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, max_length=MAX_ATTACHMENT_BYTES,
                description="a photo (JPEG, PNG, WebP) or a PDF")}))})


async def uploaded_file(request: Request[Any, Any, Any]) -> UploadFile:
    """The form's `file` part, or a 422 naming `file` (`body` when the body is not even a JSON
    object: what a client sending JSON here gets told on every route)."""
    form = await request.form()
    part = form.get("file")
    if isinstance(part, UploadFile):
        return part
    if request.content_type[0] != RequestEncodingType.MULTI_PART:
        try:
            sent = msgspec.json.decode(await request.body())
        except msgspec.DecodeError:
            sent = None
        if not isinstance(sent, dict):
            raise ValidationFailed("body", "send a multipart/form-data body with the file as its part `file`")
    raise ValidationFailed("file", "send the file as the multipart/form-data part named `file`")


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class ServiceDeskFilesController(Controller):
    path = "/v1/service-desk"
    tags = ["service desk"]

    @post("/tickets/{ticket_id:uuid}/attachments", operation_id="upload_service_attachment", status_code=201,
          summary="Attach a photo (JPEG, PNG, WebP) or a PDF: type checked from the content, stored by sha256",
          description="Refused with 409 (naming the state) on a cancelled or completed ticket.",
          request_max_body_size=MAX_ATTACHMENT_BYTES + MULTIPART_OVERHEAD, operation_class=UploadOperation,
          responses=problems(400, 401, 403, 404, 409, 413, 422))
    async def upload(self, request: ColoRequest,
                     ticket_id: FromPath[UUID]) -> AttachmentRead:
        upload = await uploaded_file(request)
        return await attachments.add_attachment(principal=request.principal, ticket_id=ticket_id,
                                                filename=upload.filename or "", content=await upload.read(),
                                                config=request.services.service_desk.config)

    @get("/tickets/{ticket_id:uuid}/attachments/{attachment_id:uuid}", operation_id="download_service_attachment",
         summary="Download an attachment of one of your tickets (its bytes, with their media type)",
         description="404 also when the attachment's file is not stored on this server (the detail says so).",
         responses={200: ResponseSpec(bytes, description="The file", media_type="application/octet-stream",
                                 generate_examples=False),
                    **problems(401, 403, 404)})
    async def download(self, request: ColoRequest, ticket_id: FromPath[UUID],
                       attachment_id: FromPath[UUID]) -> Response[bytes]:
        found = await attachments.download(principal=request.principal, ticket_id=ticket_id,
                                           attachment_id=attachment_id,
                                           config=request.services.service_desk.config)
        name = found.attachment.filename
        return Response(found.content, media_type=found.attachment.media_type, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})

    @get("/alerts", operation_id="list_service_sla_alerts",
         summary="SLA alerts for ops: tickets near their due time, and past it", responses=problems(400, 401, 403, 422),
         **PAGED)
    async def list_alerts(
        self, request: ColoRequest, open_only: FromQuery[bool] = True,
        kind: FromQuery[SlaAlertKind | None] = None, limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[SlaAlertRead]]:
        page = keyset_request(cursor, limit=limit, keyset=alerts.ALERT_KEYS)
        await request.services.service_desk.sweep()  # what is true now, not only as of the last pass
        return respond(request, await alerts.list_alerts(open_only=open_only, kind=kind, page=page))

    @post("/alerts/{alert_id:uuid}/acknowledge", operation_id="acknowledge_service_sla_alert", status_code=200,
          summary="Mark an SLA alert as handled", responses=problems(401, 403, 404))
    async def acknowledge(self, request: ColoRequest, alert_id: FromPath[UUID]) -> SlaAlertRead:
        return await alerts.acknowledge(principal=request.principal, alert_id=alert_id)

    @get("/reports/{month:str}", operation_id="get_service_report",
         summary="A tenant's month: hands time and billable minutes, trouble tickets' resolution and SLA, "
                 "shipments handled — JSON, or CSV with format=csv",
         responses={200: ResponseSpec(ServiceReport, description="The report (format=csv: text/csv)",
                                 generate_examples=False),
                    **problems(400, 401, 403, 422)})
    async def report(
        self, request: ColoRequest, month: Month, tenant_id: FromQuery[UUID | None] = None,
        fmt: Annotated[ReportFormat, QueryParameter(name="format")] = ReportFormat.JSON,
    ) -> Response[Any]:
        tenant = tenant_for_write(request.principal, tenant_id)  # a tenant: its own; staff name one
        start, end = month_bounds(month)
        tally = await monthly_tally(tenant_id=tenant, start=start, end=end)
        report = await monthly_report(tenant_id=tenant, month=month, shipments=ShipmentFigures(
            inbound_received=tally.inbound_received, inbound_unannounced=tally.inbound_unannounced,
            outbound_handed_over=tally.outbound_handed_over))
        if fmt is ReportFormat.CSV:
            return Response(as_csv(report), media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": f'attachment; filename="service-report-{month}.csv"'})
        return Response(report)
