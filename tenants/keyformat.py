"""The API key format `colo_<key id>_<secret><checksum>` and its digest. Pure functions.

- key id: the key row's UUID as 32 hex digits, so the row is found by primary key;
- secret: 32 base62 characters (~190 bits), so a fast HMAC is enough — no slow KDF needed;
- checksum: CRC32 of everything before it, 6 base62 characters, so secret scanners (and Colo
  itself) can tell a real key from a random string without asking the database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from typing import NamedTuple
from uuid import UUID

PREFIX = "colo_"
SECRET_LENGTH = 32
CHECKSUM_LENGTH = 6
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_PATTERN = re.compile(
    rf"^colo_([0-9a-f]{{32}})_([0-9A-Za-z]{{{SECRET_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})$"
)
_DIGIT_VALUES = {char: value for value, char in enumerate(BASE62)}
# What a secret scanner would search for in leaked text.
SCANNER_PATTERN = r"\bcolo_[0-9a-f]{32}_[0-9A-Za-z]{38}\b"


class MalformedKey(ValueError):
    """The text is not a Colo API key (wrong shape or checksum)."""


class ParsedKey(NamedTuple):
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


def _base62_value(text: str) -> int:
    value = 0
    for char in text:
        value = value * 62 + _DIGIT_VALUES[char]
    return value


def parse_key(text: str) -> ParsedKey:
    """Every request parses one, so it is written for speed (measured: paired runs, BENCHMARKS.md):
    the checksum is compared as a number, not re-encoded (same verdict, 62**6 > 2**32), and a
    plain comparison is enough, because anyone can compute a checksum from the rest of the key."""
    match = KEY_PATTERN.match(text)
    if match is None:
        raise MalformedKey("not a Colo API key")
    key_hex, secret, check = match.groups()
    if _base62_value(check) != zlib.crc32(text[: match.start(3)].encode("ascii")):
        raise MalformedKey("checksum mismatch")
    return ParsedKey(UUID(int=int(key_hex, 16)), secret)


class KeyDigester:
    """HMAC-SHA256(pepper, key id ‖ secret): binding the id stops digests being swapped between rows.

    Keyed once per pepper: each digest copies the keyed state instead of keying HMAC again."""

    __slots__ = ("_keyed",)

    def __init__(self, pepper: bytes) -> None:
        self._keyed = hmac.new(pepper, digestmod=hashlib.sha256)

    def digest(self, key_id: UUID, secret: str) -> str:
        mac = self._keyed.copy()
        mac.update(key_id.bytes + secret.encode("ascii"))
        return mac.hexdigest()

    def matches(self, key_id: UUID, secret: str, stored_hex: str) -> bool:
        return hmac.compare_digest(self.digest(key_id, secret), stored_hex)


def key_digest(pepper: bytes, key_id: UUID, secret: str) -> str:
    return KeyDigester(pepper).digest(key_id, secret)

