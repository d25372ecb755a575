"""PAdES signatures checked against a deployment's national trust list (pyHanko).

What Colo accepts of a document signed with a person's X.509 certificate, and how it names each
refusal (`Refusal`), so the API, the portal and the command line give the same distinct answers:
the signature must cover the whole file (nothing appended after signing), chain to a root of the
trust list, carry the non-repudiation or digital-signature key usage, be within its validity at
signing time and not be revoked (CRL/OCSP as the certificate names them; `revocation` says what
happens when no responder answers: "hard-fail" refuses, "soft-fail" accepts).

Generic: signed LOAs (dcim.orders.pades) and signed approvals (colo.signed_approval) both use it.
Everything here blocks (parsing, hashing, OCSP/CRL fetches): callers run it in a worker thread.
The network fetches run on a private event loop in that thread.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

REVOCATION_POLICIES = ("hard-fail", "soft-fail")
FETCH_TIMEOUT = 10  # seconds per OCSP/CRL request
SIGNER_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"},
                                       match_all_key_usages=False)
CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


class Refusal(StrEnum):
    """Why a signed LOA is refused: one value per distinct answer (and exit code of the verifier)."""

    NOT_SIGNED = "not_signed"  # not a PDF, or no signature in it
    MODIFIED = "modified"  # the signed bytes changed, or content was added after signing
    WRONG_DOCUMENT = "wrong_document"  # a signed PDF, but not this LOA's request
    UNTRUSTED = "untrusted_root"  # no path to a root of the trust list
    KEY_USAGE = "key_usage"  # the certificate may not sign documents
    EXPIRED = "certificate_expired"  # outside its validity at signing time
    REVOKED = "certificate_revoked"
    REVOCATION_UNKNOWN = "revocation_unknown"  # no responder answered (hard-fail policy)
    NOT_AUTHORISED = "signer_not_authorised"  # not a person of the Z side with the right to grant
    FACILITY = "facility_signature"  # the facility's countersignature is missing or not the facility's


class SignatureRefused(ValueError):
    def __init__(self, refusal: Refusal, reason: str) -> None:
        super().__init__(reason)
        self.refusal = refusal
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TrustList:
    """The roots a deployment trusts for signers (its national CAs), and CRLs kept beside them
    (what an offline verifier checks revocation against)."""

    roots: tuple[x509.Certificate, ...]
    crls: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signed, from their certificate: what is matched against the Z side's people."""

    common_name: str
    serial_number: str  # the subject's serialNumber attribute (a national person id), "" when none
    emails: tuple[str, ...]
    subject: str
    fingerprint: str  # SHA-256 of the certificate (DER), hex
    signed_at: datetime
    timestamped: bool

    def identities(self) -> set[str]:
        """`kind:value` forms this certificate answers to (see tenants.validation.signing_identity)."""
        found = {f"email:{e.lower()}" for e in self.emails}
        if self.serial_number:
            found.add(f"serialNumber:{self.serial_number}")
        if self.common_name:
            found.add(f"cn:{self.common_name}")
        return found


