"""`colo audit archive seal`, and `colo audit verify --archive DIR` (offline: no database needed).

Sealing writes finished segments into COLO_AUDIT_ARCHIVE_DIR (or --dir) and never rewrites one;
run it daily (cron or a systemd timer), then ship the new files to write-once storage.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from audit.cosignature import WitnessKey
from audit.note import VerifierKey
from audit.verify import VerifyReport


async def verify_archive(directory: Path, *, trust: list[VerifierKey], origin: str | None,
                         witnesses: list[WitnessKey], required: int) -> VerifyReport:
    from audit.archive import verify_archive as check

    return await asyncio.to_thread(check, directory, keys=trust, origin=origin, witnesses=witnesses,
                                   required=required)


async def _seal(args: argparse.Namespace) -> int:
    from audit.archive import seal
    from audit.cli import _database_url, _settings
    from audit.store import open_store
    from audit.witnessing import parse_witnesses
    from colo.cli import CommandError

    settings = _settings()
    directory = args.dir or settings.audit_archive_dir
    if not directory:
        raise CommandError("give --dir DIR or set COLO_AUDIT_ARCHIVE_DIR")
    witnesses = len(parse_witnesses(settings.audit_witnesses))
    required = min(settings.audit_witnesses_required, witnesses)
    store = await open_store(_database_url(args, settings))
    try:
        sealed = await seal(store=store, directory=Path(directory), segment_entries=settings.audit_archive_segment,
                            required=required)
    finally:
        await store.close()
    for segment in sealed:
        print(f"sealed {segment.path} (entries {segment.start}..{segment.end - 1})")
    if not sealed:
        print("nothing new to seal")
    return 0


def register(commands: Any, common: Any, _keyed: Any) -> None:
    archive = commands.add_parser("archive", help="seal old ranges of the log into verifiable segment files")
    actions = archive.add_subparsers(dest="archive_action", required=True)
    seal = common(actions.add_parser("seal", help="write every finished segment not sealed yet"))
    seal.add_argument("--dir", help="default: COLO_AUDIT_ARCHIVE_DIR")
    seal.set_defaults(handler=lambda a: asyncio.run(_seal(a)))
