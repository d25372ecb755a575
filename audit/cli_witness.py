"""`colo audit witness serve|keygen`: the cosigning witness (audit/witness_server.py) as a command,
and the witness options of `colo audit verify` (k of n cosignatures required).

A witness runs on another machine under other administrators: it needs only its own key file,
the log's verifier key(s) (--vkey/--keys, as every verifier) and a state directory; no database,
no Colo settings beyond logging.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from audit.cosignature import WitnessKey, WitnessSigner
from audit.note import NoteError, VerifierKey


def witness_keys(args: argparse.Namespace) -> list[WitnessKey]:
    """The witnesses' verifier keys given with --witness (repeatable)."""
    from colo.cli import CommandError

    try:
        return [WitnessKey.parse(v) for v in args.witness or []]
    except NoteError as exc:
        raise CommandError(f"--witness: {exc}") from None


def add_witness_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--witness", action="append", metavar="VKEY",
                        help="a witness's cosignature verifier key (repeatable)")
    parser.add_argument("--witnesses-required", type=int, default=None, metavar="K",
                        help="cosignatures, by the --witness keys, the latest checkpoint must carry "
                             "(default: all the --witness keys given)")


def required(args: argparse.Namespace) -> int:
    from colo.cli import CommandError

    count = len(args.witness or [])
    k = count if args.witnesses_required is None else args.witnesses_required
    if not 0 <= k <= count:
        raise CommandError(f"--witnesses-required: between 0 and the {count} --witness keys given")
    return k


def _keygen(args: argparse.Namespace) -> int:
    from colo.cli import CommandError
    from colo.crypto import ed25519_from_seed, random_seed

    path = Path(args.key)
    if path.exists():
        raise CommandError(f"--key {path}: exists already (a witness keeps its key; remove it deliberately)")
    try:
        signer = WitnessSigner(args.name, ed25519_from_seed(random_seed()))
        signer.key.vkey  # noqa: B018 (checks the name)
    except (NoteError, ValueError) as exc:
        raise CommandError(f"--name: {exc}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(signer.private_text() + "\n")
    print(signer.key.vkey)
    return 0


def _serve(args: argparse.Namespace, log_keys: list[VerifierKey]) -> int:
    from audit.witness_server import Witness, serve
    from colo.cli import CommandError

    try:
        signer = WitnessSigner.parse(Path(args.key).read_text())
    except (OSError, NoteError, ValueError) as exc:
        raise CommandError(f"--key {args.key}: {exc}") from None
    if not log_keys:
        raise CommandError("give the log's verifier key(s): --vkey VKEY or --keys FILE")
    host, _, port = args.listen.rpartition(":")
    if not port.isdigit():
        raise CommandError("--listen HOST:PORT")
    witness = Witness(state=Path(args.state), signer=signer, logs=log_keys)

    def ready(bound: int) -> None:
        print(f"witness {signer.key.vkey} listening on {host or '0.0.0.0'}:{bound} for "  # noqa: S104
              f"{', '.join(sorted(witness.logs))}", flush=True)

    return serve(witness, host or "0.0.0.0", int(port), exit_on_alarm=args.exit_on_alarm, ready=ready)  # noqa: S104


def _log_keys(args: argparse.Namespace) -> list[VerifierKey]:
    from audit.keys import parse_published_keys
    from colo.cli import CommandError

    try:
        keys = [VerifierKey.parse(v) for v in args.vkey or []]
        for path in args.keys or []:
            keys += parse_published_keys(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        raise CommandError(f"--vkey/--keys: {exc}") from None
    return keys


def register(witness: argparse.ArgumentParser) -> None:
    """`serve` and `keygen` under `colo audit witness` (which alone still records checkpoints)."""
    actions = witness.add_subparsers(dest="witness_action", required=False)
    serve = actions.add_parser("serve", help="cosign checkpoints (C2SP tlog-witness) over HTTP")
    serve.add_argument("--vkey", action="append", help="the log's verifier key (repeatable; names the log)")
    serve.add_argument("--keys", action="append", metavar="FILE",
                       help="the log's verifier keys: `colo audit keys` output or GET /v1/access-log/keys saved")
    serve.add_argument("--state", required=True, help="directory of the witness's state (only it writes there)")
    serve.add_argument("--key", required=True, help="the witness's private key file (`colo audit witness keygen`)")
    serve.add_argument("--listen", default="127.0.0.1:7380", help="HOST:PORT (default 127.0.0.1:7380)")
    serve.add_argument("--exit-on-alarm", action="store_true",
                       help="exit with status 3 after refusing a fork or rollback (default: keep serving, "
                            "and keep refusing it)")
    serve.set_defaults(handler=lambda a: _serve(a, _log_keys(a)))
    keygen = actions.add_parser("keygen", help="create a witness key file; prints its verifier key")
    keygen.add_argument("--key", required=True, help="file to create (mode 0600)")
    keygen.add_argument("--name", required=True, help="the witness's name, e.g. witness.example.org/colo")
    keygen.set_defaults(handler=_keygen)

