"""`colo ports provision-demarc`: ops provision a tenant's demarcation panel from the shell —
the same service as `POST /v1/demarcation-panels` (idempotent by the panel's name).

Heavy imports happen inside the handler, so `colo --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dcim.demarc import DemarcRead


async def _provision(settings: Any, gateway: Any, data: Any) -> DemarcRead:
    from colo.db import bound_engine
    from dcim.demarc import provision_demarc

    async with bound_engine(settings.database_url):
        return await provision_demarc(gateway=gateway, data=data)


def cmd_provision_demarc(args: argparse.Namespace) -> int:
    import msgspec

    from colo.cli import CommandError, settings_or_exit
    from colo.errors import ColoError
    from dcim.demarc import DemarcCreate
    from dcim.netbox import gateway_from_settings

    settings = settings_or_exit()
    try:
        data = msgspec.convert({"tenant_id": args.tenant, "rack_id": args.rack, "name": args.name,
                                "ports": args.ports, "media": args.media, "position": args.position}, DemarcCreate)
    except msgspec.ValidationError as exc:
        raise CommandError(str(exc)) from None
    try:
        panel = asyncio.run(_provision(settings, gateway_from_settings(settings), data))
    except ColoError as exc:
        field = exc.extra.get("field")
        raise CommandError(f"{'--' + str(field).replace('_id', '').replace('_', '-') + ': ' if field else ''}"
                           f"{exc.detail}") from None
    print(json.dumps(msgspec.to_builtins(panel), indent=2))
    return 0


def register(sub: Any) -> None:
    ports = sub.add_parser("ports", help="cross-connect ports")
    ports_sub = ports.add_subparsers(dest="ports_action", required=True)
    demarc = ports_sub.add_parser("provision-demarc",
                                  help="create a tenant's demarcation panel with N ports in a rack (idempotent by "
                                  "--name); prints the panel and its front port ids as JSON")
    demarc.add_argument("--tenant", required=True, type=uuid.UUID, help="the Colo tenant id")
    demarc.add_argument("--rack", required=True, type=int, help="NetBox id of the meet-me-room or cage rack")
    demarc.add_argument("--name", required=True, help="the panel's NetBox name (also the idempotency key)")
    demarc.add_argument("--ports", type=int, default=12, help="front ports (each on its own rear port)")
    demarc.add_argument("--media", choices=["smf", "mmf", "copper"], default="smf")
    demarc.add_argument("--position", type=int, default=None, help="unit (default: the highest free unit)")
    demarc.set_defaults(handler=cmd_provision_demarc)
