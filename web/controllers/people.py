"""A tenant's people in the portal: its portal accounts (invite, make administrator or member,
remove) and its people register (the persons named as visitors and contacts: add, change,
remove), through the same services and rules as the API.

Account management is accounts.service's, scoped to the admin's own tenant in the query: another
tenant's account id answers exactly like a missing one. Removing an account ends its sessions at
once; the company's last administrator can neither step down nor be removed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.service import change_role, invite, list_accounts, remove_account
from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Role
from colo.paging import MAX_LIMIT, PageRequest
from tenants import people
from tenants.lifecycle import get_tenant
from tenants.schemas import IdDocumentType, PersonCreate, PersonRead, PersonUpdate
from web.forms import field_error, read_form, schema_field, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.i18n import supported
from web.invitations import hand_over
from web.pages import page, see_other
from web.problems import NOT_VALID, field_errors
from web.roles import ROLE_NAMES, tenant_roles
from web.state import Viewer, WebRequest

INVITE_ERRORS = {
    "email": _("Enter a valid e-mail address that has no account yet."),
    "name": _("Enter the person's name (plain text)."),
    "role": _("Choose a role."),
    "form": _("Your company's account is not active."),
}
LAST_ADMIN = _("This is your company's last administrator. Make another person an administrator first.")
ACCOUNT_REMOVED = _("This account was removed.")
PERSON_FIELDS = {
    "name": _("Enter the person's name (plain text, at most 200 characters)."),
    "email": _("Enter a valid e-mail address."),
    "phone": _("Enter a phone number in international form, for example +994 12 555 12 34."),
    "id_document_type": _("Choose the type of the ID document, together with its number."),
    "id_number": _("Enter the ID document number (3 to 40 characters), together with its type."),
    "form": _("People can be managed only while your company's account is active."),
}
PERSON_REASONS = {"ID document type and number go together": _("An ID document needs both its type and its number.")}
DOCUMENT_TYPES = (
    (IdDocumentType.PASSPORT.value, _("Passport")),
    (IdDocumentType.NATIONAL_ID.value, _("National ID card")),
    (IdDocumentType.DRIVING_LICENCE.value, _("Driving licence")),
    (IdDocumentType.OTHER.value, _("Other document")),
)
STATUS_NAMES = {"invited": _("Invited"), "active": _("Active"), "disabled": _("Removed")}


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for every page here
    return viewer


class PeopleController(Controller):
    path = "/"

    # ------------------------------------------------------------------ the page

    @get("/people", operation_id="portal_people", opt={"acts_as": "list_people"})
    async def people(self, request: Request[Any, Any, Any]) -> Template:
        return await self._people_page(request, errors={})

    async def _people_page(self, request: Request[Any, Any, Any], *, errors: dict[str, str],
                           status: int = 200) -> Template:
        viewer = _viewer(request)
        persons = await people.list_people(principal=viewer.principal, page=PageRequest(limit=MAX_LIMIT))
        accounts = await list_accounts(principal=viewer.principal)
        companies: dict[UUID, str] = {}
        if viewer.principal.is_facility:  # staff see every tenant's: say whose
            for tenant_id in {p.tenant_id for p in persons.items} | {a.tenant_id for a in accounts if a.tenant_id}:
                companies[tenant_id] = (await get_tenant(principal=viewer.principal, tenant_id=tenant_id)).legal_name
        return page(request, "people.html", status=status, accounts=accounts, persons=persons.items,
                    more_persons=persons.has_more, errors=errors, companies=companies,
                    manage=viewer.principal.role == Role.TENANT_ADMIN, role_names=ROLE_NAMES,
                    roles=tenant_roles(), status_names=STATUS_NAMES, document_types=dict(DOCUMENT_TYPES))

    # ------------------------------------------------------------------ accounts

    @get("/people/invite", operation_id="invite_account_form")
    async def invite_form(self, request: Request[Any, Any, Any]) -> Template:
        language = WebRequest.of(request.scope).language.code
        return page(request, "invite.html", errors={}, values={"language": language}, handover=None,
                    roles=tenant_roles())

    @post("/people/invite", operation_id="invite_account", status_code=200)
    async def invite(self, request: Request[Any, Any, Any]) -> Template:
        runtime = runtime_of(request)
        viewer = _viewer(request)
        form = await read_form(request)
        values = {"email": text(form, "email", limit=254), "name": text(form, "name"),
                  "role": text(form, "role", limit=20),
                  "language": supported(text(form, "language", limit=5)) or WebRequest.of(request.scope).language.code}
        try:
            role = Role(values["role"])
            issued = await invite(principal=viewer.principal, email=values["email"], name=values["name"], role=role,
                                  valid_hours=runtime.services.settings.invitation_hours)
        except ValueError:
            return page(request, "invite.html", status=422, errors={"role": INVITE_ERRORS["role"]}, values=values,
                        handover=None, roles=tenant_roles())
        except (ValidationFailed, Conflict) as exc:
            name, _reason = field_error(exc)
            key = name if name in INVITE_ERRORS else "form"
            return page(request, "invite.html", status=422 if isinstance(exc, ValidationFailed) else 409,
                        errors={key: INVITE_ERRORS[key]}, values=values, handover=None, roles=tenant_roles())
        handover = await hand_over(request, issued, language=values["language"])
        return page(request, "invite.html", errors={}, values={"language": values["language"]}, handover=handover,
                    roles=tenant_roles())

    @post("/people/accounts/{account_id:uuid}/role", operation_id="portal_change_account_role", status_code=303)
    async def change_role(self, request: Request[Any, Any, Any], account_id: FromPath[UUID]) -> Template | Redirect:
        viewer = _viewer(request)
        form = await read_form(request)
        try:
            role = Role(text(form, "role", limit=20))
        except ValueError:
            return await self._people_page(request, errors={"form": INVITE_ERRORS["role"]}, status=422)
        try:
            await change_role(principal=viewer.principal, account_id=account_id, role=role)
        except ValidationFailed:
            return await self._people_page(request, errors={"form": INVITE_ERRORS["role"]}, status=422)
        except Conflict as exc:
            return await self._people_page(request, errors={"form": _account_refusal(exc)}, status=409)
        return see_other("/people")

    @post("/people/accounts/{account_id:uuid}/remove", operation_id="portal_remove_account", status_code=303)
    async def remove(self, request: Request[Any, Any, Any], account_id: FromPath[UUID]) -> Template | Redirect:
        viewer = _viewer(request)
        try:
            await remove_account(principal=viewer.principal, account_id=account_id,
                                 sessions=runtime_of(request).sessions)
        except Conflict as exc:
            return await self._people_page(request, errors={"form": _account_refusal(exc)}, status=409)
        if account_id == viewer.account.id:  # removed oneself: this session is over
            return see_other("/sign-in")
        return see_other("/people")

    # ------------------------------------------------------------------ the people register

    @get("/people/new", operation_id="portal_person_form", opt={"acts_as": "create_person"})
    async def new_person_form(self, request: Request[Any, Any, Any]) -> Template:
        return _person_form(request, person=None, values={}, errors={})

    @post("/people/new", operation_id="portal_create_person", opt={"acts_as": "create_person"}, status_code=303)
    async def create_person(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        viewer = _viewer(request)
        values = _person_values(await read_form(request))
        try:
            data = msgspec.convert(_person_body(values, creating=True), PersonCreate)
            await people.create_person(principal=viewer.principal,
                                       master_key=runtime_of(request).services.keys.master_key, data=data)
        except msgspec.ValidationError as exc:
            return _person_form(request, person=None, values=values, errors=_invalid(exc), status=422)
        except (ValidationFailed, Conflict) as exc:
            return _person_form(request, person=None, values=values, errors=_person_errors(exc),
                                status=422 if isinstance(exc, ValidationFailed) else 409)
        return see_other("/people")

    @get("/people/{person_id:uuid}", operation_id="portal_person", opt={"acts_as": "update_person"})
    async def edit_person_form(self, request: Request[Any, Any, Any], person_id: FromPath[UUID]) -> Template:
        person = await people.get_person(principal=_viewer(request).principal, person_id=person_id)
        values = {"name": person.name, "email": person.email, "site_access": "on" if person.site_access else "",
                  "id_document_type": person.id_document_type}
        return _person_form(request, person=person, values=values, errors={})

    @post("/people/{person_id:uuid}", operation_id="portal_update_person", opt={"acts_as": "update_person"},
          status_code=303)
    async def update_person(self, request: Request[Any, Any, Any], person_id: FromPath[UUID]) -> Template | Redirect:
        viewer = _viewer(request)
        person = await people.get_person(principal=viewer.principal, person_id=person_id)  # 404 before anything
        values = _person_values(await read_form(request))
        try:
            data = msgspec.convert(_person_body(values, creating=False), PersonUpdate)
            await people.update_person(principal=viewer.principal, person_id=person_id, data=data,
                                       master_key=runtime_of(request).services.keys.master_key)
        except msgspec.ValidationError as exc:
            return _person_form(request, person=person, values=values, errors=_invalid(exc), status=422)
        except (ValidationFailed, Conflict) as exc:
            return _person_form(request, person=person, values=values, errors=_person_errors(exc),
                                status=422 if isinstance(exc, ValidationFailed) else 409)
        return see_other("/people")

    @post("/people/{person_id:uuid}/delete", operation_id="portal_delete_person", opt={"acts_as": "delete_person"},
          status_code=303)
    async def delete_person(self, request: Request[Any, Any, Any], person_id: FromPath[UUID]) -> Redirect:
        await people.delete_person(principal=_viewer(request).principal, person_id=person_id)
        return see_other("/people")


def _account_refusal(exc: Conflict) -> str:
    reason = exc.extra.get("reason")
    return LAST_ADMIN if reason == "last_admin" else ACCOUNT_REMOVED if reason == "disabled" else str(
        field_errors(exc)["form"])


def _person_values(form: dict[str, Any]) -> dict[str, str]:
    return {"name": text(form, "name"), "email": text(form, "email", limit=254), "phone": text(form, "phone", limit=40),
            "site_access": "on" if text(form, "site_access", limit=5) else "",
            "id_document_type": text(form, "id_document_type", limit=30),
            "id_number": text(form, "id_number", limit=60)}


def _person_body(values: dict[str, str], *, creating: bool) -> dict[str, Any]:
    """The API's request body for the form: on a change, an empty phone or ID number keeps what is
    on file (the form never shows them unmasked); no document type clears the document."""
    body: dict[str, Any] = {"name": values["name"], "email": values["email"],
                            "site_access": values["site_access"] == "on"}
    if values["phone"]:
        body["phone"] = values["phone"]
    if values["id_document_type"]:
        body["id_document_type"] = values["id_document_type"]
        if values["id_number"] or creating:
            body["id_number"] = values["id_number"] or None
    elif values["id_number"] or not creating:
        body["id_document_type"] = None
        body["id_number"] = values["id_number"] or None
    return body


def _invalid(exc: msgspec.ValidationError) -> dict[str, str]:
    name = schema_field(exc)
    return {name: PERSON_FIELDS[name]} if name in PERSON_FIELDS else {"form": NOT_VALID}


def _person_errors(exc: ValidationFailed | Conflict | NotFound) -> dict[str, str]:
    return field_errors(exc, reasons=PERSON_REASONS, fallback=PERSON_FIELDS)


def _person_form(request: Request[Any, Any, Any], *, person: PersonRead | None, values: dict[str, str],
                 errors: dict[str, str], status: int = 200) -> Template:
    return page(request, "person.html", status=status, person=person, values=values, errors=errors,
                document_types=DOCUMENT_TYPES)

