"""Development commands: `colo netbox up|down|status|reset` (a real local NetBox), `colo demo seed`
(the demo datacenter in it) and `colo demo screenshots` (the portal's pictures for the docs).
Registered by colo/cli.py like a domain's commands; production code
never imports this package.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from colo.logging import say


def cmd_netbox(args: argparse.Namespace) -> int:
    from colo.cli import CommandError
    from devtools.netbox import launcher

    try:
        if args.netbox_action == "status":
            return 0 if launcher.status() else 1  # its answer is the command's output: stdout
        actions: dict[str, Callable[[], object]] = {
            "up": lambda: launcher.up(port=args.port, say=say), "down": lambda: launcher.down(say=say),
            "reset": lambda: launcher.reset(say=say)}
        actions[args.netbox_action]()
    except launcher.LauncherError as exc:
        raise CommandError(str(exc)) from None
    return 0


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from colo.cli import settings_or_exit
    from dcim.netbox import gateway_from_settings
    from devtools.demo.plan import build_plant
    from devtools.demo.seed import seed_demo

    gateway = gateway_from_settings(settings_or_exit())
    plant = build_plant(site_name=args.site_name, site_slug=args.site_slug)
    report = asyncio.run(seed_demo(gateway, plant=plant, say=say))
    say(f"demo datacenter {plant.site_slug!r}: {report.total_created} objects created "
        f"in {report.seconds:.1f} s" + ("" if report.total_created else " (already complete)"))
    return 0


def cmd_demo_snmp(args: argparse.Namespace) -> int:
    from colo.cli import settings_or_exit
    from dcim.netbox import gateway_from_settings
    from devtools.demo.meters import seed_meters, start_agents, stop_agents
    from devtools.demo.plan import build_plant

    if args.stop:
        say("demo SNMP agents stopped" if stop_agents() else "no demo SNMP agents were running")
        return 0
    plant = build_plant(site_name=args.site_name, site_slug=args.site_slug)
    changed = asyncio.run(seed_meters(gateway_from_settings(settings_or_exit()), plant))
    agent = start_agents(plant)
    say(f"demo PDUs answer SNMP on {len(agent.addresses)} loopback addresses, port {agent.port} "
        f"({changed} PDUs given their address in NetBox); `colo demo snmp --stop` stops them")
    return 0


def cmd_demo_screenshots(args: argparse.Namespace) -> int:
    from pathlib import Path

    from colo.cli import CommandError
    from devtools.screenshots import ScreenshotError, take

    try:
        taken = take(url=args.url, out=Path(args.out))
    except ScreenshotError as exc:
        raise CommandError(str(exc)) from None
    say(f"{len(taken)} screenshots in {args.out}")
    return 0


def register(sub: Any, netbox_sub: Any) -> None:
    up = netbox_sub.add_parser("up", help="install, configure, migrate and serve a local NetBox")
    up.add_argument("--port", type=int, default=None)
    up.set_defaults(handler=cmd_netbox)
    for name, text in (("down", "stop the local NetBox"), ("status", "is the local NetBox answering?"),
                       ("reset", "restore NetBox's clean migrated state (admin and token kept)")):
        netbox_sub.add_parser(name, help=text).set_defaults(handler=cmd_netbox)

    demo = sub.add_parser("demo", help="the demo datacenter")
    demo_sub = demo.add_subparsers(dest="demo_action", required=True)
    seed = demo_sub.add_parser("seed", help="build the demo datacenter in NetBox (idempotent)")
    seed.add_argument("--site-name", default="Colo Regional DC 1")
    seed.add_argument("--site-slug", default="colo-dc1")
    seed.set_defaults(handler=cmd_demo_seed)
    snmp = demo_sub.add_parser("snmp", help="the demo PDUs' SNMP agents (snmpsim on loopback), left running")
    snmp.add_argument("--site-name", default="Colo Regional DC 1")
    snmp.add_argument("--site-slug", default="colo-dc1")
    snmp.add_argument("--stop", action="store_true", help="stop the agents started earlier")
    snmp.set_defaults(handler=cmd_demo_snmp)
    shots = demo_sub.add_parser("screenshots", help="photograph the portal's main pages from a running Colo")
    shots.add_argument("--url", default="http://127.0.0.1:8000")
    shots.add_argument("--out", default="docs/screenshots")
    shots.set_defaults(handler=cmd_demo_screenshots)
