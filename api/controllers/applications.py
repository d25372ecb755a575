"""Applications: the public side (apply, follow, answer, collect the first key) and ops review."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, HeaderParameter, JSONBody, Parameter

from api.auth import client_address
from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from api.services import AppServices
from dcim.netbox.tenancy import NetBoxTenantDirectory, ensure_netbox_tenant
from tenants import applications
from tenants.keys import KeyRing
from tenants.lifecycle import NetBoxLinker
from tenants.schemas import (
    ApplicationAnswer,
    ApplicationCreate,
    ApplicationRead,
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationSummary,
    ApprovalOptions,
    ApprovalResult,
    ReviewReason,
)
from tenants.schemas_keys import KeyIssued

# Per client address. Applying is rare; following an application is cheap but guards a secret.
APPLY_LIMIT = (10, 3600)
TRACK_LIMIT = (60, 60)

TrackingSecret = Annotated[str, HeaderParameter(name="X-Tracking-Secret", min_length=10, max_length=100,
                                                description="the tracking secret returned when applying")]
AnswerBody = Annotated[ApplicationAnswer, Body(examples=[Example(summary="the answer", value={
    "answer": "Our trade register extract is attached to the e-mail sent today."})])]
ReviewBody = Annotated[ReviewReason, Body(examples=[Example(summary="why", value={
    "reason": "Please send the trade register extract for HRB 12345."})])]
ApplicationStatusFilter = Annotated[
    str | None, Parameter(pattern=r"^(submitted|action_required|approved|rejected)$", required=False)]


def _ring(services: AppServices) -> KeyRing:
    return KeyRing.of(services.keys.api_key_peppers)


def netbox_linker(services: AppServices) -> NetBoxLinker:
    async def link(tenant_id: UUID, legal_name: str) -> int:
        return await ensure_netbox_tenant(services.netbox, colo_tenant_id=tenant_id, legal_name=legal_name)

    return link


async def _limit(request: ColoRequest, name: str, rule: tuple[int, int]) -> None:
    services = request.services
    address = client_address(request.scope, services.settings.trusted_proxies) or "unknown"
    await services.rate_limiter.hit(name, address, limit=rule[0], window=rule[1])


class ApplicationController(Controller):
    """The applicant's side is public (no API key yet) and rate-limited per client address;
    the review side is for ops."""

    path = "/v1/applications"
    tags = ["applications"]

    @post("/", operation_id="create_application", summary="Apply to become a tenant",
          description="Returns the application id and a tracking secret, shown only in this response.",
          responses=problems(400, 409, 422, 429), security=[{}])
    async def create_application(
        self, request: ColoRequest, data: JSONBody[ApplicationCreate],
    ) -> ApplicationSubmitted:
        await _limit(request, "apply", APPLY_LIMIT)
        return await applications.submit_application(
            data=data, ring=_ring(request.services), master_key=request.services.keys.master_key)

    @get("/{application_id:uuid}/status", operation_id="get_application_status",
         summary="Follow an application with its tracking secret", responses=problems(400, 404, 429), security=[{}])
    async def get_status(
        self, request: ColoRequest, application_id: FromPath[UUID],
        tracking_secret: TrackingSecret,
    ) -> ApplicationStatus:
        await _limit(request, "track", TRACK_LIMIT)
        return await applications.track(application_id=application_id, secret=tracking_secret,
                                        ring=_ring(request.services))

    @post("/{application_id:uuid}/answer", operation_id="answer_application", status_code=200,
          summary="Answer ops' request for more information; the application returns to review",
          responses=problems(400, 404, 409, 422, 429), security=[{}])
    async def answer(
        self, request: ColoRequest, application_id: FromPath[UUID],
        tracking_secret: TrackingSecret, data: AnswerBody,
    ) -> ApplicationStatus:
        await _limit(request, "track", TRACK_LIMIT)
        return await applications.answer_application(
            application_id=application_id, secret=tracking_secret, ring=_ring(request.services), answer=data.answer)

    @post("/{application_id:uuid}/key", operation_id="collect_application_key", status_code=201,
          summary="Collect the first tenant-admin API key of an approved application (once)",
          responses=problems(400, 404, 409, 429), security=[{}])
    async def collect_key(
        self, request: ColoRequest, application_id: FromPath[UUID],
        tracking_secret: TrackingSecret,
    ) -> KeyIssued:
        await _limit(request, "track", TRACK_LIMIT)
        return await applications.collect_first_key(
            application_id=application_id, secret=tracking_secret, ring=_ring(request.services))

    # ---------------------------------------------------------------- ops review

    @get("/", operation_id="list_applications", summary="List applications without their contacts, oldest first (ops)",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def list_applications(
        self, request: ColoRequest,
        status: ApplicationStatusFilter = None, limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[ApplicationSummary]]:
        page = keyset_request(cursor, limit=limit, keyset=applications.APPLICATION_KEYS)
        return respond(request, await applications.list_applications(status=status, page=page))

    @get("/{application_id:uuid}", operation_id="get_application", summary="One application (ops)",
         responses=problems(401, 403, 404))
    async def get_application(
        self, request: ColoRequest, application_id: FromPath[UUID],
    ) -> ApplicationRead:
        return await applications.get_application(application_id=application_id,
                                                  master_key=request.services.keys.master_key)

    @post("/{application_id:uuid}/approve", operation_id="approve_application", status_code=200,
          summary="Approve: create the tenant in Colo and NetBox (idempotent)",
          description="Without a body a NetBox tenant of Colo's own is created, unless NetBox has a tenant "
                      "of the same name or slug that no Colo tenant is linked to: that answers 409 naming it. "
                      "`netbox_tenant_id` links an existing NetBox tenant (a customer already in NetBox); "
                      "`create_netbox_tenant: true` creates a separate one on purpose.",
          responses=problems(400, 401, 403, 404, 409, 422, 503))
    async def approve(
        self, request: ColoRequest, application_id: FromPath[UUID],
        data: JSONBody[ApprovalOptions | None] = None,
    ) -> ApprovalResult:
        options = data or ApprovalOptions()
        return await applications.approve_application(
            principal=request.principal, application_id=application_id, master_key=request.services.keys.master_key,
            link_netbox=netbox_linker(request.services), netbox=NetBoxTenantDirectory(request.services.netbox),
            netbox_tenant_id=options.netbox_tenant_id, create_netbox_tenant=options.create_netbox_tenant)

    @post("/{application_id:uuid}/reject", operation_id="reject_application", status_code=200,
          summary="Reject with a reason", responses=problems(400, 401, 403, 404, 409, 422))
    async def reject(
        self, request: ColoRequest, application_id: FromPath[UUID],
        data: ReviewBody,
    ) -> ApplicationRead:
        return await applications.reject_application(principal=request.principal, application_id=application_id,
                                                     reason=data.reason, master_key=request.services.keys.master_key)

    @post("/{application_id:uuid}/request-info", operation_id="request_application_info", status_code=200,
          summary="Ask the applicant for more information (action_required)",
          responses=problems(400, 401, 403, 404, 409, 422))
    async def request_info(
        self, request: ColoRequest, application_id: FromPath[UUID],
        data: ReviewBody,
    ) -> ApplicationRead:
        return await applications.request_more_info(principal=request.principal, application_id=application_id,
                                                    question=data.reason, master_key=request.services.keys.master_key)
