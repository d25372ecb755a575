"""The keys Colo runs with: from settings, or (dev/test only) generated once into files.

A production install must configure every key; a dev install generates what is missing into
COLO_SECRETS_DIR with mode 0600 and says so once, so a fresh clone runs with zero set-up.
Verifiers read keys with `existing_signing_keys`, which never generates one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from colo.crypto import b64decode, b64encode, ed25519_from_seed, random_seed
from colo.logging import get_logger
from colo.settings import Settings, SettingsError

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class Keys:
    api_key_peppers: dict[int, bytes]
    master_key: bytes
    signing_keys: tuple[SigningKey, ...]  # newest last; older ones still verify
    webhook_secret: bytes = field(repr=False, default=b"")

    @property
    def current_pepper_id(self) -> int:
        return max(self.api_key_peppers)

    @property
    def current_signing_key(self) -> SigningKey:
        return self.signing_keys[-1]


def _pairs(name: str, value: str) -> list[tuple[str, str]]:
    pairs = []
    for part in value.split(","):
        key_id, sep, secret = part.strip().partition(":")
        if not sep or not key_id or not secret:
            raise SettingsError(f"{name} is invalid: expected `id:secret` pairs separated by commas")
        pairs.append((key_id, secret))
    return pairs


def _dev_value(settings: Settings, filename: str, make: Callable[[], str]) -> str:
    if settings.is_production:  # load_settings already refuses this; belt and braces
        raise SettingsError(f"{filename} must be configured in production")
    directory = Path(settings.secrets_dir)
    path = directory / filename
    if path.exists():
        return path.read_text().strip()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    log.warning("generated a development key; configure it explicitly in production", path=str(path))
    return value


def load_keys(settings: Settings) -> Keys:
    peppers_text = settings.api_key_peppers or _dev_value(
        settings, "api_key_peppers", lambda: f"1:{b64encode(random_seed())}"
    )
    peppers = {}
    for key_id, secret in _pairs("COLO_API_KEY_PEPPERS", peppers_text):
        if not key_id.isdigit() or len(secret) < 16:
            raise SettingsError("COLO_API_KEY_PEPPERS is invalid: expected numeric ids and secrets of ≥16 chars")
        peppers[int(key_id)] = secret.encode()
    master_text = settings.master_key or _dev_value(settings, "master_key", lambda: b64encode(random_seed()))
    try:
        master = b64decode(master_text)
    except ValueError:
        raise SettingsError("COLO_MASTER_KEY is invalid: expected base64 of 32 bytes") from None
    if len(master) != 32:
        raise SettingsError("COLO_MASTER_KEY is invalid: expected base64 of 32 bytes")
    signing = _signing_keys(settings.audit_signing_key or _dev_value(
        settings, "audit_signing_key", lambda: f"k1:{b64encode(random_seed())}"
    ))
    webhook = settings.webhook_secret or _dev_value(settings, "webhook_secret", lambda: b64encode(random_seed()))
    return Keys(
        api_key_peppers=peppers, master_key=master,
        signing_keys=signing, webhook_secret=webhook.encode(),
    )


def _signing_keys(text: str) -> tuple[SigningKey, ...]:
    signing = []
    for key_id, seed_text in _pairs("COLO_AUDIT_SIGNING_KEY", text):
        try:
            seed = b64decode(seed_text)
            signing.append(SigningKey(key_id=key_id, private=ed25519_from_seed(seed)))
        except ValueError:
            raise SettingsError(
                "COLO_AUDIT_SIGNING_KEY is invalid: expected base64 32-byte Ed25519 seeds"
            ) from None
    return tuple(signing)


def existing_signing_keys(settings: Settings) -> tuple[SigningKey, ...]:
    """The signing keys this process is configured with — COLO_AUDIT_SIGNING_KEY, or the dev key
    file when one already exists — and () when there are none. Never generates a key: a verifier
    that made up a key would report every genuine checkpoint and LOA as forged."""
    if settings.audit_signing_key:
        return _signing_keys(settings.audit_signing_key)
    path = Path(settings.secrets_dir) / "audit_signing_key"
    if settings.is_production or not path.is_file():
        return ()
    return _signing_keys(path.read_text().strip())


def loa_signing_pem(settings: Settings, *, make: Callable[[], str]) -> str:
    """The facility's LOA countersigning key and certificate (COLO_LOA_SIGNING_KEY: PEM text or a
    file's path), or (dev/test) the PEM `make` generates once into the secrets directory."""
    return settings.loa_signing_key or _dev_value(settings, "loa_signing.pem", make)


def existing_loa_signing_pem(settings: Settings) -> str:
    """COLO_LOA_SIGNING_KEY or the dev file when it exists, else ""; never generates (verifiers)."""
    if settings.loa_signing_key:
        return settings.loa_signing_key
    path = Path(settings.secrets_dir) / "loa_signing.pem"
    if settings.is_production or not path.is_file():
        return ""
    return path.read_text().strip()
