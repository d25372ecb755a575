"""Personal data at rest: AES-256-GCM under a per-tenant key, HKDF(master key, tenant salt).

Erasing a tenant deletes its salt: the key cannot be derived again, so every ciphertext of that
tenant becomes unreadable while the rows (and hashes over them) stay intact.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from uuid import UUID

from colo.crypto import aead_decrypt, aead_encrypt, b64decode, b64encode, hkdf_derive
from colo.tables import TenantDataKey

ERASED = "[erased]"
_VERSION = b"\x01"


class TenantKeyErased(LookupError):
    """The tenant's data key was erased; its personal data is gone for good."""


async def _salt(tenant_id: UUID, *, create: bool) -> bytes | None:
    row = await TenantDataKey.select(TenantDataKey.salt).where(TenantDataKey.tenant_id == tenant_id).first()
    if row is not None:
        return b64decode(row["salt"])
    if not create:
        return None
    salt = os.urandom(32)
    await TenantDataKey.insert(
        TenantDataKey(tenant_id=tenant_id, salt=b64encode(salt), created_at=datetime.now(UTC))
    ).on_conflict(action="DO NOTHING").run()
    # Another writer may have won the race: read back whichever salt is stored.
    row = await TenantDataKey.select(TenantDataKey.salt).where(TenantDataKey.tenant_id == tenant_id).first()
    return b64decode(row["salt"]) if row else salt


def _derive(master_key: bytes, tenant_id: UUID, salt: bytes) -> bytes:
    return hkdf_derive(master_key, salt=salt, info=b"colo/pii/v1/" + str(tenant_id).encode())


async def encrypt_for_tenant(*, master_key: bytes, tenant_id: UUID, plaintext: str) -> str:
    """Encrypt under the tenant's key (created on first use); returns base64 text to store."""
    salt = await _salt(tenant_id, create=True)
    assert salt is not None
    key = _derive(master_key, tenant_id, salt)
    blob = aead_encrypt(key, plaintext.encode(), associated_data=tenant_id.bytes)
    return b64encode(_VERSION + blob)


async def decrypt_for_tenant(*, master_key: bytes, tenant_id: UUID, ciphertext: str) -> str:
    """Decrypt; raises TenantKeyErased once the tenant's key was erased."""
    salt = await _salt(tenant_id, create=False)
    if salt is None:
        raise TenantKeyErased(str(tenant_id))
    blob = b64decode(ciphertext)
    key = _derive(master_key, tenant_id, salt)
    return aead_decrypt(key, blob[1:], associated_data=tenant_id.bytes).decode()


async def erase_tenant_key(*, tenant_id: UUID) -> bool:
    """Crypto-erase all personal data of a tenant. True when a key existed."""
    existed = await TenantDataKey.exists().where(TenantDataKey.tenant_id == tenant_id)
    await TenantDataKey.delete().where(TenantDataKey.tenant_id == tenant_id)
    return bool(existed)


def mask(value: str, *, visible: int = 2) -> str:
    """`AB1234567` → `*******67`: enough to recognise, not enough to use."""
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]
