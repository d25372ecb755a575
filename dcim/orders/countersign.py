"""The facility's countersignature on a signed LOA: a second PAdES signature with its X.509 key.

After Colo accepts a granter's signature (dcim.orders.pades), it signs the file again,
incrementally, with the facility's LOA signing key, so the stored file alone proves both: that
an authorised person of the Z side signed it and that the facility accepted it then. The key and
its certificate come as one PEM (COLO_LOA_SIGNING_KEY: the text, or a file's path); a dev/test
install generates a self-signed one once into the secrets directory (colo.secretstore), like its
other keys. With COLO_LOA_TSA_URL the countersignature also carries a timestamp (PAdES B-T).
Verifiers read it with `existing_facility_certificates`, which never generates.
Signing blocks (hashing, pyHanko): call it in a worker thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys, pem, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from colo.secretstore import existing_loa_signing_pem, loa_signing_pem
from colo.settings import Settings, SettingsError

FIELD = "FacilityCountersignature"
TSA_TIMEOUT = 10  # seconds


@dataclass(frozen=True, slots=True)
class FacilitySigner:
    key: keys.PrivateKeyInfo
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    def certificates_pem(self) -> str:
        """The facility's signing certificate (first) and its chain, PEM: what it publishes."""
        return "".join(pem.armor("CERTIFICATE", c.dump()).decode() for c in (self.certificate, *self.chain))


def self_signed_pem(facility: str, *, now: datetime | None = None) -> str:
    """A new P-256 key and a self-signed certificate for it (dev/test), both PEM."""
    moment = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, f"{facility} LOA signing"),
                       cx509.NameAttribute(NameOID.ORGANIZATION_NAME, facility)])
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(cx509.random_serial_number()).not_valid_before(moment - timedelta(days=1))
            .not_valid_after(moment + timedelta(days=3650))
            .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(cx509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return key_pem + cert.public_bytes(serialization.Encoding.PEM).decode()


def parse_pem(text: str) -> FacilitySigner:
    """A private key (PKCS#8, unencrypted) and certificates, the signer's first."""
    private: keys.PrivateKeyInfo | None = None
    certs: list[x509.Certificate] = []
    for kind, _, der in pem.unarmor(text.encode(), multiple=True):
        if kind == "PRIVATE KEY":
            private = keys.PrivateKeyInfo.load(der)
        elif kind == "CERTIFICATE":
            certs.append(x509.Certificate.load(der))
    if private is None or not certs:
        raise SettingsError("COLO_LOA_SIGNING_KEY is invalid: expected a PEM private key (PKCS#8) and its "
                            "certificate")
    return FacilitySigner(key=private, certificate=certs[0], chain=tuple(certs[1:]))


def _text(value: str) -> str:
    return value if value.lstrip().startswith("-----BEGIN") else Path(value).read_text(encoding="utf-8")


def facility_signer(settings: Settings) -> FacilitySigner:
    """The configured countersigning key (dev/test: generated once into the secrets directory)."""
    return parse_pem(_text(loa_signing_pem(settings, make=lambda: self_signed_pem(settings.facility_name))))


def existing_facility_certificates(settings: Settings) -> tuple[x509.Certificate, ...]:
    """The facility certificate this installation is configured with, if any; never generates one."""
    text = existing_loa_signing_pem(settings)
    if not text:
        return ()
    signer = parse_pem(_text(text))
    return (signer.certificate, *signer.chain)


def countersign(pdf: bytes, signer: FacilitySigner, *, tsa_url: str = "") -> bytes:
    """`pdf` with the facility's signature appended (an incremental update; the granter's stays
    intact). With `tsa_url`, the signature carries an RFC 3161 timestamp from that authority
    (PAdES B-T): a trusted time of acceptance, not only the facility's own clock."""
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]  # pyhanko-certvalidator leaves __init__ unannotated
    for cert in signer.chain:
        registry.register(cert)
    cms_signer = signers.SimpleSigner(signing_cert=signer.certificate, signing_key=signer.key, cert_registry=registry)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=SigSeedSubFilter.PADES,
                                        reason="LOA-CFA accepted by the facility")
    timestamper = HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT) if tsa_url else None
    out = signers.sign_pdf(writer, meta, signer=cms_signer, timestamper=timestamper)
    return bytes(out.getvalue())
