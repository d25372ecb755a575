"""Checkpoint signing and verifier keys, from the keys Colo runs with (colo.secretstore)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.note import Checkpoint, VerifierKey, sign_checkpoint, verifier_key
from colo.secretstore import Keys


@dataclass(frozen=True, slots=True)
class LogSigner:
    """Signs checkpoints of the log named `origin` with one Ed25519 key (the newest configured)."""

    origin: str
    key_id: str
    private: Ed25519PrivateKey

    def sign(self, size: int, root: bytes) -> str:
        return sign_checkpoint(Checkpoint(self.origin, size, root), name=self.origin, key=self.private)


def log_signer(keys: Keys, origin: str) -> LogSigner:
    current = keys.current_signing_key
    return LogSigner(origin=origin, key_id=current.key_id, private=current.private)


def verifier_keys(keys: Keys, origin: str) -> list[tuple[str, VerifierKey]]:
    """(key id, verifier key) for every configured key: rotated-out keys still verify old checkpoints."""
    return [(k.key_id, verifier_key(origin, k.private)) for k in keys.signing_keys]
