"""Witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) on checkpoints.

A witness signs, with its own Ed25519 key,

    cosignature/v1\\n
    time <unix seconds>\\n
    <the checkpoint body: origin, size, root hash lines>

and the cosignature is one more signature line on the checkpoint's note:
`— <witness name> base64(key hash[4] ‖ timestamp uint64 big-endian ‖ signature[64])`. The key
hash is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4] (0x04: the cosignature/v1 type, so a
witness key can never be mistaken for a log key), its verifier key `name+hexhash+base64(0x04 ‖
key)`. The private key file a witness keeps is `PRIVATE+KEY+<name>+<hexhash>+base64(0x04 ‖ seed)`
(the form Go's golang.org/x/mod/sumdb/note writes).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.note import EM_DASH, NoteError
from colo.crypto import b64decode, b64encode, ed25519_from_seed, ed25519_public_from_raw, ed25519_public_raw

COSIGNATURE_TYPE = b"\x04"
_LINE = re.compile(rf"^{EM_DASH} (\S+) ([A-Za-z0-9+/=]+)$")


def witness_key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_TYPE + ed25519_public_raw(public)).digest()[:4]


@dataclass(frozen=True, slots=True)
class WitnessKey:
    """A witness's public key, as a log or verifier configures it."""

    name: str
    key_hash: bytes
    public: Ed25519PublicKey

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_hash.hex()}+{b64encode(COSIGNATURE_TYPE + ed25519_public_raw(self.public))}"

    @classmethod
    def parse(cls, vkey: str) -> WitnessKey:
        try:
            name, hash_hex, key_b64 = vkey.strip().split("+", 2)
            raw = b64decode(key_b64)
            key_hash = bytes.fromhex(hash_hex)
        except ValueError:
            raise NoteError("a witness key is `name+hexhash+base64key`") from None
        if raw[:1] != COSIGNATURE_TYPE or len(raw) != 33:
            raise NoteError("a witness key is a cosignature/v1 (type 0x04) Ed25519 key")
        public = ed25519_public_from_raw(raw[1:])
        if witness_key_hash(name, public) != key_hash:
            raise NoteError("the witness key's hash does not match its name and key")
        return cls(name=name, key_hash=key_hash, public=public)


@dataclass(frozen=True, slots=True)
class WitnessSigner:
    name: str
    private: Ed25519PrivateKey

    @property
    def key(self) -> WitnessKey:
        public = self.private.public_key()
        return WitnessKey(self.name, witness_key_hash(self.name, public), public)

    def private_text(self) -> str:
        seed = self.private.private_bytes_raw()
        return f"PRIVATE+KEY+{self.name}+{self.key.key_hash.hex()}+{b64encode(COSIGNATURE_TYPE + seed)}"

    @classmethod
    def parse(cls, text: str) -> WitnessSigner:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a witness private key is `PRIVATE+KEY+name+hexhash+base64key`")
        raw = b64decode(parts[4])
        if raw[:1] != COSIGNATURE_TYPE or len(raw) != 33:
            raise NoteError("a witness private key is a cosignature/v1 (type 0x04) Ed25519 seed")
        signer = cls(parts[2], ed25519_from_seed(raw[1:]))
        if signer.key.key_hash.hex() != parts[3]:
            raise NoteError("the witness private key's hash does not match its name and key")
        return signer

    def cosign(self, body: bytes, timestamp: int) -> str:
        """The cosignature line (with its newline) over a checkpoint body."""
        signature = self.private.sign(cosigned_message(body, timestamp))
        blob = self.key.key_hash + timestamp.to_bytes(8, "big") + signature
        return f"{EM_DASH} {self.name} {b64encode(blob)}\n"


def cosigned_message(body: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body


def note_body(note: str) -> bytes:
    """The signed part of a note: its text up to and including the last line before the blank line."""
    body, sep, _ = note.partition("\n\n")
    if not sep:
        raise NoteError("a signed note has a blank line between body and signatures")
    return body.encode() + b"\n"


def cosigners(note: str, witnesses: list[WitnessKey]) -> dict[str, int]:
    """{witness vkey: timestamp} of every witness in `witnesses` whose cosignature on `note` is
    valid. Lines of other keys are ignored; a line that names a known witness but does not verify
    counts for nothing (it is not an error: a verifier asks for k valid ones)."""
    body = note_body(note)
    found: dict[str, int] = {}
    for line in note.partition("\n\n")[2].splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        try:
            blob = b64decode(match.group(2))
        except ValueError:
            continue
        if len(blob) != 4 + 8 + 64:
            continue
        for witness in witnesses:
            if witness.name == match.group(1) and witness.key_hash == blob[:4]:
                timestamp = int.from_bytes(blob[4:12], "big")
                try:
                    witness.public.verify(blob[12:], cosigned_message(body, timestamp))
                except InvalidSignature:
                    continue
                found[witness.vkey] = timestamp
    return found


def require_cosignatures(note: str, witnesses: list[WitnessKey], required: int) -> list[str]:
    """The names of the witnesses that validly cosigned, when at least `required` did; NoteError
    saying how many did otherwise."""
    valid = cosigners(note, witnesses)
    if len(valid) < required:
        raise NoteError(f"the checkpoint carries {len(valid)} valid witness cosignature(s) of the "
                        f"{required} required (witnesses: {', '.join(w.name for w in witnesses) or 'none'})")
    return sorted(WitnessKey.parse(vkey).name for vkey in valid)
