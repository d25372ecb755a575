"""Domain errors. Domain code raises these; api/ maps each to one HTTP problem type."""

from __future__ import annotations

from typing import Any


class ColoError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(ColoError):
    """The object does not exist, or the caller may not know that it does (same answer)."""

    def __init__(self, resource: str, identifier: object = None, *, field: str | None = None) -> None:
        super().__init__(f"{resource} not found")
        self.resource = resource
        self.identifier = identifier
        self.field = field  # the input that named it (e.g. a rack id in a body), if any


class ValidationFailed(ColoError):
    """Input is well-formed but wrong; names the offending field."""

    def __init__(self, field: str, reason: str, **extra: Any) -> None:
        super().__init__(f"{field}: {reason}", field=field, **extra)
        self.field = field
        self.reason = reason


class Conflict(ColoError):
    """The request clashes with current state (double booking, duplicate, wrong order state)."""


class AuthenticationFailed(ColoError):
    """No credential, or one that is unknown, expired, revoked or from a disallowed network."""


class PermissionDenied(ColoError):
    """The caller is known but its role may not perform this operation."""


class RateLimited(ColoError):
    """Too many requests; retry_after in seconds."""

    def __init__(self, detail: str, *, retry_after: int, limit: int = 0, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after
        self.limit = limit


class Unavailable(ColoError):
    """A dependency (NetBox, the database) cannot answer now; the caller may retry later."""

    def __init__(self, component: str, detail: str, *, retry_after: int = 30) -> None:
        super().__init__(detail, component=component)
        self.component = component
        self.retry_after = retry_after


class UpstreamRejected(ColoError):
    """NetBox refused a write with a 4xx that Colo could not prevent (its body is in detail)."""
