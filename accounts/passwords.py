"""Password rules and hashing: Argon2id (argon2-cffi), and the reasons a password is refused.

A password is refused when it is shorter than MIN_LENGTH characters, longer than MAX_LENGTH,
one of the 20,000 most common (breached) passwords (accounts/data/README.md says where the list
comes from), or made of the account's e-mail address. NIST SP 800-63B asks for exactly such a
blocklist instead of composition rules; a second factor is required for everyone anyway.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import weakref
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from colo.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 256  # Argon2 would take more, but a bound keeps hashing time bounded
# argon2-cffi's defaults are RFC 9106's second recommended profile (Argon2id, t=3, m=64 MiB, p=4).
_HASHER = PasswordHasher()
# Hashing takes ~0.1-0.6 s of CPU and 64 MiB: it runs in a worker thread (never on the event loop),
# at most this many at once per event loop, so a flood of sign-ins queues instead of exhausting
# memory and the thread pool.
MAX_CONCURRENT_HASHES = 2
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@functools.cache
def common_passwords() -> frozenset[str]:
    """The blocklist, read on first use (never at import)."""
    data = resources.files("accounts").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode().splitlines() if line.strip())


def refusal(password: str, *, email: str = "") -> str | None:
    """Why `password` may not be used (a short English reason code), or None when it may."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip("0123456789!.?") in common_passwords():
        return "too_common"
    local = email.lower().partition("@")[0]
    if local and len(local) >= 4 and local in lowered:
        return "contains_email"
    return None


def check_new_password(password: str, *, email: str = "") -> None:
    reason = refusal(password, email=email)
    if reason is not None:
        raise ValidationFailed("password", reason)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Constant-time check; False for a wrong password or an empty/garbled stored hash."""
    if not stored_hash:
        # Still spend the hashing time, so an unknown account answers as slowly as a known one.
        _HASHER.hash(password)
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def _slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(MAX_CONCURRENT_HASHES)
    return slot


async def hash_password_async(password: str) -> str:
    """hash_password in a worker thread, bounded (see MAX_CONCURRENT_HASHES)."""
    async with _slot():
        return await asyncio.to_thread(hash_password, password)


async def verify_password_async(stored_hash: str, password: str) -> bool:
    """verify_password in a worker thread, bounded (see MAX_CONCURRENT_HASHES)."""
    async with _slot():
        return await asyncio.to_thread(verify_password, stored_hash, password)
