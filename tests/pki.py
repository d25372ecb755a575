"""A real test PKI on loopback (certomancer): a national root, an intermediate with OCSP and CRLs
served over HTTP, and person certificates — valid, revoked, expired, one without a signing key
usage, one from a root outside the trust list — an RFC 3161 timestamp authority, and real PAdES
signing with pyHanko.

`LoopbackPki.serve()` builds it: keys generated now (P-256), certificates and responders from one
certomancer configuration, served by certomancer's animator (a WSGI app) from a werkzeug server
on 127.0.0.1 in a thread. `unreachable=True` builds the same hierarchy whose certificates name a
loopback port where nothing answers (a bound socket that never listens): the responder is down.
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore
from werkzeug.serving import make_server

from dcim.orders.pades import TrustList

ARCH = "colo-test"
KEYS = ("root", "interm", "interm-ocsp", "tsa", "alice", "bob", "carol", "dave", "erin", "other-root", "mallory")
LONG = {"valid-from": "2000-01-01T00:00:00+0000", "valid-to": "2500-01-01T00:00:00+0000"}
PERSON = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2200-01-01T00:00:00+0000"}
EXPIRED = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2022-01-01T00:00:00+0000"}


def _ku(*usages: str) -> dict[str, Any]:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(usages)}}


def _person(issuer: str, validity: dict[str, str], *usages: str, revoked: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {"issuer": issuer, "validity": validity, "extensions": [
        _ku(*(usages or ("digital_signature", "non_repudiation"))),
        {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url",
                                                          "params": {"crl-repo-names": [issuer]}}},
        {"id": "authority_information_access", "smart-value": {"schema": "aia-urls", "params": {
            "ocsp-responder-names": [issuer]}}},
    ]}
    if revoked:
        spec["revocation"] = {"revoked-since": "2024-01-01T00:00:00+0000", "reason": "key_compromise"}
    return spec


def _config(key_dir: Path, prefix: str) -> dict[str, Any]:
    ca = [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
          _ku("digital_signature", "key_cert_sign", "crl_sign")]
    return {
        "external-url-prefix": prefix,
        "keysets": {ARCH: {"path-prefix": str(key_dir), "keys": {k: {"path": f"{k}.key.pem"} for k in KEYS}}},
        "pki-architectures": {ARCH: {
            "keyset": ARCH,
            "entity-defaults": {"country-name": "AZ", "organization-name": "Test National CA"},
            "entities": {
                "root": {"common-name": "Test National Root CA"},
                "interm": {"common-name": "Test Qualified Signatures CA"},
                "interm-ocsp": {"common-name": "Test OCSP responder"},
                "tsa": {"common-name": "Test Time Stamping Authority"},
                "alice": {"common-name": "Alice Aliyeva", "serial-number": "PNOAZ-1111111",
                          "email-address": "alice@z.example"},
                "bob": {"common-name": "Bob Babayev", "serial-number": "PNOAZ-2222222"},
                "carol": {"common-name": "Carol Karimova", "serial-number": "PNOAZ-3333333"},
                "dave": {"common-name": "Dave Dadashov", "serial-number": "PNOAZ-4444444"},
                "erin": {"common-name": "Erin Ismayilova", "serial-number": "PNOAZ-5555555"},
                "other-root": {"common-name": "Some Other Root", "organization-name": "Elsewhere"},
                "mallory": {"common-name": "Mallory", "serial-number": "PNOAZ-1111111",
                            "organization-name": "Elsewhere"},
            },
            "certs": {
                "root": {"subject": "root", "issuer": "root", "validity": LONG, "extensions": ca},
                "interm": {"issuer": "root", "validity": LONG, "extensions": [
                    *ca, {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url",
                                                                           "params": {"crl-repo-names": ["root"]}}}]},
                "interm-ocsp": {"issuer": "interm", "validity": LONG, "extensions": [
                    _ku("digital_signature"), {"id": "extended_key_usage", "critical": True,
                                               "value": ["ocsp_signing"]}, {"id": "ocsp_no_check"}]},
                "tsa": {"issuer": "root", "validity": LONG, "extensions": [
                    _ku("digital_signature"), {"id": "extended_key_usage", "critical": True,
                                               "value": ["time_stamping"]}]},
                "alice": _person("interm", PERSON),
                "bob": _person("interm", PERSON, revoked=True),
                "carol": _person("interm", EXPIRED),
                "dave": _person("interm", PERSON, "key_encipherment"),
                "erin": _person("interm", PERSON),
                "other-root": {"subject": "other-root", "issuer": "other-root", "validity": LONG, "extensions": ca},
                "mallory": {"issuer": "other-root", "validity": PERSON,
                            "extensions": [_ku("digital_signature", "non_repudiation")]},
            },
            "services": {
                "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "interm-ocsp",
                                    "signing-key": "interm-ocsp"}},
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P90D"},
                             "interm": {"for-issuer": "interm", "signing-key": "interm",
                                        "simulated-update-schedule": "P30D"}},
            },
        }},
    }


def write_keys(key_dir: Path) -> None:
    key_dir.mkdir(parents=True, exist_ok=True)
    for name in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        (key_dir / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


class _Dispatch:
    """The WSGI app the server runs; the animator is set once the port (and so the URLs) is known."""

    app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


@dataclass
class LoopbackPki:
    config: CertomancerConfig
    url: str

    @property
    def arch(self) -> Any:
        return self.config.pki_archs[ARCH]

    def cert(self, label: str) -> x509.Certificate:
        return self.arch.get_cert(label)

    @property
    def tsa_url(self) -> str:
        return str(self.arch.service_registry.get_tsa_info("tsa").url)

    def trust(self, *, with_crls: bool = False) -> TrustList:
        crls = (self.arch.service_registry.get_crl("interm").dump(),
                self.arch.service_registry.get_crl("root").dump()) if with_crls else ()
        return TrustList(roots=(self.cert("root"),), crls=crls)

    def write_trust_dir(self, directory: Path, *, with_crls: bool = False) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "root.pem").write_bytes(pem.armor("CERTIFICATE", self.cert("root").dump()))
        if with_crls:
            for i, crl in enumerate(self.trust(with_crls=True).crls):
                (directory / f"ca-{i}.crl").write_bytes(crl)
        return directory

    def sign(self, pdf: bytes, label: str, *, issuer: str = "interm", field: str = "Granter") -> bytes:
        """`pdf` signed (PAdES B-B) with the person certificate `label` and its key (in a thread of
        its own: pyHanko's synchronous API runs an event loop, and tests call it from theirs)."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(self._sign, pdf, label, issuer=issuer, field=field).result()

    def _sign(self, pdf: bytes, label: str, *, issuer: str, field: str) -> bytes:
        registry = SimpleCertificateStore()
        registry.register(self.cert(issuer))
        signer = signers.SimpleSigner(signing_cert=self.cert(label),
                                      signing_key=self.arch.key_set.get_private_key(label), cert_registry=registry)
        meta = signers.PdfSignatureMetadata(field_name=field, subfilter=SigSeedSubFilter.PADES)
        out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), meta, signer=signer)
        return bytes(out.getvalue())

    @classmethod
    @contextmanager
    def serve(cls, key_dir: Path, *, unreachable: bool = False) -> Iterator[LoopbackPki]:
        if not any(key_dir.glob("*.key.pem")):
            write_keys(key_dir)
        dispatch = _Dispatch()
        server = make_server("127.0.0.1", 0, dispatch, threaded=True)
        dead = socket.socket()  # bound, never listening: connections to it are refused
        dead.bind(("127.0.0.1", 0))
        port = dead.getsockname()[1] if unreachable else server.server_port
        url = f"http://127.0.0.1:{port}"
        config = CertomancerConfig(_config(key_dir, url), key_search_dir=str(key_dir))
        dispatch.app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield cls(config=config, url=url)
        finally:
            server.shutdown()
            thread.join(timeout=5)
            dead.close()
