"""One typed view of what Colo keeps per request in the ASGI `scope["state"]`.

The request-id middleware, the guard (api/auth.py, api/guards.py) and the problem responses
(api/errors.py) write these values; the access log (api/access_log.py) and the handlers read
them after the fact. Each value has one name and one type here, instead of string keys spelled
out in every module that touches them.
"""

from __future__ import annotations

from typing import Any

from litestar.types import Scope

from colo.identity import Principal


class RequestState:
    """`RequestState.of(scope).principal` and so on; an unset value reads as None."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @classmethod
    def of(cls, scope: Scope) -> RequestState:
        return cls(scope.setdefault("state", {}))

    @property
    def request_id(self) -> str | None:
        """X-Request-ID as sent (if sane) or generated (api/request_id.py)."""
        value: str | None = self.values.get("request_id")
        return value

    @request_id.setter
    def request_id(self, value: str) -> None:
        self.values["request_id"] = value

    @property
    def principal(self) -> Principal | None:
        """The authenticated caller (set by the guard on success)."""
        value: Principal | None = self.values.get("principal")
        return value

    @principal.setter
    def principal(self, value: Principal) -> None:
        self.values["principal"] = value

    @property
    def client_address(self) -> str | None:
        """The caller's address (X-Forwarded-For only from trusted proxies)."""
        value: str | None = self.values.get("client_address")
        return value

    @client_address.setter
    def client_address(self, value: str | None) -> None:
        self.values["client_address"] = value

    @property
    def auth_failure(self) -> str | None:
        """Why authentication failed (`missing_key`, `revoked`, `rate_limited`, …)."""
        value: str | None = self.values.get("auth_failure")
        return value

    @auth_failure.setter
    def auth_failure(self, value: str) -> None:
        self.values["auth_failure"] = value

    @property
    def auth_key_id(self) -> str | None:
        """The key whose secret matched but which is not allowed (revoked, wrong network, …)."""
        value: str | None = self.values.get("auth_key_id")
        return value

    @auth_key_id.setter
    def auth_key_id(self, value: str) -> None:
        self.values["auth_key_id"] = value

    @property
    def authz_denied(self) -> str | None:
        """The operation id a role was refused (or `unlisted`)."""
        value: str | None = self.values.get("authz_denied")
        return value

    @authz_denied.setter
    def authz_denied(self, value: str) -> None:
        self.values["authz_denied"] = value

    @property
    def problem_type(self) -> str | None:
        """The slug of the problem response the request ended with (api/errors.py)."""
        value: str | None = self.values.get("problem_type")
        return value

    @problem_type.setter
    def problem_type(self, value: str) -> None:
        self.values["problem_type"] = value

    @property
    def signer_fingerprint(self) -> str | None:
        """SHA-256 of the X.509 certificate that signed what this request submitted (a signed
        LOA): the access log records it with the action (api/access_log.py)."""
        value: str | None = self.values.get("signer_fingerprint")
        return value

    @signer_fingerprint.setter
    def signer_fingerprint(self, value: str) -> None:
        self.values["signer_fingerprint"] = value


def matched_template(scope: Scope) -> str | None:
    """The template of the route the router matched (`/v1/racks/{rack_id:int}`), or None when no
    route matched; the router writes both into this scope, so the outer middleware read it after
    the app returns."""
    template: str | None = scope.get("path_template") if scope.get("route_handler") is not None else None
    return template
