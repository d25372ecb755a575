"""`colo audit …`: verify the log offline, witness its checkpoints, print keys, prune."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from audit.note import NoteError, VerifierKey, parse_checkpoint

EXIT_ALARM = 3


def _settings() -> Any:
    """Settings, with logs sent to stderr: stdout carries data (notes, keys, reports)."""
    from colo.cli import settings_or_exit
    from colo.logging import configure_logging

    settings = settings_or_exit()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    return settings


def _keys(args: argparse.Namespace, settings: Any) -> list[VerifierKey]:
    """Verifier keys given on the command line, else the public halves of the configured keys."""
    from colo.cli import CommandError

    if args.vkey:
        try:
            return [VerifierKey.parse(v) for v in args.vkey]
        except NoteError as exc:
            raise CommandError(f"--vkey: {exc}") from None
    from audit.keys import verifier_keys
    from colo.secretstore import load_keys

    return [key for _, key in verifier_keys(load_keys(settings), settings.audit_origin)]


def _checkpoint_notes(paths: list[Path]) -> list[tuple[int, bytes, str]]:
    notes = []
    for path in paths:
        text = path.read_text()
        checkpoint, _ = parse_checkpoint(text)
        notes.append((checkpoint.size, checkpoint.root, text))
    return sorted(notes)


async def _verify(args: argparse.Namespace) -> int:
    from audit.store import open_store
    from audit.trust import TrustedState
    from audit.verify import export_source, verify, verify_database

    settings = _settings()
    keys = _keys(args, settings)
    trusted = TrustedState.load(Path(args.state), keys) if args.state else None
    if args.export:
        report = await verify(source=export_source(Path(args.export)),
                              notes=_checkpoint_notes([Path(p) for p in args.checkpoint or []]),
                              keys=keys, origin=settings.audit_origin, trusted=trusted)
    else:
        store = await open_store(args.database_url or settings.database_url)
        try:
            report = await verify_database(store=store, keys=keys, origin=settings.audit_origin,
                                           trusted=trusted, check_columns=not args.skip_column_check)
        finally:
            await store.close()
    print(report.summary())
    return 0 if report.ok else 1


async def _witness(args: argparse.Namespace) -> int:
    from audit.store import open_store
    from audit.trust import TrustedState
    from audit.witness import witness_once

    settings = _settings()
    keys = _keys(args, settings)
    state = TrustedState.load(Path(args.state), keys)
    store = await open_store(args.database_url or settings.database_url)
    try:
        while True:
            report = await witness_once(store=store, state=state, keys=keys, origin=settings.audit_origin)
            print(report.message, file=sys.stderr if report.alarm else sys.stdout, flush=True)
            if report.alarm:
                return EXIT_ALARM
            if not args.every:
                return 0
            await asyncio.sleep(args.every)
    finally:
        await store.close()


async def _checkpoint(args: argparse.Namespace) -> int:
    from audit.store import open_store

    settings = _settings()
    store = await open_store(args.database_url or settings.database_url)
    try:
        latest = await store.latest_checkpoint()
    finally:
        await store.close()
    if latest is None:
        print("no checkpoint published yet", file=sys.stderr)
        return 1
    print(latest.note, end="")
    return 0


def _keys_command(args: argparse.Namespace) -> int:
    for key in _keys(args, _settings()):
        print(key.vkey)
    return 0


async def _prune(args: argparse.Namespace) -> int:
    from audit.retention import prune
    from audit.store import open_store

    settings = _settings()
    store = await open_store(args.database_url or settings.database_url)
    try:
        removed = await prune(store=store, retention_days=settings.audit_retention_days, dry_run=args.dry_run)
    finally:
        await store.close()
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {removed} entries older than {settings.audit_retention_days} days "
          "(their leaf hashes stay, so the tree still verifies)")
    return 0


def register(sub: Any, _netbox_sub: Any) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident access log")
    commands = audit.add_subparsers(dest="audit_action", required=True)

    def common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--database-url", help="default: COLO_DATABASE_URL")
        parser.add_argument("--vkey", action="append",
                            help="trusted verifier key (repeatable); default: the configured keys")
        return parser

    verify = common(commands.add_parser(
        "verify", help="recompute the tree, check every checkpoint, name the first bad index"))
    verify.add_argument("--export", help="verify a JSONL export instead of the database")
    verify.add_argument("--checkpoint", action="append",
                        help="signed checkpoint file(s) to check an export against")
    verify.add_argument("--state", help="directory holding the checkpoint this verifier trusts")
    verify.add_argument("--skip-column-check", action="store_true",
                        help="do not compare search columns with the entry bytes (faster; tree still checked)")
    verify.set_defaults(handler=lambda a: asyncio.run(_verify(a)))

    witness = common(commands.add_parser(
        "witness", help="record checkpoints outside the database; exit 3 on a fork or rollback"))
    witness.add_argument("--state", required=True, help="directory the database admin cannot write")
    witness.add_argument("--every", type=float, default=0, help="repeat every N seconds")
    witness.set_defaults(handler=lambda a: asyncio.run(_witness(a)))

    common(commands.add_parser("checkpoint", help="print the latest signed checkpoint")).set_defaults(
        handler=lambda a: asyncio.run(_checkpoint(a)))
    common(commands.add_parser("keys", help="print the verifier keys (vkey form)")).set_defaults(
        handler=_keys_command)
    prune = common(commands.add_parser("prune", help="delete entries older than the retention period"))
    prune.add_argument("--dry-run", action="store_true")
    prune.set_defaults(handler=lambda a: asyncio.run(_prune(a)))
