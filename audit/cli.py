"""`colo audit …`: verify the log offline, witness its checkpoints, print keys, prune.

Verifiers check with keys they are given (--vkey, --keys FILE, --api URL) or that this process
is configured with; they never create one. Exit status: 0 verified, 1 a check failed, 2 a usage
or configuration error, 3 the witness's alarm, 4 no trusted key at hand (the key needed is
named; nothing was checked).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit import cli_archive, cli_witness
from audit.note import NoteError, VerifierKey, parse_checkpoint

if TYPE_CHECKING:  # imported for the annotations only: the commands import lazily, so `colo --help` stays fast
    from audit.trust import TrustedState
    from colo.settings import Settings

EXIT_ALARM = 3
KEY_SOURCES = ("--keys FILE (the output of `colo audit keys`, or GET /v1/access-log/keys saved to a file), "
               "--vkey VKEY, or --api URL with COLO_API_KEY set to a security officer's or auditor's API key")


def _settings() -> Settings:
    """Settings, with logs sent to stderr: stdout carries data (notes, keys, reports)."""
    from colo.cli import settings_or_exit
    from colo.logging import configure_logging

    settings = settings_or_exit()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    return settings


@dataclass(frozen=True, slots=True)
class Trust:
    """The verifier keys a command checks with, the log they name, and where they came from."""

    keys: list[VerifierKey]
    origin: str | None  # None: the log the keys are named after
    source: str

    def describe(self) -> str:
        return f"{', '.join(f'{k.name}+{k.key_hash.hex()}' for k in self.keys)} (from {self.source})"


def _trust(args: argparse.Namespace, settings: Settings) -> Trust:
    """Keys given (--vkey, --keys FILE, --api URL), else the ones this process is configured with;
    no keys at all when there are none. Never generates a key (see colo/verifying.py)."""
    from audit.keys import configured_verifier_keys, parse_published_keys
    from colo.cli import CommandError
    from colo.verifying import fetch_published

    keys: list[VerifierKey] = []
    sources: list[str] = []
    try:
        if args.vkey:
            keys += [VerifierKey.parse(v) for v in args.vkey]
            sources.append("--vkey")
    except NoteError as exc:
        raise CommandError(f"--vkey: {exc}") from None
    for path in args.keys or []:
        try:
            keys += parse_published_keys(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, NoteError) as exc:
            raise CommandError(f"--keys {path}: {exc}") from None
        sources.append(path)
    if args.api:
        published = fetch_published(args.api, "/v1/access-log/keys", token=os.environ.get("COLO_API_KEY"))
        try:
            keys += parse_published_keys(published)
        except NoteError as exc:
            raise CommandError(f"--api {args.api}: {exc}") from None
        sources.append(f"{args.api.rstrip('/')}/v1/access-log/keys")
    if sources:
        return Trust(keys, None, ", ".join(sources))
    return Trust(configured_verifier_keys(settings), settings.audit_origin, "this installation's configured keys")


def _key_needed(notes: list[str]) -> int:
    """Say which key the checkpoints need, and that nothing was checked."""
    from colo.verifying import EXIT_KEY_NEEDED

    needed: dict[str, None] = {}
    for note in notes:
        try:
            needed.update((f"{name}+{key_hash.hex()}", None) for name, key_hash, _ in parse_checkpoint(note)[1])
        except NoteError:
            continue
    which = f"key {' or '.join(needed)}" if needed else "the facility's key"
    print(f"KEY NEEDED: the checkpoints are signed by {which}, and no trusted key is at hand, so nothing "
          f"was checked. Give the facility's verifier keys: {KEY_SOURCES}.")
    return EXIT_KEY_NEEDED


def _checkpoint_notes(paths: list[Path]) -> list[tuple[int, bytes, str]]:
    from colo.cli import CommandError

    notes = []
    for path in paths:
        text = path.read_text()
        try:
            checkpoint, _ = parse_checkpoint(text)
        except NoteError as exc:
            raise CommandError(f"--checkpoint {path}: {exc}") from None
        notes.append((checkpoint.size, checkpoint.root, text))
    return sorted(notes)


def _state(directory: str, trust: Trust) -> TrustedState:
    """The verifier's trusted state; its checkpoint must still verify under the keys given."""
    from audit.trust import TrustedState
    from colo.cli import CommandError

    try:
        return TrustedState.load(Path(directory), trust.keys)
    except (OSError, ValueError) as exc:  # NoteError is a ValueError
        raise CommandError(f"--state {directory}: {exc} (keys: {trust.describe()})") from None


