"""The service desk's choice sets as enums (stored as their values): ticket kinds and states,
scheduling classes, trouble categories and priorities, request types, event and alert kinds."""

from __future__ import annotations

from enum import StrEnum


class TicketKind(StrEnum):
    HANDS = "hands"  # a smart-hands request: work the tenant asks for
    TROUBLE = "trouble"  # a trouble ticket: a fault the tenant reports


class TicketState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    ACTION_REQUIRED = "action_required"  # waiting for the customer: the SLA clock pauses
    CUSTOMER_UPDATED = "customer_updated"  # the customer answered: the clock runs again
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class SchedulingClass(StrEnum):
    STANDARD = "standard"
    EXPEDITED = "expedited"
    SCHEDULED = "scheduled"  # a window with a start and an end


class Priority(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class TroubleCategory(StrEnum):
    POWER_LOSS_FEED = "power_loss_feed"
    CROSS_CONNECT_DOWN = "cross_connect_down"
    ENVIRONMENTAL = "environmental"  # temperature, humidity, water, smoke
    ACCESS_PROBLEM = "access_problem"
    OTHER = "other"


class RequestType(StrEnum):
    CABLE_PATCH = "cable_patch"  # patch or reseat a cable
    EQUIPMENT_INSTALL = "equipment_install"
    EQUIPMENT_REMOVE = "equipment_remove"
    POWER_CYCLE = "power_cycle"
    VISUAL_CHECK = "visual_check"  # look, and send photos
    LOCATE_PACKAGE = "locate_package"
    UNPACK_SHIPMENT = "unpack_shipment"
    OTHER = "other"


class EventKind(StrEnum):
    CREATED = "created"
    TRANSITION = "transition"
    NOTE = "note"
    TIME = "time"
    ATTACHMENT = "attachment"


class SlaAlertKind(StrEnum):
    APPROACHING = "approaching"  # most of the target used (COLO_SLA_WARN_PERCENT)
    BREACHED = "breached"


OPEN_STATES = frozenset({TicketState.SUBMITTED, TicketState.ACCEPTED, TicketState.IN_PROGRESS,
                         TicketState.ACTION_REQUIRED, TicketState.CUSTOMER_UPDATED})
