"""dcim's commands: `colo demo seed`, `colo netbox sync`; orders add theirs through dcim.orders.cli.

Heavy imports happen inside the handlers, so `colo --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from typing import Any


def _settings_and_gateway() -> tuple[Any, Any]:
    from colo.cli import settings_or_exit
    from dcim.netbox import gateway_from_settings

    settings = settings_or_exit()
    return settings, gateway_from_settings(settings)


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from dcim.netbox.demo_plan import build_plant
    from dcim.netbox.seed import seed_demo

    _settings, gateway = _settings_and_gateway()
    plant = build_plant(site_name=args.site_name, site_slug=args.site_slug)
    from colo.logging import say

    report = asyncio.run(seed_demo(gateway, plant=plant, say=say))
    say(f"demo datacenter {plant.site_slug!r}: {report.total_created} objects created "
          f"in {report.seconds:.1f} s" + ("" if report.total_created else " (already complete)"))
    return 0


def cmd_netbox_sync(args: argparse.Namespace) -> int:
    from dcim.readmodel.cli_sync import run_sync

    settings, gateway = _settings_and_gateway()
    # NetBox delivers plant changes to this Colo: COLO_PUBLIC_URL, else where `colo serve` listens.
    webhook_url = "" if args.no_webhook else (args.webhook_url or settings.webhook_base_url)
    return run_sync(settings=settings, gateway=gateway, register_webhook_url=webhook_url,
                    quiet=args.quiet, webhook_name=args.webhook_name)


def netbox_tenancy() -> Any:
    """The NetBox tenant directory for `colo tenants adopt|link` (tenants/cli.py)."""
    from dcim.netbox.tenancy import NetBoxTenantDirectory

    _settings, gateway = _settings_and_gateway()
    return NetBoxTenantDirectory(gateway)


def register(sub: Any, netbox_sub: Any) -> None:
    if "tenants" in sub.choices:  # tenants' CLI registers first; it needs NetBox for adopt and link
        sub.choices["tenants"].set_defaults(netbox_tenancy=netbox_tenancy)
    demo = sub.add_parser("demo", help="the demo datacenter")
    demo_sub = demo.add_subparsers(dest="demo_action", required=True)
    seed = demo_sub.add_parser("seed", help="build the demo datacenter in NetBox (idempotent)")
    seed.add_argument("--site-name", default="Colo Regional DC 1")
    seed.add_argument("--site-slug", default="colo-dc1")
    seed.set_defaults(handler=cmd_demo_seed)

    sync = netbox_sub.add_parser("sync", help="full sync of NetBox into Colo's read model")
    sync.add_argument("--webhook-url", default="",
                      help="Colo base URL NetBox's webhook + event rule should call "
                      "(default: COLO_PUBLIC_URL, else http://COLO_HOST:COLO_PORT)")
    sync.add_argument("--webhook-name", default="colo-read-model",
                      help="name of the webhook and event rule in NetBox (one per Colo installation "
                      "sharing a NetBox)")
    sync.add_argument("--no-webhook", action="store_true",
                      help="only sync; leave NetBox's webhook and event rule alone")
    sync.add_argument("--quiet", action="store_true", help="no progress bar")
    sync.set_defaults(handler=cmd_netbox_sync)

    from dcim.demarc_cli import register as register_ports

    register_ports(sub)  # `colo ports provision-demarc`

    # Orders add `colo reconcile` and `colo loa verify` in dcim/orders/cli.py:register(sub).
    try:
        orders_cli = importlib.import_module("dcim.orders.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("dcim.orders", "dcim.orders.cli"):
            raise
        return
    orders_cli.register(sub)
