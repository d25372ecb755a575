"""LOA-CFA documents: built, signed with the facility's Ed25519 key, rendered, verified offline.

The signed file is JSON: {"format", "document", "key_id", "signature"}. The signature covers
the canonical JSON of `document` (sorted keys, no spaces, UTF-8). Verification uses the
facility's public key supplied by the verifier, never a key carried inside the file, so a
forger cannot simply sign with a key of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from colo.crypto import b64decode, b64encode, ed25519_public_raw
from colo.secretstore import Keys, SigningKey

FORMAT = "colo-loa-cfa/1"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
REQUIRED_FIELDS = ("loa_id", "order_id", "facility", "issued_at", "expires_at", "a_side", "z_side")


class LoaInvalid(ValueError):
    """The LOA must not be honoured; `reason` says why in words a technician understands."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignedLoa(TypedDict):
    """The signed LOA-CFA file, a JSON object (what `LoaRead.signed` serves and technicians carry)."""

    format: str
    document: dict[str, Any]
    key_id: str
    signature: str


@dataclass(frozen=True, slots=True)
class VerifiedLoa:
    document: dict[str, Any]
    key_id: str
    expires_at: datetime


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def canonical(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(document: Mapping[str, Any], key: SigningKey) -> SignedLoa:
    """The signed LOA, ready to store, serve and hand to a technician."""
    missing = [name for name in REQUIRED_FIELDS if name not in document]
    if missing:
        raise ValueError(f"LOA document lacks {', '.join(missing)}")
    signature = key.private.sign(canonical(document))
    return {"format": FORMAT, "document": dict(document), "key_id": key.key_id,
            "signature": b64encode(signature)}


def public_keys(keys: Keys | Iterable[SigningKey]) -> dict[str, str]:
    """key id → base64 raw Ed25519 public key, for every signing key the facility still honours."""
    signing = keys.signing_keys if isinstance(keys, Keys) else keys
    return {k.key_id: b64encode(ed25519_public_raw(k.private)) for k in signing}


def _parts(signed: Any) -> tuple[dict[str, Any], str, str]:
    if not isinstance(signed, dict) or signed.get("format") != FORMAT:
        raise LoaInvalid(f"not an LOA-CFA file (expected format {FORMAT!r})")
    document, key_id, signature_text = signed.get("document"), signed.get("key_id"), signed.get("signature")
    if not isinstance(document, dict) or not isinstance(key_id, str) or not isinstance(signature_text, str):
        raise LoaInvalid("the file lacks its document, key id or signature")
    return document, key_id, signature_text


def claimed_signer(signed: Any) -> tuple[str, str]:
    """(key id, facility) the LOA says signed it: what a verifier without that key must ask for."""
    document, key_id, _ = _parts(signed)
    return key_id, str(document.get("facility") or "the issuing facility")


def verify(signed: Any, *, trusted: Mapping[str, Ed25519PublicKey], now: datetime | None = None) -> VerifiedLoa:
    """Check format, signature (against the facility's keys) and validity period, in that order."""
    document, key_id, signature_text = _parts(signed)
    public = trusted.get(key_id)
    if public is None:
        raise LoaInvalid(f"signed with key {key_id!r}, which is not one of this facility's keys")
    try:
        signature = b64decode(signature_text)
    except ValueError:
        raise LoaInvalid("the signature is not valid base64") from None
    try:
        public.verify(signature, canonical(document))
    except InvalidSignature:
        raise LoaInvalid("signature does not match: the document was altered or not issued by "
                         "this facility") from None
    try:
        issued, expires = parse_time(document["issued_at"]), parse_time(document["expires_at"])
    except (KeyError, TypeError, ValueError):
        raise LoaInvalid("issue or expiry time missing or malformed") from None
    moment = now or datetime.now(UTC)
    if moment < issued:
        raise LoaInvalid(f"not valid before {document['issued_at']}")
    if moment >= expires:
        raise LoaInvalid(f"expired at {document['expires_at']}")
    return VerifiedLoa(document=document, key_id=key_id, expires_at=expires)


def _side(label: str, side: Mapping[str, Any]) -> list[str]:
    port = side.get("port") or {}
    return [
        f"{label}",
        f"  Party:   {side.get('party', '')}",
        f"  Device:  {port.get('device', '')}",
        f"  Port:    {port.get('name', '')} (NetBox front port {port.get('id', '')})",
    ]


def render_text(signed: Mapping[str, Any]) -> str:
    """A printable rendering for the technician's clipboard; the JSON stays the authority."""
    doc = signed["document"]
    lines = [
        "LETTER OF AUTHORIZATION AND CONNECTING FACILITY ASSIGNMENT (LOA-CFA)",
        "",
        f"Facility:      {doc['facility']}",
        f"LOA:           {doc['loa_id']}",
        f"Order:         {doc['order_id']}",
        f"Issued:        {doc['issued_at']}",
        f"Expires:       {doc['expires_at']}",
        f"Media/speed:   {doc.get('media', '')} / {doc.get('speed', '')}",
        "",
        *_side("A side (requesting party)", doc["a_side"]),
        "",
        *_side("Z side (authorizing party)", doc["z_side"]),
        "",
        f"Authorized by: {doc.get('granted_by', '')}",
        "",
        "The Z-side party authorizes the facility to connect the A-side party to the port above.",
        f"Signature (Ed25519, key {signed['key_id']}):",
        f"  {signed['signature']}",
        "Verify: colo loa verify <this LOA's JSON file> --api <the facility's API URL>",
        "  (or --keys FILE holding GET /v1/loas/public-keys, saved from the facility's API)",
    ]
    return "\n".join(lines) + "\n"