def _certificates(data: bytes) -> list[x509.Certificate]:
    if pem.detect(data):
        return [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"]
    return [x509.Certificate.load(data)]


def load_trust_list(path: Path) -> TrustList:
    """A file of root certificates (PEM, possibly several) or a directory of them (*.pem, *.crt,
    *.cer, *.der; *.crl files beside them are CRLs). ValueError when nothing usable is there."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    roots: list[x509.Certificate] = []
    crls: list[bytes] = []
    for file in files:
        data = file.read_bytes()
        if file.suffix.lower() == ".crl":
            crls.append(pem.unarmor(data)[2] if pem.detect(data) else data)
        elif file.suffix.lower() in CERT_SUFFIXES or file == path:
            try:
                roots.extend(_certificates(data))
            except ValueError as exc:
                raise ValueError(f"{file}: not a certificate ({exc})") from None
    if not roots:
        raise ValueError(f"{path}: no root certificate found")
    return TrustList(roots=tuple(roots), crls=tuple(crls))


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def _signer(status: PdfSignatureStatus) -> Signer:
    cert = status.signing_cert
    subject = cert.subject.native
    emails = [str(subject["email_address"])] if subject.get("email_address") else []
    for name in cert.subject_alt_name_value or []:
        if name.name == "rfc822_name":
            emails.append(str(name.native))
    timestamp = status.timestamp_validity
    signed_at = timestamp.timestamp if timestamp is not None else status.signer_reported_dt
    return Signer(common_name=str(subject.get("common_name", "")), serial_number=str(subject.get("serial_number", "")),
                  emails=tuple(dict.fromkeys(emails)), subject=cert.subject.human_friendly,
                  fingerprint=fingerprint(cert), signed_at=(signed_at or datetime.now(UTC)).astimezone(UTC),
                  timestamped=timestamp is not None)


def validation_context(trust: TrustList, *, revocation: str, moment: datetime | None,
             fetching: AIOHttpFetcherBackend | None = None,
             other_certs: Iterable[x509.Certificate] = ()) -> ValidationContext:
    """Online when `fetching` is given (OCSP/CRL as the certificates name them), else offline:
    only the CRLs kept in the trust list, and a certificate without any is not refused for it."""
    return ValidationContext(
        trust_roots=list(trust.roots), other_certs=list(other_certs), crls=list(trust.crls), moment=moment,
        allow_fetching=fetching is not None, revocation_mode=revocation if fetching is not None else "soft-fail",
        fetcher_backend=fetching)


def read_pdf(pdf: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        _ = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SignatureRefused(Refusal.NOT_SIGNED, f"not a readable PDF ({exc})") from None
    return reader


async def _classify(embedded: EmbeddedPdfSignature, status: PdfSignatureStatus, context: ValidationContext) -> None:
    """Raise the refusal that a failed trust check stands for, by validating the path again with
    pyhanko-certvalidator (whose exceptions tell revoked, expired, untrusted and unknown apart)."""
    cert = status.signing_cert
    validator = CertificateValidator(cert, intermediate_certs=embedded.other_embedded_certs,
                                     validation_context=context)
    who = cert.subject.human_friendly
    try:
        await validator.async_validate_path()
        SIGNER_KEY_USAGE.validate(cert)
    except RevokedError as exc:
        raise SignatureRefused(Refusal.REVOKED, f"the certificate of {who} is revoked ({exc.failure_msg})") from None
    except (ExpiredError, NotYetValidError) as exc:
        raise SignatureRefused(Refusal.EXPIRED, f"the certificate of {who} was not valid when it signed "
                                                f"({exc.failure_msg})") from None
    except InsufficientRevinfoError as exc:
        raise SignatureRefused(Refusal.REVOCATION_UNKNOWN, f"the revocation status of the certificate of {who} "
                                                           f"could not be obtained ({exc.failure_msg})") from None
    except PathBuildingError:
        raise SignatureRefused(Refusal.UNTRUSTED, f"the certificate of {who} does not chain to a root of the "
                                                  "trust list") from None
    except InvalidCertificateError as exc:
        raise SignatureRefused(Refusal.KEY_USAGE, f"the certificate of {who} may not sign documents "
                                                  f"({exc.failure_msg})") from None
    except ValidationError as exc:
        raise SignatureRefused(Refusal.UNTRUSTED, f"the certificate path of {who} is not valid "
                                                  f"({exc.failure_msg})") from None
    raise SignatureRefused(Refusal.UNTRUSTED, f"the signature of {who} is not trusted "
                                              f"({status.trust_problem_indic})")


async def check_signature(embedded: EmbeddedPdfSignature, context: ValidationContext, *, whole_file: bool,
                          ts_context: ValidationContext | None = None) -> Signer:
    try:
        status = await async_validate_pdf_signature(embedded, signer_validation_context=context,
                                                    ts_validation_context=ts_context,
                                                    key_usage_settings=SIGNER_KEY_USAGE)
    except (SignatureValidationError, SigningError, ValueError) as exc:
        raise SignatureRefused(Refusal.MODIFIED, f"the signature cannot be validated ({exc})") from None
    if not status.intact or not status.valid:
        raise SignatureRefused(Refusal.MODIFIED, "the signed content was altered after signing")
    if whole_file and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SignatureRefused(Refusal.MODIFIED, "the signature does not cover the whole file: something was "
                                                 "added or changed after signing")
    if not whole_file and (status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION
                           or not status.docmdp_ok or status.diff_result is None
                           or getattr(status.diff_result, "modification_level", None) is None):
        raise SignatureRefused(Refusal.MODIFIED, "the file was changed after it was signed")
    if not status.trusted:
        await _classify(embedded, status, context)
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid and timestamp.trusted):
        raise SignatureRefused(Refusal.UNTRUSTED, "the signature's timestamp is altered or its authority is not "
                                                  "trusted")
    return _signer(status)


def read_attachment(reader: PdfFileReader, name: str) -> dict[str, Any] | None:
    """The JSON object attached to the PDF under `name` (what the signer signed over), or None."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for index in range(0, len(names), 2):
            if str(names[index]) == name:
                data = names[index + 1].get_object()["/EF"]["/F"].get_object().data
                loaded = json.loads(data)
                return loaded if isinstance(loaded, dict) else None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        pass
    return None


def check_single(pdf: bytes, *, trust: TrustList, revocation: str,
                 moment: datetime | None = None) -> tuple[Signer, PdfFileReader]:
    """Validate a PDF carrying exactly one signature, covering the whole file (online: revocation
    is fetched as the certificate names it). The signer and the reader; SignatureRefused otherwise."""
    reader = read_pdf(pdf)
    signatures = reader.embedded_signatures
    if len(signatures) != 1:
        raise SignatureRefused(Refusal.NOT_SIGNED if not signatures else Refusal.MODIFIED,
                               "the PDF carries no signature" if not signatures else
                               "the PDF must carry exactly one signature, the signer's")

    async def run() -> Signer:
        fetching = AIOHttpFetcherBackend(per_request_timeout=FETCH_TIMEOUT)
        try:
            context = validation_context(trust, revocation=revocation, moment=moment, fetching=fetching,
                                         other_certs=signatures[0].other_embedded_certs)
            return await check_signature(signatures[0], context, whole_file=True)
        finally:
            await fetching.close()  # type: ignore[no-untyped-call]  # pyhanko-certvalidator leaves it unannotated

    return asyncio.run(run()), reader
