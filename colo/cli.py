"""The `colo` command. Core commands live here; each domain adds its own through `register()`."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from collections.abc import Awaitable, Callable, Sequence

from colo.logging import configure_logging, say
from colo.settings import Settings, SettingsError, load_settings

# The command line is a composition root: each of these adds its commands through register().
# They are named here, not imported, because colo (the core) may not import the packages above it.
DOMAIN_CLIS = ("tenants.cli", "accounts.cli", "audit.cli", "dcim.cli", "siteaccess.cli", "servicedesk.cli",
               "metering.cli", "notify.cli")
# Development commands (the NetBox launcher, the demo plant) exist in a checkout, not in the
# production image, which does not ship `devtools/`: there `colo` simply has no such commands.
DEV_CLI = "devtools.cli"
Handler = Callable[[argparse.Namespace], int]


class CommandError(RuntimeError):
    """A command failed in a way the user can fix; printed as one line, exit status 2."""


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise CommandError(f"configuration error: {exc}") from None


def run_on_database[T](settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run a command's `work` with every table bound to the configured database. A refusal by the
    domain, or a database that was never migrated, becomes one line the user can act on."""
    from colo.db import bound_engine
    from colo.errors import ColoError

    async def main() -> T:
        async with bound_engine(settings.database_url):
            return await work()

    try:
        return asyncio.run(main())
    except ColoError as exc:
        raise CommandError(exc.detail) from None
    except Exception as exc:
        if "does not exist" in str(exc) or "no such table" in str(exc):  # PostgreSQL, SQLite
            raise CommandError("the database is not migrated: run `colo db migrate` first") from None
        raise


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = settings_or_exit()
    app = create_app(settings)
    # log_config=None: uvicorn's lines go through the handler configure_logging installed.
    uvicorn.run(app, host=args.host or settings.host, port=args.port or settings.port, log_config=None,
                log_level=settings.log_level.lower(), access_log=False, proxy_headers=False)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from api.worker import run_worker

    settings = settings_or_exit()
    run_worker(settings, host=args.host, port=args.port)
    return 0


def cmd_db_migrate(_args: argparse.Namespace) -> int:
    from colo.migrate import migrate_sync

    settings = settings_or_exit()
    applied = migrate_sync(settings)
    say(f"migrations applied for: {', '.join(applied)}" if applied else "database is up to date")
    return 0


def cmd_config_table(_args: argparse.Namespace) -> int:
    from colo.settings import configuration_table

    print(configuration_table())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="colo", description="Colo: colocation and tenant management.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="run the background work without the API (beside COLO_RUN_WORKERS=false "
                            "replicas); serves /healthz, /readyz and /metrics")
    worker.add_argument("--host", default="127.0.0.1", help="address of the probe and metrics listener")
    worker.add_argument("--port", type=int, default=8001, help="port of the probe and metrics listener")
    worker.set_defaults(handler=cmd_worker)

    db = sub.add_parser("db", help="database commands").add_subparsers(dest="db_action", required=True)
    db.add_parser("migrate", help="apply pending migrations (idempotent)").set_defaults(handler=cmd_db_migrate)

    netbox = sub.add_parser("netbox", help="the NetBox Colo talks to")
    netbox_sub = netbox.add_subparsers(dest="netbox_action", required=True)

    config = sub.add_parser("config", help="configuration").add_subparsers(dest="config_action", required=True)
    config.add_parser("table", help="print every setting as a Markdown table").set_defaults(handler=cmd_config_table)

    for module_name in DOMAIN_CLIS:
        importlib.import_module(module_name).register(sub, netbox_sub)
    try:
        dev = importlib.import_module(DEV_CLI)
    except ModuleNotFoundError as exc:
        if exc.name != DEV_CLI.partition(".")[0]:
            raise  # devtools is there but something it needs is not: say so
    else:
        dev.register(sub, netbox_sub)
    return parser


def _configure_logging() -> None:
    """Progress lines of every command in the configured log format; a bad setting is reported
    by the command itself (one line), so here it only leaves the defaults."""
    try:
        settings = load_settings()
    except SettingsError:
        configure_logging()
        return
    configure_logging(log_format=settings.log_format, level=settings.log_level)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("PICCOLO_CONF", "colo.piccolo_conf")
    args = build_parser().parse_args(argv)
    _configure_logging()
    try:
        return int(args.handler(args) or 0)
    except CommandError as exc:
        print(f"colo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
