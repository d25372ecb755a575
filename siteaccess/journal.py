"""Physical events, handed to whoever records them (the access log, in a running app).

Service functions take a `journal` callable rather than the access log itself, so they can be
called with another recorder (`discard` in scripts and tests); siteaccess/runtime.py adapts it
to the access log. The journal is awaited: a recorded physical event is committed before the
caller is answered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

from colo.identity import Principal


@dataclass(frozen=True, slots=True)
class PhysicalEvent:
    action: str  # visit.requested|approved|denied|cancelled, badge.issued|expired, gate.check_in|check_out|refused
    outcome: str  # "recorded", or "refused" for a refused gate attempt
    tenant_id: UUID | None
    actor: Principal | None
    objects: dict[str, str] = field(default_factory=dict)
    detail: str | None = None
    pii: str | None = None  # ciphertext under the tenant's data key, never plaintext


Journal = Callable[[PhysicalEvent], Awaitable[None]]


async def discard(_event: PhysicalEvent) -> None:
    """A journal that records nothing (scripts and tests that do not look at the log)."""
