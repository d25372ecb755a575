"""The API key format `colo_<key id>_<secret><checksum>` and its digest. Pure functions.

- key id: the key row's UUID as 32 hex digits, so the row is found by primary key;
- secret: 32 base62 characters (~190 bits), so a fast HMAC is enough — no slow KDF needed;
- checksum: CRC32 of everything before it, 6 base62 characters, so secret scanners (and Colo
  itself) can tell a real key from a random string without asking the database.
"""

from __future__ import annotations

import re
import secrets
import zlib
from dataclasses import dataclass
from uuid import UUID

from colo.crypto import constant_time_equal, hmac_sha256

PREFIX = "colo_"
SECRET_LENGTH = 32
CHECKSUM_LENGTH = 6
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_PATTERN = re.compile(
    rf"^colo_([0-9a-f]{{32}})_([0-9A-Za-z]{{{SECRET_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})$"
)
# What a secret scanner would search for in leaked text.
SCANNER_PATTERN = r"\bcolo_[0-9a-f]{32}_[0-9A-Za-z]{38}\b"


class MalformedKey(ValueError):
    """The text is not a Colo API key (wrong shape or checksum)."""


@dataclass(frozen=True, slots=True)
class ParsedKey:
    key_id: UUID
    secret: str


def base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits))


def checksum(body: str) -> str:
    return base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def random_secret(length: int = SECRET_LENGTH) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def format_key(key_id: UUID, secret: str) -> str:
    body = f"{PREFIX}{key_id.hex}_{secret}"
    return body + checksum(body)


def parse_key(text: str) -> ParsedKey:
    match = KEY_PATTERN.match(text)
    if match is None:
        raise MalformedKey("not a Colo API key")
    key_hex, secret, check = match.groups()
    body = f"{PREFIX}{key_hex}_{secret}"
    if not constant_time_equal(checksum(body).encode(), check.encode()):
        raise MalformedKey("checksum mismatch")
    return ParsedKey(key_id=UUID(hex=key_hex), secret=secret)


def key_digest(pepper: bytes, key_id: UUID, secret: str) -> str:
    """HMAC-SHA256(pepper, key id ‖ secret): binding the id stops digests being swapped between rows."""
    return hmac_sha256(pepper, key_id.bytes + secret.encode("ascii")).hex()


def digest_matches(pepper: bytes, key_id: UUID, secret: str, stored_hex: str) -> bool:
    return constant_time_equal(key_digest(pepper, key_id, secret).encode(), stored_hex.encode())
