"""LOAs in the portal: the Z side grants or refuses; the signed document and a printable PDF.

Every page calls what the API's /v1/loas calls (dcim.orders.loas), with the viewer's principal,
so the rules are the API's: both parties (and staff) read an LOA, another tenant's LOA is the
same 404 as a missing one, only the Z side's company administrator decides (ops for a carrier
without a Colo account). The document download is the API's `get_loa_text` byte for byte; the
PDF is the API's `get_loa_pdf` (dcim/orders/loa_pdf.py, dcim/orders/signed_grant.py): the same
text with the signed JSON attached, the authority — or, where the facility has a national PKI,
the PDF the Z side signs with a certificate and uploads (`grant_signed`), and once granted so,
the file carrying the signer's and the facility's signatures.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from api.request_state import RequestState
from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal, Role
from colo.paging import every_row
from dcim.orders import loas, signed_grant
from dcim.orders.loa import render_text
from dcim.orders.schemas import LoaGrant, LoaRead, LoaRefusal
from dcim.orders.states import LoaStatus
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.orders_view import media_name
from web.pages import page, see_other
from web.problems import field_errors
from web.state import Viewer, WebRequest

LOAS_PER_PAGE = 50
STATUS_NAMES = {
    LoaStatus.PENDING.value: _("Waiting for the Z side"),
    LoaStatus.GRANTED.value: _("Granted"),
    LoaStatus.REFUSED.value: _("Refused"),
    LoaStatus.EXPIRED.value: _("Expired"),
}
STATUS_CLASSES = {LoaStatus.PENDING.value: "wait", LoaStatus.GRANTED.value: "good",
                  LoaStatus.REFUSED.value: "bad", LoaStatus.EXPIRED.value: "bad"}
VALID_DAYS = _("Enter a number of days from 1 to 365.")
REASON_NEEDED = _("Say why you refuse (at most 1000 characters).")
ALREADY_DECIDED = _("This LOA has been decided already, or its order is closed. Reload the page.")
DECISION_REASONS = {"the LOA is already": ALREADY_DECIDED, "the cross-connect order is": ALREADY_DECIDED}
CHOOSE_PDF = _("Choose the LOA's PDF, signed with your certificate.")
NO_PKI = _("This facility does not take signed LOAs; grant it with the button instead.")
# Why a signed PDF is refused (dcim.orders.pades.Refusal), in words for the signer.
REFUSALS = {
    "not_signed": _("The file is not a signed PDF. Sign the PDF you downloaded here with your certificate."),
    "modified": _("The PDF was changed after it was signed, or its signature does not cover the whole file."),
    "wrong_document": _("This is not this LOA's PDF. Download the PDF from this page and sign that one."),
    "untrusted_root": _("Your certificate was not issued by a certification authority this facility trusts."),
    "key_usage": _("Your certificate may not be used to sign documents."),
    "certificate_expired": _("Your certificate was not valid when you signed."),
    "certificate_revoked": _("Your certificate has been revoked."),
    "revocation_unknown": _("Your certificate authority could not be asked whether your certificate is revoked. "
                            "Try again later."),
    "signer_not_authorised": _("You are not recorded as a person who may sign LOAs for your company, or you were "
                               "recorded after the PDF was downloaded. Ask your company administrator."),
}

LoaId = FromPath[UUID]


def current_viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for every LOA page
    return viewer


def decides(principal: Principal, loa: LoaRead) -> bool:
    """Whether the viewer is the one who decides this LOA (the domain enforces it again): the Z
    side's company administrator, or ops for a carrier without a Colo account."""
    if loa.z_tenant_id is None:
        return principal.role is Role.OPS
    return principal.role is Role.TENANT_ADMIN and principal.tenant_id == loa.z_tenant_id


def answers(principal: Principal, loa: LoaRead) -> bool:
    """Whether the viewer's side is the one that answers this LOA (its company decides, whoever
    in it may): the Z side's tenant, or ops for a carrier without a Colo account."""
    if loa.z_tenant_id is None:
        return principal.role is Role.OPS
    return principal.tenant_id == loa.z_tenant_id


def waits_for(principal: Principal, loa: LoaRead) -> bool:
    """An open decision of the viewer's (granting an expired LOA again is possible, as in the API)."""
    return loa.status in (LoaStatus.PENDING, LoaStatus.EXPIRED) and decides(principal, loa)


