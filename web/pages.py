"""Rendering a portal page: the template, the person's language, the CSRF token, and the headers
every portal response carries (a strict Content-Security-Policy without inline script or style,
and the usual hardening headers).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.guard import runtime_of
from web.nav import visible
from web.runtime import WebRuntime
from web.state import STATE_KEY, WebRequest

# No inline script or style anywhere: htmx is configured through a <meta> tag, styles are files.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",  # set-up links carry their token in the query
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",  # pages show personal data and one-time secrets
}


def context(request: Request[Any, Any, Any], **values: Any) -> dict[str, Any]:
    """What every template gets: `_`/`gettext`/`ngettext`/`pgettext` in the request's language, `lang`,
    the viewer, the navigation they may use, the CSRF token and asset URLs."""
    web = WebRequest.of(request.scope)
    runtime = runtime_of(request)
    language = web.language
    nav = visible(runtime.policy, web.viewer.principal.role) if web.viewer is not None else []
    return {
        "_": language.gettext, "gettext": language.gettext, "ngettext": language.ngettext,
        "pgettext": language.pgettext,
        "lang": language, "viewer": web.viewer, "csrf": runtime.csrf.token(web.csrf_binding),
        "asset": runtime.assets.url, "path": request.url.path, "nav": nav, **values,
    }


def page(request: Request[Any, Any, Any], template: str, *, status: int = 200, **values: Any) -> Template:
    return Template(template_name=template, context=context(request, **values), status_code=status)


def see_other(path: str) -> Redirect:
    """After a form post: 303, so a reload does not post again."""
    return Redirect(path=path, status_code=303)


def cookie(runtime: WebRuntime, *, name: str, value: str) -> Cookie:
    """A portal cookie: Secure (unless configured off for plain-http development), HttpOnly except
    the language choice, SameSite=Lax for the session (a link from an e-mail arrives signed in),
    Strict for the rest; an empty value clears it."""
    session = name == runtime.session_cookie
    max_age = 0 if not value else None if session else 31536000
    return Cookie(key=name, value=value, path="/", secure=runtime.secure, httponly=name != runtime.language_cookie,
                  samesite="lax" if session else "strict", max_age=max_age)


def portal_headers(app: ASGIApp) -> ASGIApp:
    """Router middleware: the security headers and the cookies asked for (WebRequest.cookies) on
    every portal response, pages and error pages alike."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                runtime: WebRuntime = scope["app"].state.web
                if runtime.secure and "strict-transport-security" not in headers:
                    headers["strict-transport-security"] = "max-age=31536000"  # ignored over plain http
                web = scope.get("state", {}).get(STATE_KEY)
                if isinstance(web, WebRequest):
                    for name, value in web.cookies.items():
                        header, encoded = cookie(runtime, name=name, value=value).to_encoded_header()
                        headers.add(header.decode(), encoded.decode())
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
