"""TOTP (RFC 6238, pyotp): secrets encrypted at rest, codes good once.

The secret is encrypted with AES-256-GCM (colo.crypto) under a key derived by HKDF from the
master key (colo.secretstore.Keys.master_key), with the account id as associated data, so a
ciphertext copied onto another account does not decrypt. A code is accepted for the current
30-second step or the one before or after (clock drift), and never for a step at or before the
last one accepted: a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import time
from uuid import UUID

import pyotp

from colo.crypto import aead_decrypt, aead_encrypt, b64decode, b64encode, hkdf_derive

ISSUER = "Colo"
STEP_SECONDS = 30


def _key(master_key: bytes) -> bytes:
    return hkdf_derive(master_key, info=b"colo/accounts/totp/v1")


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def encrypt_secret(secret: str, *, master_key: bytes, account_id: UUID) -> str:
    return b64encode(aead_encrypt(_key(master_key), secret.encode(), associated_data=account_id.bytes))


def decrypt_secret(ciphertext: str, *, master_key: bytes, account_id: UUID) -> str:
    return aead_decrypt(_key(master_key), b64decode(ciphertext), associated_data=account_id.bytes).decode()


def provisioning_uri(secret: str, *, email: str) -> str:
    """The otpauth:// URI an authenticator app takes (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, *, after_step: int, now: float | None = None) -> int | None:
    """The time step `code` is valid for (±1 step), if that step is later than `after_step`."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > after_step and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
