"""`colo dock …`: the loading dock from a terminal, for dock staff and ops when the portal is
not at hand — what is expected or held, and receiving a delivery by tracking number.

Commands act as ops ("colo command line") on the configured database, and every step is written
to the access log like the API's (the same journal, opened for the command). Tables go to stdout,
progress to stderr.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import msgspec

from colo.identity import Principal, Role
from colo.logging import get_logger
from siteaccess.status import ShipmentDirection, ShipmentStatus

log = get_logger(__name__)
CLI_PRINCIPAL = Principal(key_id="cli", role=Role.OPS, name="colo command line")


def _run[T](work: Callable[[bytes, Any, timedelta], Awaitable[T]]) -> T:
    """Run work(master_key, journal, holding) on the configured database, with the access log open."""
    from audit.service import open_access_log
    from colo.cli import run_on_database, settings_or_exit
    from colo.logging import configure_logging
    from colo.secretstore import load_keys
    from siteaccess.runtime import access_log_journal

    settings = settings_or_exit()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    keys = load_keys(settings)

    async def main() -> T:
        access_log = await open_access_log(settings=settings, keys=keys)
        try:
            return await work(keys.master_key, access_log_journal(access_log),
                              timedelta(days=settings.shipment_holding_days))
        finally:
            await access_log.stop()

    return run_on_database(settings, main)


def cmd_dock_list(args: argparse.Namespace) -> int:
    from colo.paging import every_row
    from siteaccess.shipments import list_shipments

    direction = ShipmentDirection(args.direction) if args.direction else None
    status = ShipmentStatus(args.status)
    rows = _run(lambda key, _journal, holding: every_row(lambda page: list_shipments(
        principal=CLI_PRINCIPAL, master_key=key, page=page, direction=direction, status=status, holding=holding)))
    print(f"{'id':36}  {'direction':9}  {'status':17}  {'boxes':5}  {'held until':16}  tracking / what")
    for s in rows:
        held = f"{s.held_until:%Y-%m-%d %H:%M}" if s.held_until else "-"
        what = ", ".join(s.tracking_numbers) or s.description
        mark = "" if s.announced else " [unannounced]"
        print(f"{s.id!s:36}  {s.direction:9}  {s.status:17}  {s.boxes:<5}  {held:16}  {what}{mark}")
    return 0


def cmd_dock_receive(args: argparse.Namespace) -> int:
    from colo.cli import CommandError
    from siteaccess.dock import receive
    from siteaccess.shipment_schemas import Receipt

    tenant_id = None
    if args.tenant:
        try:
            tenant_id = UUID(args.tenant)
        except ValueError:
            raise CommandError(f"{args.tenant!r} is not a tenant id (a UUID)") from None
    try:
        receipt = msgspec.convert({"tracking_number": args.tracking_number, "tenant_id": tenant_id,
                                   "carrier": args.carrier, "boxes": args.boxes}, Receipt)
    except msgspec.ValidationError as exc:
        raise CommandError(str(exc)) from None
    shipment = _run(lambda key, journal, holding: receive(principal=CLI_PRINCIPAL, data=receipt, journal=journal,
                                                          master_key=key, holding=holding))
    kind = "matched to its announcement" if shipment.announced else "registered as unannounced"
    log.info(f"received {args.tracking_number}: {kind}, tenant {shipment.tenant_id}")
    print(shipment.id)
    return 0


def register(sub: Any, _netbox_sub: Any) -> None:
    dock = sub.add_parser("dock", help="the loading dock").add_subparsers(dest="dock_action", required=True)
    listing = dock.add_parser("list", help="shipments in one state (default: expected deliveries)")
    listing.add_argument("--status", choices=[s.value for s in ShipmentStatus], default=ShipmentStatus.EXPECTED.value)
    listing.add_argument("--direction", choices=[d.value for d in ShipmentDirection])
    listing.set_defaults(handler=cmd_dock_list)
    receive = dock.add_parser("receive", help="receive a delivery by tracking number; prints the shipment id")
    receive.add_argument("tracking_number")
    receive.add_argument("--tenant", help="the tenant of a delivery nobody announced (registers it as unannounced)")
    receive.add_argument("--carrier", default="")
    receive.add_argument("--boxes", type=int)
    receive.set_defaults(handler=cmd_dock_receive)
