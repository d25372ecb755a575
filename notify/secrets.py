"""Endpoint signing secrets: made here, shown once, kept encrypted.

A secret is 32 random bytes, shown to the tenant in Standard Webhooks' `whsec_<base64>` form when
the endpoint is made or its secret rotated, and never again. The row keeps it under AES-GCM with
a key derived from the master key (HKDF, colo/crypto.py), the endpoint's id as associated data: a
ciphertext moved to another endpoint's row does not decrypt.
"""

from __future__ import annotations

import os
from uuid import UUID

from colo.crypto import aead_decrypt, aead_encrypt, b64decode, b64encode, hkdf_derive

PREFIX = "whsec_"
INFO = b"colo/notify/webhook-secret/v1"


def new_secret() -> str:
    return PREFIX + b64encode(os.urandom(32))


def seal(master_key: bytes, endpoint_id: UUID, secret: str) -> str:
    key = hkdf_derive(master_key, info=INFO)
    return b64encode(aead_encrypt(key, secret.encode(), associated_data=endpoint_id.bytes))


def unseal(master_key: bytes, endpoint_id: UUID, sealed: str) -> str:
    key = hkdf_derive(master_key, info=INFO)
    return aead_decrypt(key, b64decode(sealed), associated_data=endpoint_id.bytes).decode()
