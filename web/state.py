"""What the portal's guard learns about one request, kept in the ASGI scope for the handler,
the response hook and the templates (beside api/request_state.py's values, which the access
log reads)."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.types import Scope

from accounts.schemas import AccountRead
from colo.identity import Principal
from web.i18n import Language

STATE_KEY = "colo_web"


@dataclass(slots=True)
class Viewer:
    """The signed-in person."""

    account: AccountRead
    principal: Principal
    session_id: str


@dataclass(slots=True)
class WebRequest:
    language: Language
    csrf_binding: str
    viewer: Viewer | None = None
    # why the session the browser presented is over (session_ended, tenant_inactive, …), if it is
    ended: str | None = None
    # cookies the response must set or clear: name → value ("" clears)
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, scope: Scope) -> WebRequest:
        value = scope.setdefault("state", {}).get(STATE_KEY)
        if not isinstance(value, WebRequest):
            raise RuntimeError("the portal guard did not run for this request")
        return value

    def store(self, scope: Scope) -> None:
        scope.setdefault("state", {})[STATE_KEY] = self
