"""LOAs in the portal: the Z side grants or refuses; the signed document and a printable PDF.

Every page calls what the API's /v1/loas calls (dcim.orders.loas), with the viewer's principal,
so the rules are the API's: both parties (and staff) read an LOA, another tenant's LOA is the
same 404 as a missing one, only the Z side's company administrator decides (ops for a carrier
without a Colo account). The document download is the API's `get_loa_text` byte for byte; the
PDF (web/pdf.py) sets the same text and attaches the signed JSON, the authority.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.pagination import MAX_CURSOR_LENGTH, encode_cursor, keyset_request
from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal, Role
from colo.paging import every_row
from dcim.orders import loas
from dcim.orders.loa import render_text
from dcim.orders.schemas import LoaGrant, LoaRead, LoaRefusal
from dcim.orders.states import LoaStatus
from web.forms import read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.orders_view import media_name
from web.pages import page, see_other
from web.pdf import loa_pdf
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
    return page(request, "loa.html", status=status, loa=loa, terms=terms, side=side_of(principal, loa),
                may_decide=waits_for(principal, loa), errors=errors or {}, values=values or {"valid_days": "90"},
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

    @get("/loas/{loa_id:uuid}/pdf", operation_id="portal_loa_pdf", opt={"acts_as": "get_loa_text"})
    async def pdf(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Response[bytes]:
        signed = await _signed(current_viewer(request).principal, loa_id)
        content = await anyio.to_thread.run_sync(
            lambda: loa_pdf(text=render_text(signed), signed=signed, loa_id=str(loa_id)))
        return _attachment(content, media_type="application/pdf", filename=f"loa-{loa_id}.pdf")

    @get("/loas/{loa_id:uuid}/signed", operation_id="portal_loa_signed", opt={"acts_as": "get_loa"})
    async def signed(self, request: Request[Any, Any, Any], loa_id: LoaId) -> Response[bytes]:
        """The signed JSON (GET /v1/loas/{id}'s `signed`): the file `colo loa verify` checks."""
        signed = await _signed(current_viewer(request).principal, loa_id)
        return _attachment(msgspec.json.encode(signed), media_type="application/json",
                           filename=f"loa-{loa_id}.json")

