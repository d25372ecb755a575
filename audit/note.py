"""Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A checkpoint is the text

    <origin>\\n<tree size>\\n<base64 root hash>\\n
    \\n
    — <key name> <base64(key hash[4] ‖ Ed25519 signature)>\\n

signed over the body (the first three lines with their newlines). The key hash is
SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], so several keys may share the log's name
(rotation) and a verifier picks the right public key by hash. Verifier keys are published as
`vkey` strings: `<name>+<hex key hash>+<base64(0x01 ‖ public key)>`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from colo.crypto import b64decode, b64encode, ed25519_public_from_raw, ed25519_public_raw

ED25519_TYPE = b"\x01"
EM_DASH = "\u2014"
_SIGNATURE_LINE = re.compile(rf"^{EM_DASH} (\S+) ([A-Za-z0-9+/=]+)$")
_NAME = re.compile(r"^[^\s+]+$")


class NoteError(ValueError):
    """A checkpoint is malformed or carries no valid signature from a known key."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> bytes:
        return f"{self.origin}\n{self.size}\n{b64encode(self.root)}\n".encode()


@dataclass(frozen=True, slots=True)
class VerifierKey:
    name: str
    key_hash: bytes
    public: Ed25519PublicKey

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_hash.hex()}+{b64encode(ED25519_TYPE + ed25519_public_raw(self.public))}"

    @classmethod
    def parse(cls, vkey: str) -> VerifierKey:
        try:
            name, hash_hex, key_b64 = vkey.strip().split("+", 2)
            raw = b64decode(key_b64)
            key_hash = bytes.fromhex(hash_hex)
        except ValueError:
            raise NoteError("a verifier key is `name+hexhash+base64key`") from None
        if raw[:1] != ED25519_TYPE or len(raw) != 33 or len(key_hash) != 4:
            raise NoteError("only Ed25519 verifier keys are supported")
        public = ed25519_public_from_raw(raw[1:])
        if key_hash_of(name, public) != key_hash:
            raise NoteError("the verifier key's hash does not match its name and key")
        return cls(name=name, key_hash=key_hash, public=public)


def key_hash_of(name: str, public: Ed25519PublicKey) -> bytes:
    material = name.encode() + b"\n" + ED25519_TYPE + ed25519_public_raw(public)
    return hashlib.sha256(material).digest()[:4]


def verifier_key(name: str, key: Ed25519PrivateKey | Ed25519PublicKey) -> VerifierKey:
    if not _NAME.match(name):
        raise NoteError("a key name has no spaces or plus signs")
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return VerifierKey(name=name, key_hash=key_hash_of(name, public), public=public)


def sign_checkpoint(checkpoint: Checkpoint, *, name: str, key: Ed25519PrivateKey) -> str:
    body = checkpoint.body()
    signature = key.sign(body)
    stamp = b64encode(key_hash_of(name, key.public_key()) + signature)
    return f"{body.decode()}\n{EM_DASH} {name} {stamp}\n"


def parse_checkpoint(text: str) -> tuple[Checkpoint, list[tuple[str, bytes, bytes]]]:
    """Split a note into its checkpoint and (name, key hash, signature) lines; no verification."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise NoteError("a signed note has a blank line between body and signatures")
    lines = body.split("\n")
    if len(lines) < 3 or not lines[1].isdigit():
        raise NoteError("a checkpoint body is origin, tree size and root hash")
    try:
        root = b64decode(lines[2])
    except ValueError:
        raise NoteError("the checkpoint root hash is not base64") from None
    if len(root) != 32:
        raise NoteError("the checkpoint root hash is not 32 bytes")
    if not signatures.strip():
        raise NoteError("the checkpoint carries no signature")
    parsed = []
    for line in signatures.rstrip("\n").split("\n"):
        match = _SIGNATURE_LINE.match(line)
        if not match:
            raise NoteError(f"malformed signature line {line[:60]!r}")
        blob = b64decode(match.group(2))
        if len(blob) < 5:
            raise NoteError("a signature line is too short")
        parsed.append((match.group(1), blob[:4], blob[4:]))
    return Checkpoint(origin=lines[0], size=int(lines[1]), root=root), parsed


def verify_checkpoint(text: str, keys: list[VerifierKey], *, origin: str | None = None) -> Checkpoint:
    """The checkpoint, when at least one signature is valid under a known key; else NoteError."""
    checkpoint, signatures = parse_checkpoint(text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    body = text.partition("\n\n")[0].encode() + b"\n"
    for name, key_hash, signature in signatures:
        for key in keys:
            if key.name == name and key.key_hash == key_hash:
                try:
                    key.public.verify(signature, body)
                except InvalidSignature:
                    raise NoteError(f"bad signature by key {name}+{key_hash.hex()}") from None
                return checkpoint
    signers = ", ".join(f"{name}+{key_hash.hex()}" for name, key_hash, _ in signatures)
    raise NoteError(f"no signature from a known key: signed by {signers}")
