"""A self-signed TLS certificate for the compose deployment's proxy, made once, on the first start.

Why: the proxy terminates TLS from the first `docker compose up` without the operator having to run
openssl first; a certificate already in the directory (the operator's own, or one made earlier) is
kept as it is. It runs in Colo's own image (the `tls-init` service), which has `cryptography`.

Environment: TLS_DIR (default /app/var/tls), TLS_HOSTNAME (default localhost).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 397  # the longest validity browsers accept for a server certificate


def make(directory: Path, hostname: str) -> bool:
    """Writes key.pem (mode 0600) and cert.pem unless cert.pem exists; True when it made them."""
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    if cert_path.exists():
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = [x509.DNSName(hostname)]
    if hostname != "localhost":
        names.append(x509.DNSName("localhost"))
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return True


def main() -> int:
    directory = Path(os.environ.get("TLS_DIR", "/app/var/tls"))
    hostname = os.environ.get("TLS_HOSTNAME", "localhost")
    made = make(directory, hostname)
    print(f"self-signed certificate for {hostname} written to {directory}" if made
          else f"{directory / 'cert.pem'} exists: kept")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
