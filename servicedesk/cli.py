"""`colo servicedesk …`: ops work the service desk from the command line — list the queue (SLA
time left, breached first), show a ticket with its history, accept, start, complete, note, log
time, and print a tenant's monthly report (JSON or CSV).

Like the other domain CLIs it works on the configured database directly, as the local operator
("cli" in the ticket's history); every step that changes a ticket, done or refused, is also an
access-log entry (actor `cli:colo-servicedesk`), as the API's steps are. The report here carries no
shipments figures: those are site access's, which this domain does not import; the API's report
(GET /v1/service-desk/reports/…) has them.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from colo.identity import Principal, Role

CLI_PRINCIPAL = Principal(key_id="cli", role=Role.OPS, name="colo command line")


def _run[T](work: Callable[[Any], Awaitable[T]], *, logged: tuple[str, UUID] | None = None) -> T:
    """work(config) against the configured database. A step that changes a ticket (`logged`: its
    action and ticket) lands in the access log like the API's — allowed, or refused with why."""
    from colo.cli import run_on_database, settings_or_exit
    from servicedesk.config import ServiceDeskConfig

    settings = settings_or_exit()
    config = ServiceDeskConfig.of(settings)
    if logged is None:
        return run_on_database(settings, lambda: work(config))

    async def run() -> T:
        from colo.errors import ColoError

        try:
            result = await work(config)
        except ColoError as exc:
            await _log(settings, action=logged[0], ticket_id=logged[1], outcome="refused", detail=exc.detail)
            raise
        await _log(settings, action=logged[0], ticket_id=logged[1], outcome="allowed",
                   tenant_id=getattr(result, "tenant_id", None))
        return result

    return run_on_database(settings, run)


async def _log(settings: Any, *, action: str, ticket_id: UUID, outcome: str, detail: str | None = None,
               tenant_id: UUID | None = None) -> None:
    """One access-log entry for a command-line step (a command is an assembly point, like the app:
    it may wire the access log in)."""
    from audit.encoding import EntryDraft
    from audit.service import open_access_log
    from colo.secretstore import load_keys

    access_log = await open_access_log(settings=settings, keys=load_keys(settings))
    try:
        await access_log.record_durably(EntryDraft(
            kind="api", action=f"cli:servicedesk {action}", outcome=outcome, actor_key_id="cli:colo-servicedesk",
            role=CLI_PRINCIPAL.role.value, tenant_id=str(tenant_id) if tenant_id else None,
            objects={"ticket_id": str(ticket_id)}, detail=detail))
    finally:
        await access_log.stop()


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (a UUID)") from None


