"""The app's request class: checked JSON bodies (api/input_rules.py), the caller and the services.

Handlers take `request: ColoRequest` and read `request.principal` — the caller the guard
authenticated (api/guards.py) — and `request.services`, the app's AppServices. Both used to be
Litestar dependencies (`principal: CurrentPrincipal, services: Services`). Resolving two
dependencies runs Litestar's dependency machinery on every request, for two lookups: about 11 %
of a tenant rack read's server CPU, measured in paired runs (docs/BENCHMARKS.md). A property is
the same lookup without it, and a handler still names what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from api.input_rules import CheckedRequest
from api.request_state import RequestState
from colo.errors import AuthenticationFailed
from colo.identity import Principal

if TYPE_CHECKING:
    from api.services import AppServices


class ColoRequest(CheckedRequest):
    @property
    def principal(self) -> Principal:
        """Who calls: the Principal the guard put in the request state."""
        principal = RequestState.of(self.scope).principal
        if principal is None:  # only reachable if a public route asks for the caller
            raise AuthenticationFailed("An API key is required", reason="missing_key")
        return principal

    @property
    def services(self) -> AppServices:
        """The app's long-lived components (api/services.py), set at start-up (api/plugin.py)."""
        return cast("AppServices", self.scope["app"].state["services"])
