"""The portal's one error mapper: domain errors and HTTP errors become pages in the person's
language (the API maps the same errors to problem details in api/errors.py).

A page for signed-in people opened without a live session answers 401 with the sign-in form in
place (the access log records `unauthenticated` and why), and tells htmx to load /sign-in.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.types import ExceptionHandlersMap

from colo.errors import ColoError, Conflict, NotFound, PermissionDenied, RateLimited, Unavailable, ValidationFailed
from colo.logging import get_logger
from web.guard import CsrfRefused, SignInRequired
from web.i18n import marker as _
from web.pages import context
from web.state import STATE_KEY

log = get_logger(__name__)


# The message shown for each status.
MESSAGES = {
    400: _("The request could not be understood."),
    403: _("You may not do this."),
    404: _("This page does not exist, or you may not see it."),
    405: _("This page does not answer that kind of request."),
    409: _("This cannot be done in the current state. Reload the page and try again."),
    422: _("Some of what you entered is not valid."),
    429: _("Too many attempts. Wait a little and try again."),
    500: _("Something went wrong on our side. Try again later."),
    503: _("The portal cannot reach a service it needs right now. Try again in a minute."),
}
CSRF_REFUSED = _("This form has expired or did not come from this site. Reload the page and try again.")


def _guard_ran(request: Request[Any, Any, Any]) -> bool:
    return STATE_KEY in request.scope.get("state", {})


def error_page(request: Request[Any, Any, Any], status: int, *, detail: str | None = None,
               headers: dict[str, str] | None = None, message: str | None = None) -> Response[Any]:
    message = message or MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    if not _guard_ran(request):  # the guard itself failed (a bad parameter): plain text
        return Response(content=message, status_code=status, media_type="text/plain", headers=headers)
    return Template(template_name="error.html", status_code=status, headers=headers,
                    context=context(request, status=status, message=message, detail=detail))


def sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    ended = str(exc.extra.get("reason", "")) != "no_session"
    return Template(template_name="sign_in.html", status_code=401, headers={"HX-Redirect": "/sign-in"},
                    context=context(request, ended=ended, email="", errors={}))


def colo_error(request: Request[Any, Any, Any], exc: ColoError) -> Response[Any]:
    if isinstance(exc, RateLimited):
        return error_page(request, 429, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, CsrfRefused):
        return error_page(request, 403, message=CSRF_REFUSED)
    if isinstance(exc, Unavailable):  # e.g. the session store: a dependency down, not a bug
        return error_page(request, 503, headers={"Retry-After": str(exc.retry_after)})
    status = 500
    if isinstance(exc, PermissionDenied):
        status = 403
    elif isinstance(exc, NotFound):
        status = 404
    elif isinstance(exc, Conflict):
        status = 409
    elif isinstance(exc, ValidationFailed):
        status = 422
    if status == 500:
        log.error("portal error", error=type(exc).__name__)
    return error_page(request, status)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return error_page(request, exc.status_code, headers=exc.headers)


def unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected portal error", error=type(exc).__name__)
    return error_page(request, 500)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    SignInRequired: sign_in_required,
    ColoError: colo_error,
    HTTPException: http_error,
    Exception: unexpected,
}
