"""API keys in the portal: a tenant admin's own tenant's keys (ops: staff keys, and every key to
revoke in an incident) — create, rotate, revoke — through exactly the functions the API calls
(tenants.keys), with the API's request shapes (so the same limits apply).

A new key's secret is shown once, on the page that answers the post (pages are `no-store`), and
never again: only its digest is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import FACILITY_ROLES, TENANT_ROLES
from colo.paging import MAX_LIMIT, PageRequest
from tenants import keys, people
from tenants.lifecycle import get_tenant
from tenants.schemas_keys import KeyCreate, KeyIssued, KeyRead, KeyRevoke, KeyRotate
from web.forms import read_form, schema_field, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.pages import page, see_other
from web.problems import NOT_VALID, field_errors
from web.roles import ROLE_NAMES
from web.state import Viewer, WebRequest

KEY_FIELDS = {
    "name": _("Enter a name to tell this key by (one line, at most 100 characters)."),
    "role": _("Choose a role."),
    "person_id": _("Choose a person of your company's register, or nobody."),
    "expires_at": _("Enter a date in the future, or leave it empty."),
    "allowed_networks": _("Enter networks such as 203.0.113.0/24, one per line (at most 16)."),
    "reason": _("The reason is too long (at most 200 characters)."),
    "overlap_seconds": _("Choose how long the old key keeps working."),
}
KEY_REASONS = {
    "this is the tenant's last working tenant-admin key": _(
        "This is your company's last working administrator key. Create another one first."),
    "a revoked key cannot be rotated": _("A revoked key cannot be rotated."),
}
OVERLAPS = (
    (0, _("Not at all: the old key stops now")),
    (3600, _("One hour")),
    (86400, _("One day")),
    (7 * 86400, _("One week")),
    (30 * 86400, _("30 days")),
)


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for every page here
    return viewer


def _roles(viewer: Viewer) -> list[tuple[str, str]]:
    """The roles this person may give a key: tenant roles for a tenant, staff ones for ops."""
    allowed = TENANT_ROLES if viewer.principal.is_tenant else FACILITY_ROLES
    return [(role.value, ROLE_NAMES[role]) for role in sorted(allowed)]


def _status(key: KeyRead, now: datetime) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "expiring" if key.expires_at is not None else "active"


STATUS_NAMES = {"active": _("Active"), "expiring": _("Active until its expiry"), "revoked": _("Revoked"),
                "expired": _("Expired")}


def _errors(exc: msgspec.ValidationError | ValidationFailed | Conflict | NotFound) -> dict[str, str]:
    if isinstance(exc, msgspec.ValidationError):
        name = schema_field(exc)
        return {name: KEY_FIELDS[name]} if name in KEY_FIELDS else {"form": NOT_VALID}
    return field_errors(exc, reasons=KEY_REASONS, fallback=KEY_FIELDS)


class KeysController(Controller):
    path = "/"

    @get("/keys", operation_id="portal_keys", opt={"acts_as": "list_keys"})
    async def keys(self, request: Request[Any, Any, Any],
                   revoked: Annotated[bool, QueryParameter()] = False) -> Template:
        viewer = _viewer(request)
        listed = await keys.list_keys(principal=viewer.principal, page=PageRequest(limit=MAX_LIMIT),
                                      include_revoked=revoked)
        now = datetime.now(UTC)
        companies: dict[UUID, str] = {}
        if viewer.principal.is_facility:  # ops see every key: say whose
            for tenant_id in {k.tenant_id for k in listed.items if k.tenant_id is not None}:
                companies[tenant_id] = (await get_tenant(principal=viewer.principal, tenant_id=tenant_id)).legal_name
        return page(request, "keys.html", keys=listed.items, more=listed.has_more, revoked=revoked,
                    companies=companies, staff_view=viewer.principal.is_facility,
                    statuses={k.id: _status(k, now) for k in listed.items}, status_names=STATUS_NAMES,
                    role_names=ROLE_NAMES)

    @get("/keys/new", operation_id="portal_key_form", opt={"acts_as": "create_key"})
    async def new_key_form(self, request: Request[Any, Any, Any]) -> Template:
        return await self._form(request, values={}, errors={})

    async def _form(self, request: Request[Any, Any, Any], *, values: dict[str, str], errors: dict[str, str],
                    status: int = 200) -> Template:
        viewer = _viewer(request)
        persons = []
        if viewer.principal.is_tenant:
            persons = (await people.list_people(principal=viewer.principal, page=PageRequest(limit=MAX_LIMIT))).items
        return page(request, "key_new.html", status=status, values=values, errors=errors, roles=_roles(viewer),
                    persons=persons)

    @post("/keys/new", operation_id="portal_create_key", opt={"acts_as": "create_key"}, status_code=200)
    async def create_key(self, request: Request[Any, Any, Any]) -> Template:
        viewer = _viewer(request)
        form = await read_form(request)
        values = {"name": text(form, "name", limit=150), "role": text(form, "role", limit=20),
                  "person_id": text(form, "person_id", limit=40), "expires_on": text(form, "expires_on", limit=20),
                  "allowed_networks": text(form, "allowed_networks", limit=1200)}
        body: dict[str, Any] = {"name": values["name"], "role": values["role"],
                                "allowed_networks": values["allowed_networks"].replace(",", "\n").split()}
        if values["person_id"]:
            body["person_id"] = values["person_id"]
        try:
            if values["expires_on"]:
                try:  # the end of that day, UTC
                    ends = datetime.combine(datetime.fromisoformat(values["expires_on"]).date(), time.max, UTC)
                except ValueError:
                    raise ValidationFailed("expires_at", "not a date") from None
                if ends <= datetime.now(UTC):
                    raise ValidationFailed("expires_at", "in the past")
                body["expires_at"] = ends.isoformat()
            data = msgspec.convert(body, KeyCreate)
            issued = await keys.create_key(
                principal=viewer.principal, ring=runtime_of(request).ring, name=data.name, role=data.role,
                person_id=data.person_id, expires_at=data.expires_at, allowed_networks=data.allowed_networks)
        except (msgspec.ValidationError, ValidationFailed, Conflict) as exc:
            errors = _errors(exc)
            errors = {("expires_on" if k == "expires_at" else k): v for k, v in errors.items()}
            return await self._form(request, values=values, errors=errors,
                                    status=409 if isinstance(exc, Conflict) else 422)
        return _issued(request, issued, rotated_from=None)

    @get("/keys/{key_id:uuid}", operation_id="portal_key", opt={"acts_as": "get_key"})
    async def key(self, request: Request[Any, Any, Any], key_id: FromPath[UUID]) -> Template:
        return await self._key_page(request, key_id, errors={})

    async def _key_page(self, request: Request[Any, Any, Any], key_id: UUID, *, errors: dict[str, str],
                        status: int = 200, reason: str = "") -> Template:
        viewer = _viewer(request)
        key = await keys.get_key(principal=viewer.principal, key_id=key_id)
        return page(request, "key.html", status=status, key=key, errors=errors, overlaps=OVERLAPS, reason=reason,
                    state=_status(key, datetime.now(UTC)), status_names=STATUS_NAMES, role_names=ROLE_NAMES,
                    rotatable=not (viewer.principal.is_facility and key.tenant_id is not None))

    @post("/keys/{key_id:uuid}/rotate", operation_id="portal_rotate_key", opt={"acts_as": "rotate_key"},
          status_code=200)
    async def rotate_key(self, request: Request[Any, Any, Any], key_id: FromPath[UUID]) -> Template:
        viewer = _viewer(request)
        form = await read_form(request)
        try:
            seconds = int(text(form, "overlap_seconds", limit=10) or "86400")
            data = msgspec.convert({"overlap_seconds": seconds}, KeyRotate)
            issued = await keys.rotate_key(principal=viewer.principal, ring=runtime_of(request).ring, key_id=key_id,
                                           overlap=timedelta(seconds=data.overlap_seconds))
        except (ValueError, msgspec.ValidationError):
            return await self._key_page(request, key_id, errors={"overlap_seconds": KEY_FIELDS["overlap_seconds"]},
                                        status=422)
        except (ValidationFailed, Conflict) as exc:
            return await self._key_page(request, key_id, errors=_errors(exc), status=422)
        old = await keys.get_key(principal=viewer.principal, key_id=key_id)  # its shortened life
        return _issued(request, issued, rotated_from=old)

    @post("/keys/{key_id:uuid}/revoke", operation_id="portal_revoke_key", opt={"acts_as": "revoke_key"},
          status_code=303)
    async def revoke_key(self, request: Request[Any, Any, Any], key_id: FromPath[UUID]) -> Template | Redirect:
        viewer = _viewer(request)
        form = await read_form(request)
        reason = text(form, "reason", limit=400)
        try:
            data = msgspec.convert({"reason": reason}, KeyRevoke)
            await keys.revoke_key(principal=viewer.principal, key_id=key_id, reason=data.reason)
        except msgspec.ValidationError:
            return await self._key_page(request, key_id, errors={"reason": KEY_FIELDS["reason"]}, status=422,
                                        reason=reason)
        except Conflict as exc:
            return await self._key_page(request, key_id, errors={"form": _errors(exc).get("form", NOT_VALID)},
                                        status=409, reason=reason)
        return see_other(f"/keys/{key_id}")


def _issued(request: Request[Any, Any, Any], issued: KeyIssued, *, rotated_from: KeyRead | None) -> Template:
    return page(request, "key_issued.html", issued=issued, rotated_from=rotated_from, role_names=ROLE_NAMES)
