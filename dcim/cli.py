"""dcim's commands: `colo netbox sync`; orders add theirs through dcim.orders.cli.

Heavy imports happen inside the handlers, so `colo --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the annotations only: the handlers import lazily
    from colo.settings import Settings
    from dcim.netbox import NetBoxGateway
    from dcim.netbox.tenancy import NetBoxTenantDirectory


def _settings_and_gateway() -> tuple[Settings, NetBoxGateway]:
    from colo.cli import settings_or_exit
    from dcim.netbox import gateway_from_settings

    settings = settings_or_exit()
    return settings, gateway_from_settings(settings)


def cmd_netbox_sync(args: argparse.Namespace) -> int:
    from dcim.readmodel.cli_sync import run_sync

    settings, gateway = _settings_and_gateway()
    # NetBox delivers plant changes to this Colo: COLO_PUBLIC_URL, else where `colo serve` listens.
    webhook_url = "" if args.no_webhook else (args.webhook_url or settings.webhook_base_url)
    return run_sync(settings=settings, gateway=gateway, register_webhook_url=webhook_url,
                    quiet=args.quiet, webhook_name=args.webhook_name)


def netbox_tenancy() -> NetBoxTenantDirectory:
    """The NetBox tenant directory for `colo tenants adopt|link` (tenants/cli.py)."""
    from dcim.netbox.tenancy import NetBoxTenantDirectory

    _settings, gateway = _settings_and_gateway()
    return NetBoxTenantDirectory(gateway)


def register(sub: Any, netbox_sub: Any) -> None:
    if "tenants" in sub.choices:  # tenants' CLI registers first; it needs NetBox for adopt and link
        sub.choices["tenants"].set_defaults(netbox_tenancy=netbox_tenancy)
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
