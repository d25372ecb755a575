"""`colo loa verify FILE.pdf`: an LOA granted by certificate, checked offline.

Both signatures and the trust path are checked with nothing but the trust list (the national CA
roots, and any CRLs saved beside them) and the facility's published countersigning certificate
(dcim.orders.pades.verify_countersigned); the signer must be among the Z side's authorised signers
the signed file itself records (their identities' SHA-256, attested by both signatures). One line
says who signed, when, and whether everything holds; each failure has its own exit code. Like
every verifier, it never creates a key or any state: without a facility certificate at hand it
says which it needs and exits 4.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

EXIT_CODES = {
    "not_signed": 1, "modified": 1, "wrong_document": 1, "revocation_unknown": 1,
    "certificate_expired": 5, "certificate_revoked": 6, "untrusted_root": 7, "signer_not_authorised": 8,
    "facility_signature": 9, "key_usage": 10,
}


def _facility_certs(args: argparse.Namespace) -> list[Any]:
    from asn1crypto import pem, x509

    from colo.cli import CommandError, settings_or_exit
    from dcim.orders.countersign import existing_facility_certificates

    if args.facility_cert:
        try:
            data = Path(args.facility_cert).read_bytes()
            return [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                    if kind == "CERTIFICATE"]
        except (OSError, ValueError) as exc:
            raise CommandError(f"--facility-cert: cannot read {args.facility_cert}: {exc}") from None
    return list(existing_facility_certificates(settings_or_exit()))


def verify_pdf(args: argparse.Namespace) -> int:
    from colo.cli import CommandError, settings_or_exit
    from colo.verifying import EXIT_KEY_NEEDED, EXIT_VALID
    from dcim.orders.pades import SignatureRefused, load_trust_list, verify_countersigned

    trust_path = args.trust or settings_or_exit().loa_trust_list
    if not trust_path:
        raise CommandError("--trust: give the national CA roots (a PEM file or a directory), or set "
                           "COLO_LOA_TRUST_LIST")
    try:
        trust = load_trust_list(Path(trust_path))
    except (OSError, ValueError) as exc:
        raise CommandError(f"--trust {trust_path}: {exc}") from None
    facility = _facility_certs(args)
    if not facility:
        print(f"KEY NEEDED: {args.file} is countersigned by the facility, and no facility certificate is at "
              "hand (nothing was checked). Give it: --facility-cert FILE holding GET /v1/loas/signing-certificates.")
        return EXIT_KEY_NEEDED
    try:
        pdf = Path(args.file).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc}") from None
    try:
        checked = verify_countersigned(pdf, trust=trust, facility_certs=facility)
    except SignatureRefused as exc:
        print(f"LOA INVALID ({exc.refusal.value}): {exc.reason}")
        return EXIT_CODES.get(exc.refusal.value, 1)
    granter, request = checked.granter, checked.request
    who = granter.common_name + (f" ({granter.serial_number})" if granter.serial_number else "")
    print(f"LOA valid: {request.get('loa_id')} granted for {request.get('z_side', {}).get('party')} by {who} at "
          f"{granter.signed_at:%Y-%m-%dT%H:%M:%SZ}, countersigned by {checked.facility.common_name} at "
          f"{checked.facility.signed_at:%Y-%m-%dT%H:%M:%SZ}; path to the trust list, key usage, validity and "
          "authorisation hold")
    return EXIT_VALID
