"""PAdES signatures on LOA-CFA PDFs: the Z-side signer's, checked against the national trust list.

A deployment with a national PKI lets a person of the Z side grant an LOA by signing the request
PDF (dcim.orders.loa_pdf.request_pdf) with their own X.509 certificate. The generic checks (whole
file covered, path to the trust list, key usage, validity, revocation) and the refusal codes are
colo.pades's; this module adds what is LOA-specific: the request attached to the PDF, and the
offline check of a countersigned file (`colo loa verify`).

Everything here blocks (parsing, hashing, OCSP/CRL fetches): callers run it in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from colo.pades import (
    CERT_SUFFIXES,
    FETCH_TIMEOUT,
    REVOCATION_POLICIES,
    SIGNER_KEY_USAGE,
    Refusal,
    SignatureRefused,
    Signer,
    TrustList,
    check_signature,
    check_single,
    fingerprint,
    load_trust_list,
    read_attachment,
    read_pdf,
    validation_context,
)
from dcim.orders.loa_pdf import REQUEST_ATTACHMENT

__all__ = ["CERT_SUFFIXES", "FETCH_TIMEOUT", "REVOCATION_POLICIES", "SIGNER_KEY_USAGE", "Refusal", "SignatureRefused",
           "SignedRequest", "Signer", "TrustList", "VerifiedPdf", "check_grant", "fingerprint", "load_trust_list",
           "read_request", "verify_countersigned"]


def read_request(reader: PdfFileReader) -> dict[str, Any]:
    """The LOA request attached to the PDF (the JSON the signer signed over)."""
    request = read_attachment(reader, REQUEST_ATTACHMENT)
    if request is None:
        raise SignatureRefused(Refusal.WRONG_DOCUMENT, "the PDF does not carry an LOA-CFA request from this "
                                                       "facility (sign the PDF downloaded from Colo)")
    return request



@dataclass(frozen=True, slots=True)
class SignedRequest:
    signer: Signer
    request: dict[str, Any]


def check_grant(pdf: bytes, *, trust: TrustList, revocation: str, moment: datetime | None = None) -> SignedRequest:
    """Validate an uploaded, signed LOA request (online: revocation is fetched as the certificate
    names it). Exactly one signature, covering the whole file. SignatureRefused otherwise."""
    signer, reader = check_single(pdf, trust=trust, revocation=revocation, moment=moment)
    return SignedRequest(signer=signer, request=read_request(reader))


@dataclass(frozen=True, slots=True)
class VerifiedPdf:
    granter: Signer
    facility: Signer
    request: dict[str, Any]


def verify_countersigned(pdf: bytes, *, trust: TrustList, facility_certs: Sequence[x509.Certificate]) -> VerifiedPdf:
    """Offline: the granter's signature (path to the trust list, at the time the facility
    countersigned; revocation from the CRLs kept in the trust list) and the facility's (its
    certificate is one of `facility_certs`, trusted as given), then the granter among the Z side's
    authorised signers recorded in the signed request."""
    reader = read_pdf(pdf)
    signatures = reader.embedded_signatures
    if not signatures:
        raise SignatureRefused(Refusal.NOT_SIGNED, "the PDF carries no signature")
    if len(signatures) != 2:
        raise SignatureRefused(Refusal.FACILITY, "the PDF is not countersigned by the facility "
                                                 "(expected the granter's and the facility's signature)")
    granter_sig, facility_sig = signatures

    async def run() -> tuple[Signer, Signer]:
        facility_trust = TrustList(roots=tuple(facility_certs))
        facility_context = validation_context(facility_trust, revocation="soft-fail", moment=None)
        # TSAs chain to the trust list
        tsa_context = validation_context(trust, revocation="soft-fail", moment=None)
        try:
            facility = await check_signature(facility_sig, facility_context, whole_file=True,
                                             ts_context=tsa_context)
        except SignatureRefused as exc:
            if exc.refusal is Refusal.MODIFIED:
                raise
            raise SignatureRefused(Refusal.FACILITY, "the countersignature is not the facility's: "
                                                     f"{exc.reason}") from None
        granter_context = validation_context(trust, revocation="soft-fail", moment=facility.signed_at,
                                             other_certs=granter_sig.other_embedded_certs)
        granter = await check_signature(granter_sig, granter_context, whole_file=False)
        return granter, facility

    granter, facility = asyncio.run(run())
    request = read_request(reader)
    authorised = {str(s.get("identity_sha256", "")) for s in request.get("authorised_signers", [])
                  if isinstance(s, dict)}
    if not {hashlib.sha256(i.encode()).hexdigest() for i in granter.identities()} & authorised:
        raise SignatureRefused(Refusal.NOT_AUTHORISED, f"{granter.subject} is not an authorised signer of the "
                                                       "Z side named in the LOA")
    return VerifiedPdf(granter=granter, facility=facility, request=request)
