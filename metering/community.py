"""A PDU's own SNMP v2c community, kept encrypted at rest (Colo stores secrets only as digests or
ciphertext; a community must be sent as it is, so it is encrypted, not digested).

Discovery seals the community NetBox's `snmp_community` custom field names before it writes the
meter row; only the poller unseals it, when it builds a request. AES-GCM under a key derived from
the master key (HKDF, colo/crypto.py), the meter's id as associated data: a ciphertext copied to
another meter's row does not decrypt. "" stays "" (no community of its own: Colo's setting).
"""

from __future__ import annotations

from uuid import UUID

from cryptography.exceptions import InvalidTag

from colo.crypto import aead_decrypt, aead_encrypt, b64decode, b64encode, hkdf_derive

INFO = b"colo/metering/snmp-community/v1"


class CommunityUnreadable(RuntimeError):
    """The stored community does not decrypt (another master key, or a row edited by hand).
    The next discovery seals it again under the current key."""


def community_key(master_key: bytes) -> bytes:
    return hkdf_derive(master_key, info=INFO)


def seal(key: bytes, meter_id: UUID, community: str) -> str:
    if not community:
        return ""
    return b64encode(aead_encrypt(key, community.encode(), associated_data=meter_id.bytes))


def unseal(key: bytes, meter_id: UUID, sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return aead_decrypt(key, b64decode(sealed), associated_data=meter_id.bytes).decode()
    except (InvalidTag, ValueError):
        raise CommunityUnreadable("the PDU's stored SNMP community does not decrypt") from None