def _database_url(args: argparse.Namespace, settings: Settings) -> str:
    """The database to read; a verifier never creates one where none is."""
    from colo.cli import CommandError
    from colo.db import sqlite_path

    url: str = args.database_url or settings.database_url
    if url.startswith("sqlite:") and not sqlite_path(url).is_file():
        raise CommandError(f"no database at {sqlite_path(url)} (give --database-url, or --export FILE)")
    return url


async def _verify(args: argparse.Namespace) -> int:
    from audit.export import ExportFormatError, read_header, verify_export
    from audit.store import open_store
    from audit.verify import VerifyReport, export_source, verify, verify_database
    from audit.witnessing import check_witnessed
    from colo.cli import CommandError
    from colo.verifying import EXIT_INVALID, EXIT_VALID

    settings = _settings()
    trust = _trust(args, settings)
    witnesses, required = cli_witness.witness_keys(args), cli_witness.required(args)
    report: VerifyReport
    if args.archive:
        if not trust.keys:
            return _key_needed([])
        report = await cli_archive.verify_archive(Path(args.archive), trust=trust.keys, origin=trust.origin,
                                                  witnesses=witnesses, required=required)
    elif args.export:
        if required:
            raise CommandError("--witness: an export is checked against its own checkpoint; verify the "
                               "database or the archive for witness cosignatures")
        path = Path(args.export)
        try:
            header = read_header(path)
        except (OSError, ExportFormatError) as exc:
            raise CommandError(f"--export: {exc}") from None
        if header is not None:
            if args.checkpoint:
                raise CommandError("--checkpoint: this export carries its own signed checkpoint")
            if not trust.keys:
                return _key_needed([header.checkpoint])
            trusted = _state(args.state, trust) if args.state else None
            report = verify_export(path, keys=trust.keys, origin=trust.origin, trusted=trusted)
        else:
            notes = _checkpoint_notes([Path(p) for p in args.checkpoint or []])
            if not notes:
                raise CommandError("--export: a file of bare entries verifies only against the signed checkpoints "
                                   "given with --checkpoint (GET /v1/access-log/export carries its own)")
            if not trust.keys:
                return _key_needed([note for _, _, note in notes])
            trusted = _state(args.state, trust) if args.state else None
            report = await verify(source=export_source(path), notes=notes, keys=trust.keys, origin=trust.origin,
                                  trusted=trusted)
    else:
        store = await open_store(_database_url(args, settings))
        try:
            if not trust.keys:
                latest = await store.latest_checkpoint()
                return _key_needed([latest.note] if latest else [])
            trusted = _state(args.state, trust) if args.state else None
            report = await verify_database(store=store, keys=trust.keys, origin=trust.origin,
                                           trusted=trusted, check_columns=not args.skip_column_check)
            if required and report.ok:
                await check_witnessed(store=store, report=report, witnesses=witnesses, required=required)
        finally:
            await store.close()
    print(report.summary())
    for note in report.notes:
        print(f"  note: {note}")
    print(f"  trusted keys: {trust.describe()}")
    return EXIT_VALID if report.ok else EXIT_INVALID


