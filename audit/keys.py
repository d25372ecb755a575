"""Checkpoint signing and verifier keys, from the keys Colo runs with (colo.secretstore), and the
verifier keys a facility publishes (`colo audit keys`, GET /v1/access-log/keys) read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.note import Checkpoint, NoteError, VerifierKey, sign_checkpoint, verifier_key
from colo.secretstore import Keys, existing_signing_keys
from colo.settings import Settings


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


def configured_verifier_keys(settings: Settings) -> list[VerifierKey]:
    """The public halves of the signing keys this process is configured with; [] when it has
    none (never generated: a verifier with a made-up key would call every checkpoint forged)."""
    return [verifier_key(settings.audit_origin, k.private) for k in existing_signing_keys(settings)]


def parse_published_keys(published: Any) -> list[VerifierKey]:
    """Verifier keys from `colo audit keys` output (one vkey a line) or the answer of
    GET /v1/access-log/keys (the list envelope `{"items": [{"key_id", "vkey", "current"}, …]}`, or
    the bare JSON list it answered before), as text or decoded."""
    if isinstance(published, str):
        text = published.strip()
        if not text.startswith(("[", "{")):
            return [VerifierKey.parse(line) for line in text.splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
        try:
            published = json.loads(text)
        except json.JSONDecodeError:
            raise NoteError("expected vkey lines or the JSON list GET /v1/access-log/keys answers") from None
    if isinstance(published, dict) and "items" in published:
        published = published["items"]
    if not isinstance(published, list):
        raise NoteError("expected vkey lines or the JSON list GET /v1/access-log/keys answers")
    keys = []
    for item in published:
        vkey = item.get("vkey") if isinstance(item, dict) else item
        if not isinstance(vkey, str):
            raise NoteError("each published key needs a `vkey` string")
        keys.append(VerifierKey.parse(vkey))
    return keys
