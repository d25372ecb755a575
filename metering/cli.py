"""`colo metering …`: one poll round of the known PDUs (what the app's poller does each interval),
the roll-ups of a past window recomputed, and a tenant's monthly power export — from a terminal.
Discovery from NetBox runs in the app (api/ assembles it; metering does not import dcim)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec


def _settings_and_config() -> tuple[Any, Any]:
    from colo.cli import settings_or_exit
    from metering.config import MeteringConfig

    settings = settings_or_exit()
    return settings, MeteringConfig.of(settings)


def cmd_poll(_args: argparse.Namespace) -> int:
    from colo.cli import run_on_database
    from colo.secretstore import load_keys
    from metering.runtime import MeteringRuntime, RoundReport

    settings, config = _settings_and_config()
    master_key = load_keys(settings).master_key  # unseals the PDUs' own communities

    async def work() -> RoundReport:
        runtime = MeteringRuntime(config, master_key=master_key)
        try:
            return await runtime.poll_once()
        finally:
            runtime.poller.close()

    report = run_on_database(settings, work)
    print(msgspec.json.encode(report).decode())
    return 0 if not report.failed else 1


def cmd_rollup(args: argparse.Namespace) -> int:
    from colo.cli import run_on_database
    from metering.rollup import roll_up

    settings, config = _settings_and_config()
    end = datetime.now(UTC)
    count = run_on_database(settings, lambda: roll_up(start=end - timedelta(hours=args.hours), end=end,
                                                      gap_seconds=config.gap_seconds))
    print(f"{count} roll-up rows recomputed")
    return 0


def cmd_bill(args: argparse.Namespace) -> int:
    from colo.cli import run_on_database
    from metering.billing import as_csv, monthly_bill

    settings, _ = _settings_and_config()
    bill = run_on_database(settings, lambda: monthly_bill(tenant_id=UUID(args.tenant), month=args.month))
    print(as_csv(bill) if args.format == "csv" else msgspec.json.encode(bill).decode(), end="")
    return 0


def register(sub: Any, _netbox_sub: Any) -> None:
    metering = sub.add_parser("metering", help="measured power: poll, roll up, bill").add_subparsers(
        dest="metering_action", required=True)
    metering.add_parser("poll", help="one poll round of the known PDUs; prints its figures").set_defaults(
        handler=cmd_poll)
    rollup = metering.add_parser("rollup", help="recompute the roll-ups of the last hours")
    rollup.add_argument("--hours", type=int, default=24)
    rollup.set_defaults(handler=cmd_rollup)
    bill = metering.add_parser("bill", help="a tenant's monthly power export (CSV or JSON) on stdout")
    bill.add_argument("tenant", help="the tenant's id")
    bill.add_argument("month", help="YYYY-MM")
    bill.add_argument("--format", choices=["csv", "json"], default="csv")
    bill.set_defaults(handler=cmd_bill)