def side_of(principal: Principal, loa: LoaRead) -> str:
    if principal.tenant_id is not None and principal.tenant_id == loa.z_tenant_id:
        return "z"
    return "a" if principal.tenant_id is not None and principal.tenant_id == loa.a_tenant_id else ""


async def _detail(request: Request[Any, Any, Any], loa_id: UUID, *, status: int = 200,
                  errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Template:
    principal = current_viewer(request).principal
    loa = await loas.get_loa(principal=principal, loa_id=loa_id)
    terms = await loas.terms(principal=principal, loa_id=loa_id)
    signed_grants = runtime_of(request).services.loa_pki is not None and loa.z_tenant_id is not None
    return page(request, "loa.html", status=status, loa=loa, terms=terms, side=side_of(principal, loa),
                may_decide=waits_for(principal, loa), signed_grants=signed_grants, errors=errors or {},
                values=values or {"valid_days": "90"},
                statuses=STATUS_NAMES, classes=STATUS_CLASSES, media_name=media_name)


async def _signed(principal: Principal, loa_id: UUID) -> dict[str, Any]:
    """The LOA's signed document, or the API's 409 when it has none (not granted)."""
    loa = await loas.get_loa(principal=principal, loa_id=loa_id)
    if loa.signed is None:
        raise Conflict(f"the LOA is {loa.status}: there is no signed document to print", loa_status=loa.status)
    return loa.signed


def _attachment(content: bytes, *, media_type: str, filename: str) -> Response[bytes]:
    return Response(content=content, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


class LoasController(Controller):
    path = "/"

    @get("/loas", operation_id="portal_loas", opt={"acts_as": "list_loas"})
    async def index(self, request: Request[Any, Any, Any],
                    cursor: Annotated[str | None, QueryParameter(max_length=MAX_CURSOR_LENGTH)] = None) -> Template:
        principal = current_viewer(request).principal
        pending = await every_row(lambda page: loas.list_for(principal=principal, status=LoaStatus.PENDING.value,
                                                             page=page))
        waiting = [loa for loa in pending if answers(principal, loa)]
        terms = {loa.id: await loas.terms(principal=principal, loa_id=loa.id) for loa in waiting}
        listed = await loas.list_for(principal=principal, status=None,
                                     page=keyset_request(cursor, limit=LOAS_PER_PAGE, keyset=loas.LOA_KEYS))
        return page(request, "loas.html", waiting=waiting, terms=terms, loas=listed.items,
                    may_decide=all(decides(principal, loa) for loa in waiting),
                    sides={loa.id: side_of(principal, loa) for loa in listed.items},
                    next_cursor=encode_cursor(listed), first_page=cursor is None, statuses=STATUS_NAMES,
                    classes=STATUS_CLASSES, media_name=media_name)

    @get("/loas/{loa_id:uuid}", operation_id="portal_loa", opt={"acts_as": "get_loa"})
    async def detail(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Template:
        return await _detail(request, loa_id)

    @post("/loas/{loa_id:uuid}/grant", operation_id="portal_grant_loa", opt={"acts_as": "grant_loa"},
          status_code=303)
    async def grant(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Redirect | Template:
        principal = current_viewer(request).principal
        services = runtime_of(request).services
        values = {"valid_days": text(await read_form(request), "valid_days", limit=10)}
        try:
            data = msgspec.convert({"valid_days": int(values["valid_days"])}, LoaGrant)
        except (ValueError, msgspec.ValidationError):
            return await _detail(request, loa_id, status=422, errors={"valid_days": VALID_DAYS}, values=values)
        try:
            await loas.grant(principal=principal, loa_id=loa_id, valid_days=data.valid_days, keys=services.keys,
                             facility=services.settings.facility_name)
        except (ValidationFailed, Conflict) as exc:
            errors = field_errors(exc, reasons=DECISION_REASONS, fallback={"valid_days": VALID_DAYS})
            return await _detail(request, loa_id, status=409 if isinstance(exc, Conflict) else 422, errors=errors,
                                 values=values)
        return see_other(f"/loas/{loa_id}")

    @post("/loas/{loa_id:uuid}/grant-signed", operation_id="portal_grant_loa_signed",
          opt={"acts_as": "grant_loa_signed"}, status_code=303,
          request_max_body_size=signed_grant.MAX_SIGNED_PDF_BYTES + 64 * 1024)
    async def grant_signed(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Redirect | Template:
        """The Z side's signer uploads the LOA's PDF signed with their certificate (PAdES)."""
        principal = current_viewer(request).principal
        services = runtime_of(request).services
        form = await request.form()
        part = form.get("file")
        values = {"valid_days": text(await read_form(request), "valid_days", limit=10)}
        try:
            data = msgspec.convert({"valid_days": int(values["valid_days"])}, LoaGrant)
        except (ValueError, msgspec.ValidationError):
            return await _detail(request, loa_id, status=422, errors={"valid_days": VALID_DAYS}, values=values)
        if not isinstance(part, UploadFile):
            return await _detail(request, loa_id, status=422, errors={"file": CHOOSE_PDF}, values=values)
        try:
            granted = await signed_grant.grant_signed(
                principal=principal, loa_id=loa_id, pdf=await part.read(), valid_days=data.valid_days,
                keys=services.keys, facility=services.settings.facility_name, pki=services.loa_pki)
        except (ValidationFailed, Conflict) as exc:
            refusal = str(exc.extra.get("refusal", "")) if isinstance(exc, ValidationFailed) else ""
            errors = {"file": REFUSALS[refusal]} if refusal in REFUSALS else field_errors(
                exc, reasons={**DECISION_REASONS, "this facility does not take signed LOAs": NO_PKI},
                fallback={"file": CHOOSE_PDF}, default_field="file")
            return await _detail(request, loa_id, status=409 if isinstance(exc, Conflict) else 422, errors=errors,
                                 values=values)
        RequestState.of(request.scope).signer_fingerprint = granted.signer.fingerprint
        return see_other(f"/loas/{loa_id}")

    @post("/loas/{loa_id:uuid}/refuse", operation_id="portal_refuse_loa", opt={"acts_as": "refuse_loa"},
          status_code=303)
    async def refuse(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Redirect | Template:
        principal = current_viewer(request).principal
        values = {"reason": text(await read_form(request), "reason", limit=1001), "valid_days": "90"}
        try:
            data = msgspec.convert({"reason": values["reason"]}, LoaRefusal)
        except msgspec.ValidationError:
            return await _detail(request, loa_id, status=422, errors={"reason": REASON_NEEDED}, values=values)
        try:
            await loas.refuse(principal=principal, loa_id=loa_id, reason=data.reason)
        except (ValidationFailed, Conflict) as exc:
            errors = field_errors(exc, reasons=DECISION_REASONS, fallback={"reason": REASON_NEEDED})
            return await _detail(request, loa_id, status=409 if isinstance(exc, Conflict) else 422, errors=errors,
                                 values=values)
        return see_other(f"/loas/{loa_id}")

    @get("/loas/{loa_id:uuid}/document", operation_id="portal_loa_document", opt={"acts_as": "get_loa_text"})
    async def document(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Response[bytes]:
        """The API's printable text (GET /v1/loas/{id}/text), as a file."""
        signed = await _signed(current_viewer(request).principal, loa_id)
        return _attachment(render_text(signed).encode(), media_type="text/plain; charset=utf-8",
                           filename=f"loa-{loa_id}.txt")

    @get("/loas/{loa_id:uuid}/pdf", operation_id="portal_loa_pdf", opt={"acts_as": "get_loa_pdf"})
    async def pdf(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Response[bytes]:
        """The API's GET /v1/loas/{id}/pdf: printable once granted (countersigned when granted by
        certificate), the PDF to sign while it waits (the Z side)."""
        found = await signed_grant.pdf_for(principal=current_viewer(request).principal, loa_id=loa_id,
                                           facility=runtime_of(request).services.settings.facility_name)
        return _attachment(found.content, media_type="application/pdf", filename=found.filename)

    @get("/loas/{loa_id:uuid}/signed", operation_id="portal_loa_signed", opt={"acts_as": "get_loa"})
    async def signed(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Response[bytes]:
        """The signed JSON (GET /v1/loas/{id}'s `signed`): the file `colo loa verify` checks."""
        signed = await _signed(current_viewer(request).principal, loa_id)
        return _attachment(msgspec.json.encode(signed), media_type="application/json",
                           filename=f"loa-{loa_id}.json")