def _left(seconds: int) -> str:
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def cmd_list(args: argparse.Namespace) -> int:
    from colo.paging import every_row
    from servicedesk.service import list_tickets
    from servicedesk.status import OPEN_STATES, TicketKind, TicketState

    async def work(_config: Any) -> list[Any]:
        return await every_row(lambda page: list_tickets(
            principal=CLI_PRINCIPAL, page=page, state=TicketState(args.state) if args.state else None,
            kind=TicketKind(args.kind) if args.kind else None, tenant_id=args.tenant))

    tickets = _run(work)
    if not args.state:
        tickets = [t for t in tickets if t.state in OPEN_STATES]
    # the queue: running clocks by time left (breached first), then paused and stopped ones
    tickets.sort(key=lambda t: (t.sla.stopped_at is not None, t.sla.paused, t.sla.seconds_left))
    for t in tickets[:args.limit]:
        clock = "met" if t.sla.met else "missed" if t.sla.met is False else "paused" if t.sla.paused else _left(
            t.sla.seconds_left)
        print(f"{t.id}  {t.kind.value:<7} {t.state.value:<16} {clock:>9}  {t.tenant_id}  {t.title}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from colo.paging import every_row
    from servicedesk.service import get_ticket, list_events

    async def work(_config: Any) -> tuple[Any, list[Any]]:
        ticket = await get_ticket(principal=CLI_PRINCIPAL, ticket_id=args.ticket)
        events = await every_row(lambda page: list_events(principal=CLI_PRINCIPAL, ticket_id=args.ticket, page=page))
        return ticket, events

    ticket, events = _run(work)
    print(f"{ticket.title}  [{ticket.kind.value}, {ticket.state.value}]  tenant {ticket.tenant_id}")
    print(f"  what: {ticket.scope}")
    print(f"  SLA due {ticket.sla.due_at:%Y-%m-%d %H:%M} UTC, left {_left(ticket.sla.seconds_left)}"
          + (" (paused)" if ticket.sla.paused else "") + (f", met: {ticket.sla.met}" if ticket.sla.met is not None
                                                          else ""))
    print(f"  time: {ticket.minutes_spent} min, billable {ticket.billable_minutes} min; "
          f"attachments: {len(ticket.attachments)}; may: {', '.join(ticket.allowed_actions) or '-'}")
    for e in events:
        change = f"{e.from_state}→{e.to_state}" if e.to_state else ""
        extra = f" {e.minutes} min" if e.minutes else f" sha256 {e.sha256}" if e.sha256 else ""
        print(f"  {e.at:%Y-%m-%d %H:%M}  {e.kind.value:<10} {change} {e.text}{extra}  ({e.actor})")
    return 0


def _act(action_name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from servicedesk.lifecycle import Action
        from servicedesk.schemas import Completion
        from servicedesk.work import act

        completion = None
        if action_name == "complete":
            caused = {"yes": True, "no": False, None: None}[args.provider_caused]
            completion = Completion(resolution=args.resolution, provider_caused=caused)

        async def work(config: Any) -> Any:
            return await act(principal=CLI_PRINCIPAL, ticket_id=args.ticket, action=Action(action_name),
                             config=config, completion=completion)

        ticket = _run(work, logged=(action_name, args.ticket))
        print(f"{ticket.id} is {ticket.state.value}")
        return 0

    return handler


def cmd_note(args: argparse.Namespace) -> int:
    from servicedesk.work import add_note

    _run(lambda _config: add_note(principal=CLI_PRINCIPAL, ticket_id=args.ticket, text=args.text),
         logged=("note", args.ticket))
    print("noted")
    return 0


def cmd_time(args: argparse.Namespace) -> int:
    from servicedesk.work import log_time

    ticket = _run(lambda _config: log_time(principal=CLI_PRINCIPAL, ticket_id=args.ticket, minutes=args.minutes,
                                           note=args.note), logged=("time", args.ticket))
    print(f"{ticket.minutes_spent} min on the ticket, {ticket.billable_minutes} billable")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import msgspec

    from servicedesk.report import as_csv, monthly_report

    report = _run(lambda _config: monthly_report(tenant_id=args.tenant, month=args.month))
    print(as_csv(report) if args.csv else msgspec.json.format(msgspec.json.encode(report)).decode(), end="\n")
    return 0


def register(sub: Any, _netbox_sub: Any) -> None:
    desk = sub.add_parser("servicedesk", help="smart hands and trouble tickets (staff)")
    actions = desk.add_subparsers(dest="servicedesk_action", required=True)
    listing = actions.add_parser("list", help="the queue: open tickets, least SLA time left first")
    listing.add_argument("--state", choices=["submitted", "accepted", "in_progress", "action_required",
                                             "customer_updated", "completed", "cancelled"])
    listing.add_argument("--kind", choices=["hands", "trouble"])
    listing.add_argument("--tenant", type=_uuid)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=cmd_list)
    show = actions.add_parser("show", help="one ticket with its history")
    show.add_argument("ticket", type=_uuid)
    show.set_defaults(handler=cmd_show)
    for name in ("accept", "start"):
        step = actions.add_parser(name, help=f"{name} a ticket")
        step.add_argument("ticket", type=_uuid)
        step.set_defaults(handler=_act(name))
    complete = actions.add_parser("complete", help="complete a ticket (trouble: say --provider-caused)")
    complete.add_argument("ticket", type=_uuid)
    complete.add_argument("--resolution", default="")
    complete.add_argument("--provider-caused", choices=["yes", "no"])
    complete.set_defaults(handler=_act("complete"))
    note = actions.add_parser("note", help="add a work note")
    note.add_argument("ticket", type=_uuid)
    note.add_argument("text")
    note.set_defaults(handler=cmd_note)
    time = actions.add_parser("time", help="log minutes worked (billed in 30-minute steps)")
    time.add_argument("ticket", type=_uuid)
    time.add_argument("minutes", type=int)
    time.add_argument("--note", default="")
    time.set_defaults(handler=cmd_time)
    report = actions.add_parser("report", help="a tenant's monthly report (without shipments; the API has them)")
    report.add_argument("tenant", type=_uuid)
    report.add_argument("month", help="YYYY-MM")
    report.add_argument("--csv", action="store_true")
    report.set_defaults(handler=cmd_report)