async def _witness(args: argparse.Namespace) -> int:
    from audit.store import open_store
    from audit.witness import witness_once
    from colo.cli import CommandError

    if not args.state:
        raise CommandError("--state DIR is required (or `colo audit witness serve` for a cosigning witness)")
    settings = _settings()
    trust = _trust(args, settings)
    store = await open_store(_database_url(args, settings))
    try:
        if not trust.keys:
            latest = await store.latest_checkpoint()
            return _key_needed([latest.note] if latest else [])
        state = _state(args.state, trust)
        origin = trust.origin or trust.keys[0].name
        while True:
            report = await witness_once(store=store, state=state, keys=trust.keys, origin=origin)
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
    store = await open_store(_database_url(args, settings))
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
    from colo.verifying import EXIT_KEY_NEEDED

    trust = _trust(args, _settings())
    if not trust.keys:
        print("colo: no signing key is configured here (COLO_AUDIT_SIGNING_KEY, or a key file in "
              "COLO_SECRETS_DIR) and none was given; fetch the facility's with --api URL", file=sys.stderr)
        return EXIT_KEY_NEEDED
    for key in trust.keys:
        print(key.vkey)
    return 0


async def _prune(args: argparse.Namespace) -> int:
    from audit.archive import sealed_below
    from audit.retention import prune
    from audit.store import open_store

    settings = _settings()
    store = await open_store(args.database_url or settings.database_url)
    try:
        archived = sealed_below(Path(settings.audit_archive_dir)) if settings.audit_archive_dir else None
        removed = await prune(store=store, retention_days=settings.audit_retention_days, dry_run=args.dry_run,
                              sealed_below=archived)
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
        return parser

    def keyed(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        common(parser)
        parser.add_argument("--keys", "--key", action="append", metavar="FILE",
                            help="the facility's verifier keys: `colo audit keys` output or the answer of "
                                 "GET /v1/access-log/keys (repeatable)")
        parser.add_argument("--api", metavar="URL", help="fetch the verifier keys from the facility's API "
                            "(GET /v1/access-log/keys, with COLO_API_KEY of a security officer or auditor)")
        parser.add_argument("--vkey", action="append", help="one trusted verifier key (repeatable)")
        parser.epilog = ("Without --keys/--api/--vkey: the keys this installation is configured with "
                         "(COLO_AUDIT_SIGNING_KEY or an existing key file in COLO_SECRETS_DIR); none is ever "
                         "generated. Exit status: 0 verified, 1 a check failed, 2 usage or configuration "
                         "error, 3 witness alarm, 4 no trusted key at hand (the key needed is named).")
        return parser

    verify = keyed(commands.add_parser(
        "verify", help="recompute the tree, check every checkpoint, name the first bad index"))
    verify.add_argument("--export", metavar="FILE",
                        help="verify an export (GET /v1/access-log/export: each entry proven on its own, "
                             "filtered or not) instead of the database")
    verify.add_argument("--checkpoint", action="append",
                        help="signed checkpoint file(s) to check a file of bare entries against")
    verify.add_argument("--state", help="directory holding the checkpoint this verifier trusts")
    verify.add_argument("--skip-column-check", action="store_true",
                        help="do not compare search columns with the entry bytes (faster; tree still checked)")
    verify.set_defaults(handler=lambda a: asyncio.run(_verify(a)))

    witness = keyed(commands.add_parser(
        "witness", help="record checkpoints outside the database; exit 3 on a fork or rollback"))
    witness.add_argument("--state", help="directory the database admin cannot write (required)")
    witness.add_argument("--every", type=float, default=0, help="repeat every N seconds")
    witness.set_defaults(handler=lambda a: asyncio.run(_witness(a)))
    cli_witness.register(witness)
    cli_witness.add_witness_options(verify)
    verify.add_argument("--archive", metavar="DIR", help="verify the sealed archive segments in DIR, offline "
                        "(`colo audit archive seal`); needs no database")
    cli_archive.register(commands, common, keyed)

    common(commands.add_parser("checkpoint", help="print the latest signed checkpoint")).set_defaults(
        handler=lambda a: asyncio.run(_checkpoint(a)))
    keyed(commands.add_parser("keys", help="print the verifier keys (vkey form)")).set_defaults(
        handler=_keys_command)
    prune = common(commands.add_parser("prune", help="delete entries older than the retention period"))
    prune.add_argument("--dry-run", action="store_true")
    prune.set_defaults(handler=lambda a: asyncio.run(_prune(a)))
