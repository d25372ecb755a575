"""The states of a webhook endpoint and of one delivery, stored as their values."""

from __future__ import annotations

from enum import StrEnum


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"  # failing for longer than COLO_WEBHOOK_DISABLE_AFTER_HOURS, or by its tenant


class NoticeKind(StrEnum):
    MAINTENANCE = "maintenance"
    INCIDENT = "incident"
    ADVISORY = "advisory"
    SECURITY = "security"


class NoticeStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SUCCEEDED = "succeeded"  # the endpoint answered 2xx
    FAILED = "failed"  # every retry of the back-off schedule failed, or the endpoint was disabled
