"""`colo notify …`: run the dispatcher as its own process (beside or instead of the app's), or
one pass of it — the outbox fanned out and the due webhook deliveries attempted."""

from __future__ import annotations

import argparse
from typing import Any


def _runtime() -> tuple[Any, Any]:
    from colo.cli import settings_or_exit
    from colo.secretstore import load_keys
    from notify.config import NotifyConfig
    from notify.runtime import NotifyRuntime

    settings = settings_or_exit()
    from colo.mail import Mailer

    return settings, NotifyRuntime(NotifyConfig.of(settings), master_key=load_keys(settings).master_key,
                                   mailer=Mailer.of(settings), facility=settings.facility_name)


def cmd_run(_args: argparse.Namespace) -> int:
    from colo.cli import run_on_database

    settings, runtime = _runtime()

    async def work() -> None:
        try:
            await runtime.run_forever()
        finally:
            await runtime.client.aclose()

    run_on_database(settings, work)
    return 0


def cmd_once(_args: argparse.Namespace) -> int:
    from colo.cli import run_on_database

    settings, runtime = _runtime()

    async def work() -> int:
        try:
            found: int = await runtime.dispatcher.run_once()
            return found
        finally:
            await runtime.client.aclose()

    print(f"{run_on_database(settings, work)} events or deliveries handled")
    return 0


def register(sub: Any, _netbox: Any) -> None:
    notify = sub.add_parser("notify", help="notifications: the outbox dispatcher").add_subparsers(
        dest="notify_action", required=True)
    notify.add_parser("run", help="run the dispatcher until interrupted").set_defaults(handler=cmd_run)
    notify.add_parser("once", help="one dispatcher pass").set_defaults(handler=cmd_once)
