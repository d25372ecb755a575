"""`colo loa verify FILE` (offline, with the facility's published keys; never creates one) and
`colo reconcile`.

Heavy imports happen inside the handlers, so `colo --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any


def _key_pairs(args: argparse.Namespace) -> tuple[list[str], str]:
    """`KEY_ID:BASE64` pairs of the facility's public keys and where they came from; no pairs
    when none is at hand. Never generates a key (see colo/verifying.py)."""
    from colo.cli import CommandError, settings_or_exit
    from colo.verifying import fetch_published

    if args.public_key or args.keys or args.api:
        pairs, sources = list(args.public_key or []), ["--public-key"] if args.public_key else []
        if args.keys:
            try:
                text = Path(args.keys).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"--keys: cannot read {args.keys}: {exc}") from None
            pairs += _published_pairs(text, origin=f"--keys {args.keys}")
            sources.append(args.keys)
        if args.api:
            published = fetch_published(args.api, "/v1/loas/public-keys")
            pairs += _published_pairs(published, origin=f"--api {args.api}")
            sources.append(f"{args.api.rstrip('/')}/v1/loas/public-keys")
        return pairs, ", ".join(sources)
    from colo.secretstore import existing_signing_keys
    from dcim.orders.loa import public_keys

    keys = existing_signing_keys(settings_or_exit())
    return [f"{kid}:{raw}" for kid, raw in public_keys(keys).items()], "this installation's configured keys"


def _published_pairs(published: Any, *, origin: str) -> list[str]:
    """The answer of GET /v1/loas/public-keys (the list envelope `{"items": [{"key_id", "public_key"}]}`,
    or the `{key id: base64}` map it answered before, as JSON text or decoded), or `KEY_ID:BASE64`
    lines."""
    from colo.cli import CommandError

    if isinstance(published, str):
        try:
            published = json.loads(published)
        except json.JSONDecodeError:
            return [line.strip() for line in published.splitlines() if line.strip()]
    if isinstance(published, dict) and isinstance(published.get("items"), list):
        published = {item.get("key_id"): item.get("public_key") for item in published["items"]
                     if isinstance(item, dict)}
    if not isinstance(published, dict) or not all(isinstance(v, str) for v in published.values()):
        raise CommandError(f"{origin}: expected the answer of GET /v1/loas/public-keys (key id → base64)")
    return [f"{kid}:{raw}" for kid, raw in published.items()]


def _trusted_keys(pairs: list[str]) -> dict[str, Any]:
    from colo.cli import CommandError
    from colo.crypto import b64decode, ed25519_public_from_raw

    trusted = {}
    for pair in pairs:
        key_id, sep, raw = pair.partition(":")
        try:
            if not sep:
                raise ValueError
            trusted[key_id] = ed25519_public_from_raw(b64decode(raw))
        except ValueError:
            raise CommandError(f"public key {pair!r}: expected KEY_ID:BASE64 of a 32-byte Ed25519 key") from None
    return trusted


def cmd_loa_verify(args: argparse.Namespace) -> int:
    from colo.cli import CommandError
    from colo.verifying import EXIT_INVALID, EXIT_KEY_NEEDED, EXIT_VALID
    from dcim.orders.loa import LoaInvalid, claimed_signer, verify

    if _is_pdf(args.file):
        from dcim.orders.cli_pdf import verify_pdf

        return verify_pdf(args)
    try:
        loaded = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {args.file}: {exc}") from None
    except json.JSONDecodeError:
        print(f"LOA INVALID: {args.file} is not JSON")
        return EXIT_INVALID
    # Accept the signed file itself or an API answer that carries it under "signed".
    signed = loaded.get("signed") if isinstance(loaded, dict) and "signed" in loaded else loaded
    try:
        key_id, facility = claimed_signer(signed)
    except LoaInvalid as exc:
        print(f"LOA INVALID: {exc.reason}")
        return EXIT_INVALID
    pairs, source = _key_pairs(args)
    if not pairs:
        print(f"KEY NEEDED: this LOA is signed with key {key_id!r} of {facility}, and no key of that "
              "facility is at hand (nothing was checked). Give the facility's published keys: "
              f"`colo loa verify {args.file} --api <the facility's API URL>` (GET /v1/loas/public-keys, "
              f"no API key needed), `--keys FILE` holding that answer, or `--public-key {key_id}:BASE64`.")
        return EXIT_KEY_NEEDED
    trusted = _trusted_keys(pairs)
    try:
        checked = verify(signed, trusted=trusted)
    except LoaInvalid as exc:
        print(f"LOA INVALID: {exc.reason}")
        print(f"  checked against key(s) {', '.join(sorted(trusted))} from {source}")
        return EXIT_INVALID
    doc = checked.document
    print(f"LOA valid: {doc['loa_id']} for order {doc['order_id']} at {doc['facility']}")
    print(f"  A side: {doc['a_side'].get('party')} port {doc['a_side'].get('port', {}).get('name')}")
    print(f"  Z side: {doc['z_side'].get('party')} port {doc['z_side'].get('port', {}).get('name')}")
    print(f"  signed with key {checked.key_id} (from {source}); expires {doc['expires_at']}")
    return EXIT_VALID


def _is_pdf(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False


async def _reconcile(site_id: int | None) -> dict[str, Any]:
    # A command is an assembly point like the app: it may wire the access log (audit) in.
    from audit.encoding import EntryDraft
    from audit.service import open_access_log
    from colo.cli import settings_or_exit
    from colo.db import bound_engine
    from colo.secretstore import load_keys
    from dcim.netbox import gateway_from_settings
    from dcim.netbox.provisioning import Provisioner
    from dcim.orders.reconcile import as_json, log_fields, reconcile

    settings = settings_or_exit()
    async with bound_engine(settings.database_url):
        report = await reconcile(provisioner=Provisioner(gateway_from_settings(settings)), site_id=site_id)
        # Findings land in the access log, as when ops run it through the API.
        access_log = await open_access_log(settings=settings, keys=load_keys(settings))
        try:
            for item in report.findings:
                await access_log.record_durably(EntryDraft(
                    kind="api", actor_key_id="cli:colo-reconcile", role="ops",
                    **log_fields(item)))
        finally:
            await access_log.stop()
        return as_json(report)


def cmd_reconcile(args: argparse.Namespace) -> int:
    report = asyncio.run(_reconcile(args.site_id))
    if args.json:
        json.dump(report, sys.stdout, indent=2, default=str)
        print()
    else:
        checked = ", ".join(f"{n} {what}" for what, n in report["checked"].items())
        print(f"checked {checked}")
        for item in report["findings"]:
            print(f"{item['id']}  {item['severity']:<6}  {item['kind']:<24}  {item['detail']}")
        print(f"{len(report['findings'])} finding(s)" + (": " + ", ".join(
            f"{n} {kind}" for kind, n in sorted(report["by_kind"].items())) if report["findings"] else ""))
    return 1 if report["findings"] else 0


def register(sub: Any) -> None:
    loa = sub.add_parser("loa", help="LOA-CFA documents")
    loa_sub = loa.add_subparsers(dest="loa_action", required=True)
    verify = loa_sub.add_parser(
        "verify", help="verify an LOA-CFA file offline (signature, expiry) with the facility's published keys",
        description="Exit status: 0 valid, 1 invalid (altered, foreign key, expired), 2 usage error, "
                    "4 no key at hand (the key needed is named). A signed PDF: 1 modified, 5 certificate "
                    "expired, 6 revoked, 7 untrusted root, 8 signer not authorised by the Z side, 9 not "
                    "countersigned by the facility, 10 certificate may not sign. Never creates a key.")
    verify.add_argument("file", help="the LOA's JSON (as served by GET /v1/loas/{id}), or its signed PDF "
                                     "(GET /v1/loas/{id}/pdf of an LOA granted by certificate)")
    verify.add_argument("--trust", metavar="PATH",
                        help="PDF: the national CA roots (a PEM file or a directory; *.crl files in it are "
                             "checked for revocation); default COLO_LOA_TRUST_LIST")
    verify.add_argument("--facility-cert", metavar="FILE",
                        help="PDF: the facility's countersigning certificate(s), PEM "
                             "(GET /v1/loas/signing-certificates)")
    verify.add_argument("--api", metavar="URL",
                        help="the facility API's base URL: fetch its published keys (GET /v1/loas/public-keys)")
    verify.add_argument("--keys", "--key", metavar="FILE",
                        help="the answer of GET /v1/loas/public-keys saved to a file (or KEY_ID:BASE64 lines)")
    verify.add_argument("--public-key", action="append", metavar="KEY_ID:BASE64",
                        help="one of the facility's public keys; repeatable")
    verify.epilog = ("Without --api/--keys/--public-key: the keys this installation is configured with "
                     "(COLO_AUDIT_SIGNING_KEY or an existing key file in COLO_SECRETS_DIR), if any.")
    verify.set_defaults(handler=cmd_loa_verify)

    reconcile = sub.add_parser("reconcile", help="compare NetBox cabling, reservations and feeds with orders "
                               "(exit 1 when there are findings)")
    reconcile.add_argument("--site-id", type=int, default=None, help="only this NetBox site")
    reconcile.add_argument("--json", action="store_true", help="print the report as JSON")
    reconcile.set_defaults(handler=cmd_reconcile)
