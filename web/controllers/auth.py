"""Signing in and out, and enrolment from a one-time link (set a password, enrol TOTP).

Sign-in needs the password and a TOTP code, for everyone. A failure answers 401 with the same
message whatever was wrong, counts against the address and the account (accounts/throttle.py),
and once either is over its limit sign-in answers 429 until the window ends. Success makes a new
session (a new id: a planted cookie is never adopted) and drops the session the browser had.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from accounts.passwords import MIN_LENGTH
from accounts.service import authenticate, begin_enrolment, complete_enrolment, principal_of, set_locale
from api.request_state import RequestState
from colo.errors import AuthenticationFailed, Conflict, NotFound, RateLimited, ValidationFailed
from web.forms import field_error, read_form, text
from web.guard import runtime_of
from web.i18n import marker as _
from web.i18n import supported
from web.pages import page, see_other
from web.state import WebRequest

BAD_CREDENTIALS = _("The e-mail address, password or code is wrong.")
TENANT_INACTIVE = _("Your company's account is not active. Contact the datacenter.")
THROTTLED = _("Too many failed sign-ins. Wait a little and try again.")
LINK_INVALID = _("This link is not valid: it was used already, it expired, or it was mistyped. Ask for a new one.")
PASSWORD_REASONS = {
    "too_short": _("The password is too short: use at least 12 characters."),
    "too_long": _("The password is too long."),
    "too_common": _("This password is one of the most common ones, which attackers try first. Choose another."),
    "contains_email": _("The password contains your e-mail address. Choose another."),
}
PASSWORDS_DIFFER = _("The two passwords are not the same.")
WRONG_CODE = _("The code is wrong or was used already. Enter the current code from your authenticator app.")


class AuthController(Controller):
    path = "/"

    @get("/sign-in", operation_id="portal_sign_in_form")
    async def sign_in_form(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        web = WebRequest.of(request.scope)
        if web.viewer is not None:
            return see_other("/")
        return page(request, "sign_in.html", email="", errors={}, ended=web.ended is not None)

    @post("/sign-in", operation_id="portal_sign_in", status_code=303)
    async def sign_in(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        runtime = runtime_of(request)
        web = WebRequest.of(request.scope)
        state = RequestState.of(request.scope)
        form = await read_form(request)
        email = text(form, "email", limit=254)
        address = state.client_address
        try:
            await runtime.throttle.refuse_blocked(address=address, email=email)
        except RateLimited as exc:
            state.auth_failure = "rate_limited"
            response = page(request, "sign_in.html", status=429, email=email, errors={"form": THROTTLED}, ended=False)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        try:
            account = await authenticate(email=email, password=text(form, "password", limit=300, strip=False),
                                         code=text(form, "code", limit=12),
                                         master_key=runtime.services.keys.master_key)
        except AuthenticationFailed as exc:
            reason = str(exc.extra.get("reason", "bad_credentials"))
            state.auth_failure = reason
            await runtime.throttle.record_failure(address=address, email=email)
            message = TENANT_INACTIVE if reason == "tenant_inactive" else BAD_CREDENTIALS
            return page(request, "sign_in.html", status=401, email=email, errors={"form": message}, ended=False)
        if web.viewer is not None:  # signing in again: the old session ends, never continues
            await runtime.sessions.end(web.viewer.session_id)
        session_id = await runtime.sessions.create(account_id=account.id, tenant_id=account.tenant_id)
        web.cookies[runtime.session_cookie] = session_id
        state.principal = principal_of(account)
        chosen = supported(request.cookies.get(runtime.language_cookie))
        if not account.locale and chosen:  # a language picked before signing in is kept
            await set_locale(account_id=account.id, locale=chosen)
        return see_other("/")

    @post("/sign-out", operation_id="portal_sign_out", status_code=303)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        runtime = runtime_of(request)
        web = WebRequest.of(request.scope)
        if web.viewer is not None:
            await runtime.sessions.end(web.viewer.session_id)
        web.cookies[runtime.session_cookie] = ""
        return see_other("/sign-in")

    @post("/sign-out-everywhere", operation_id="portal_sign_out_everywhere", status_code=303)
    async def sign_out_everywhere(self, request: Request[Any, Any, Any]) -> Redirect:
        runtime = runtime_of(request)
        web = WebRequest.of(request.scope)
        if web.viewer is not None:
            await runtime.sessions.end_account(web.viewer.account.id)
        web.cookies[runtime.session_cookie] = ""
        return see_other("/sign-in")

    @get("/welcome", operation_id="portal_welcome_form")
    async def welcome_form(self, request: Request[Any, Any, Any],
                           token: Annotated[str, QueryParameter(max_length=100)] = "") -> Template:
        return await self._welcome(request, token, errors={})

    async def _welcome(self, request: Request[Any, Any, Any], token: str, *, errors: dict[str, str],
                       status: int = 200) -> Template:
        runtime = runtime_of(request)
        try:
            enrolment = await begin_enrolment(token=token, master_key=runtime.services.keys.master_key)
        except NotFound:
            return page(request, "error.html", status=404, message=LINK_INVALID, detail=None)
        secret = enrolment.totp_secret
        return page(request, "welcome.html", status=status, token=token, enrolment=enrolment, errors=errors,
                    secret_groups=[secret[i:i + 4] for i in range(0, len(secret), 4)], min_length=MIN_LENGTH)

    @post("/welcome", operation_id="portal_welcome", status_code=200)
    async def welcome(self, request: Request[Any, Any, Any]) -> Template:
        runtime = runtime_of(request)
        form = await read_form(request)
        token = text(form, "token", limit=100)
        password = text(form, "password", limit=300, strip=False)
        if password != text(form, "password_again", limit=300, strip=False):
            return await self._welcome(request, token, errors={"password_again": PASSWORDS_DIFFER}, status=422)
        try:
            account = await complete_enrolment(token=token, password=password, code=text(form, "code", limit=12),
                                               master_key=runtime.services.keys.master_key)
        except NotFound:
            return page(request, "error.html", status=404, message=LINK_INVALID, detail=None)
        except (ValidationFailed, Conflict) as exc:
            name, reason = field_error(exc)
            message = PASSWORD_REASONS.get(reason, BAD_CREDENTIALS) if name == "password" else WRONG_CODE
            return await self._welcome(request, token, errors={name if name in ("password", "code") else "code":
                                                                message}, status=422)
        return page(request, "welcome_done.html", account=account)

    @post("/language", operation_id="portal_language", status_code=303)
    async def language(self, request: Request[Any, Any, Any]) -> Redirect:
        runtime = runtime_of(request)
        web = WebRequest.of(request.scope)
        form = await read_form(request)
        code = supported(text(form, "locale", limit=5))
        if code is not None:
            web.cookies[runtime.language_cookie] = code
            if web.viewer is not None:
                await set_locale(account_id=web.viewer.account.id, locale=code)
        target = text(form, "next", limit=200)
        return see_other(target if target.startswith("/") and not target.startswith("//") else "/")
