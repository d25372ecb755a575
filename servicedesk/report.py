"""The monthly service report of one tenant: hands tickets with time spent and billable minutes,
trouble tickets with their resolution time and SLA met or missed, and shipments handled — as a
struct (JSON) and as CSV.

Shipments are site access's; this domain does not import it: the API's assembly point reads
their tally and passes it in (`ShipmentFigures`).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from colo.errors import ValidationFailed
from servicedesk.schemas import clock_of
from servicedesk.service import billable_of
from servicedesk.status import EventKind, TicketKind
from servicedesk.tables import Ticket, TicketEvent

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ShipmentFigures(msgspec.Struct):
    inbound_received: int
    inbound_unannounced: int
    outbound_handed_over: int


class HandsLine(msgspec.Struct):
    ticket_id: UUID
    title: str
    request_type: str
    state: str
    created_at: datetime
    completed_at: datetime | None
    minutes_spent: int  # logged within the month
    billable_minutes: int


class TroubleLine(msgspec.Struct):
    ticket_id: UUID
    title: str
    category: str
    priority: str
    created_at: datetime
    resolved_at: datetime
    resolution_minutes: int
    sla_met: bool
    provider_caused: bool | None
    minutes_spent: int
    billable_minutes: int


class ServiceReport(msgspec.Struct):
    tenant_id: UUID
    month: str
    starts_at: datetime
    ends_at: datetime
    hands: list[HandsLine]
    trouble: list[TroubleLine]
    hands_minutes: int
    billable_minutes: int
    trouble_resolved: int
    trouble_sla_met: int
    trouble_sla_missed: int
    shipments: ShipmentFigures | None


def month_bounds(month: str, *, field: str = "month") -> tuple[datetime, datetime]:
    """`YYYY-MM` → [first instant, first instant of the next month) in UTC."""
    match = MONTH.match(month)
    if match is None:
        raise ValidationFailed(field, "a month as YYYY-MM")
    year, number = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2999:
        raise ValidationFailed(field, "a month between 2000-01 and 2999-12")
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=UTC)
    return start, end


async def monthly_report(*, tenant_id: UUID, month: str, shipments: ShipmentFigures | None = None) -> ServiceReport:
    start, end = month_bounds(month)
    logged: dict[UUID, tuple[int, int]] = {}
    for entry in await TicketEvent.select(TicketEvent.ticket_id, TicketEvent.minutes, TicketEvent.billable_minutes
                                          ).where((TicketEvent.tenant_id == tenant_id)
                                                  & (TicketEvent.kind == EventKind.TIME.value)
                                                  & (TicketEvent.at >= start) & (TicketEvent.at < end)):
        spent, billed = logged.get(entry["ticket_id"], (0, 0))
        logged[entry["ticket_id"]] = (spent + entry["minutes"], billed + entry["billable_minutes"])
    in_month = ((Ticket.created_at >= start) & (Ticket.created_at < end)) | (
        (Ticket.completed_at >= start) & (Ticket.completed_at < end))
    if logged:
        in_month = in_month | Ticket.id.is_in(list(logged))
    rows = await Ticket.select().where((Ticket.tenant_id == tenant_id) & in_month).order_by(Ticket.created_at)
    hands: list[HandsLine] = []
    trouble: list[TroubleLine] = []
    for row in rows:
        spent, billed = logged.get(row["id"], (0, 0))
        billed = billable_of(row, billed)
        if row["kind"] == TicketKind.HANDS:
            hands.append(HandsLine(ticket_id=row["id"], title=row["title"], request_type=row["request_type"],
                                   state=row["state"], created_at=row["created_at"], completed_at=row["completed_at"],
                                   minutes_spent=spent, billable_minutes=billed))
            continue
        resolved = row["completed_at"]
        if resolved is None or not start <= resolved < end:
            continue  # a trouble ticket is reported in the month it was resolved
        trouble.append(TroubleLine(
            ticket_id=row["id"], title=row["title"], category=row["category"], priority=row["priority"],
            created_at=row["created_at"], resolved_at=resolved,
            resolution_minutes=int((resolved - row["created_at"]).total_seconds() // 60),
            sla_met=bool(clock_of(row).met(resolved)), provider_caused=row["provider_caused"],
            minutes_spent=spent, billable_minutes=billed))
    met = sum(line.sla_met for line in trouble)
    return ServiceReport(
        tenant_id=tenant_id, month=month, starts_at=start, ends_at=end, hands=hands, trouble=trouble,
        hands_minutes=sum(line.minutes_spent for line in hands) + sum(line.minutes_spent for line in trouble),
        billable_minutes=sum(line.billable_minutes for line in hands) + sum(line.billable_minutes for line in trouble),
        trouble_resolved=len(trouble), trouble_sla_met=met, trouble_sla_missed=len(trouble) - met,
        shipments=shipments)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (a formula) is quoted with '."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_HEADER = ("section", "ticket_id", "title", "type", "priority", "state", "created_at", "completed_at",
              "minutes_spent", "billable_minutes", "resolution_minutes", "sla_met", "provider_caused")


def as_csv(report: ServiceReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for h in report.hands:
        writer.writerow([_cell(v) for v in ("hands", h.ticket_id, h.title, h.request_type, "", h.state, h.created_at,
                                            h.completed_at, h.minutes_spent, h.billable_minutes, "", "", "")])
    for t in report.trouble:
        writer.writerow([_cell(v) for v in ("trouble", t.ticket_id, t.title, t.category, t.priority, "completed",
                                            t.created_at, t.resolved_at, t.minutes_spent, t.billable_minutes,
                                            t.resolution_minutes, str(t.sla_met).lower(),
                                            "" if t.provider_caused is None else str(t.provider_caused).lower())])
    writer.writerow([_cell(v) for v in ("total", "", report.month, "", "", "", "", "", report.hands_minutes,
                                        report.billable_minutes, "", report.trouble_sla_met, "")])
    if report.shipments is not None:
        s = report.shipments
        for name, count in (("inbound_received", s.inbound_received), ("inbound_unannounced", s.inbound_unannounced),
                            ("outbound_handed_over", s.outbound_handed_over)):
            writer.writerow(["shipments", "", name, "", "", "", "", "", "", "", "", "", str(count)])
    return out.getvalue()
