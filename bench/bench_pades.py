"""LOAs signed with X.509 certificates (PAdES): what each step costs, against a real PKI on loopback.

Standalone: `python -m bench.bench_pades [--rounds N]`. Numbers are printed, never asserted.
Steps: rendering the LOA to sign (fpdf2), the granter's signature (pyHanko, P-256), Colo's check
of an upload (path to the trust list, key usage, revocation over OCSP and CRL from certomancer's
responders on 127.0.0.1), the facility's countersignature, and the offline verification
`colo loa verify` does (trust list with CRLs, the facility certificate). Medians of N rounds.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dcim.orders.countersign import countersign, parse_pem, self_signed_pem
from dcim.orders.loa_pdf import request_pdf
from dcim.orders.pades import check_grant, verify_countersigned
from dcim.orders.signed_grant import render_request_text
from tests.pki import LoopbackPki

REQUEST: dict[str, Any] = {
    "format": "colo-loa-request/1", "loa_id": "bench", "order_id": "bench", "facility": "Bench DC",
    "prepared_at": "2026-11-30T12:00:00Z", "media": "smf", "speed": "10G",
    "a_side": {"party": "Acme Bank", "port": {"id": 1, "device": "ACME-PP1", "name": "1"}},
    "z_side": {"party": "NordLink Telecom", "port": {"id": 2, "device": "MMR-NORDLINK", "name": "7"}},
    "authorised_signers": [{"name": "Alice Aliyeva",
                            "identity_sha256": hashlib.sha256(b"serialNumber:PNOAZ-1111111").hexdigest()}],
}


def _median_ms(step: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = step()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    facility = parse_pem(self_signed_pem("Bench DC"))
    with tempfile.TemporaryDirectory() as tmp, LoopbackPki.serve(Path(tmp) / "keys") as pki:
        rows = []
        ms, pdf = _median_ms(lambda: request_pdf(text=render_request_text(REQUEST), request=REQUEST,
                                                 loa_id="bench"), rounds)
        rows.append(("render the LOA to sign (fpdf2)", ms, len(pdf)))
        ms, signed = _median_ms(lambda: pki.sign(pdf, "alice"), rounds)
        rows.append(("granter signs (pyHanko, PAdES B-B)", ms, len(signed)))
        trust = pki.trust()
        ms, _ = _median_ms(lambda: check_grant(signed, trust=trust, revocation="hard-fail"), rounds)
        rows.append(("Colo validates the upload (OCSP + CRL online)", ms, len(signed)))
        ms, both = _median_ms(lambda: countersign(signed, facility), rounds)
        rows.append(("facility countersigns", ms, len(both)))
        offline = pki.trust(with_crls=True)
        ms, _ = _median_ms(lambda: verify_countersigned(both, trust=offline, facility_certs=[facility.certificate]),
                           rounds)
        rows.append(("offline verification of both (colo loa verify)", ms, len(both)))
    print(f"PAdES LOA timings, median of {rounds} rounds")
    for name, ms, size in rows:
        print(f"  {name:<50} {ms:8.1f} ms   ({size} bytes)")


if __name__ == "__main__":
    main()
