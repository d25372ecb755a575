"""LOA-CFA signing and offline verification: good, tampered, foreign key, expired, not yet valid."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from colo.crypto import b64decode, ed25519_from_seed, ed25519_public_from_raw
from colo.secretstore import SigningKey
from dcim.orders.loa import LoaInvalid, format_time, public_keys, render_text, sign, verify

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _key(seed_byte: int, key_id: str = "k1") -> SigningKey:
    return SigningKey(key_id=key_id, private=ed25519_from_seed(bytes([seed_byte]) * 32))


def _document(**overrides: object) -> dict:
    doc = {
        "loa_id": "0b7c…", "order_id": "5f1e…", "facility": "Colo Regional DC 1",
        "issued_at": format_time(NOW - timedelta(hours=1)),
        "expires_at": format_time(NOW + timedelta(days=30)),
        "a_side": {"party": "Acme Telecom", "port": {"id": 11, "device": "acme-pp1", "name": "F1"}},
        "z_side": {"party": "Globex Carrier", "port": {"id": 22, "device": "globex-pp1", "name": "F7"}},
        "media": "smf", "speed": "10G", "granted_by": "globex-admin",
    }
    doc.update(overrides)
    return doc


def _trusted(*keys: SigningKey) -> dict:
    return {k.key_id: k.private.public_key() for k in keys}


def test_a_signed_loa_verifies_with_the_facility_key() -> None:
    key = _key(1)
    signed = sign(_document(), key)
    verified = verify(signed, trusted=_trusted(key), now=NOW)
    assert verified.key_id == "k1"
    assert verified.document["z_side"]["port"]["id"] == 22
    assert verified.expires_at == NOW + timedelta(days=30)


def test_changing_any_field_breaks_the_signature() -> None:
    key = _key(1)
    signed = sign(_document(), key)
    tampered = copy.deepcopy(signed)
    tampered["document"]["z_side"]["port"]["id"] = 23
    with pytest.raises(LoaInvalid, match="signature does not match"):
        verify(tampered, trusted=_trusted(key), now=NOW)


def test_extending_the_expiry_is_tampering() -> None:
    key = _key(1)
    signed = sign(_document(), key)
    signed["document"]["expires_at"] = format_time(NOW + timedelta(days=3650))
    with pytest.raises(LoaInvalid, match="altered"):
        verify(signed, trusted=_trusted(key), now=NOW)


def test_a_document_signed_by_someone_else_fails_even_with_the_same_key_id() -> None:
    forger, facility = _key(9), _key(1)
    forged = sign(_document(), forger)
    with pytest.raises(LoaInvalid, match="signature does not match"):
        verify(forged, trusted=_trusted(facility), now=NOW)


def test_unknown_key_id_is_named() -> None:
    signed = sign(_document(), _key(1, key_id="k7"))
    with pytest.raises(LoaInvalid, match="'k7', which is not one of this facility's keys"):
        verify(signed, trusted=_trusted(_key(1)), now=NOW)


def test_expired_loa_fails_with_its_expiry_time() -> None:
    key = _key(1)
    signed = sign(_document(expires_at=format_time(NOW - timedelta(minutes=1))), key)
    with pytest.raises(LoaInvalid, match="expired at 2026-11-22T11:59:00Z"):
        verify(signed, trusted=_trusted(key), now=NOW)


def test_not_yet_valid_loa_fails() -> None:
    key = _key(1)
    signed = sign(_document(issued_at=format_time(NOW + timedelta(days=1))), key)
    with pytest.raises(LoaInvalid, match="not valid before"):
        verify(signed, trusted=_trusted(key), now=NOW)


def test_garbage_is_refused_with_a_reason() -> None:
    key = _key(1)
    for bad, reason in [
        ({}, "not an LOA-CFA file"),
        ([1, 2], "not an LOA-CFA file"),
        ({"format": "colo-loa-cfa/1"}, "lacks its document"),
        ({"format": "colo-loa-cfa/1", "document": {}, "key_id": "k1", "signature": "!!"}, "base64"),
    ]:
        with pytest.raises(LoaInvalid, match=reason):
            verify(bad, trusted=_trusted(key), now=NOW)


def test_signing_refuses_an_incomplete_document() -> None:
    doc = _document()
    del doc["expires_at"]
    with pytest.raises(ValueError, match="expires_at"):
        sign(doc, _key(1))


def test_rotated_keys_still_verify_old_loas() -> None:
    old, new = _key(1, "k1"), _key(2, "k2")
    signed = sign(_document(), old)
    assert verify(signed, trusted=_trusted(old, new), now=NOW).key_id == "k1"


def test_public_keys_export_round_trips() -> None:
    from colo.secretstore import Keys

    key = _key(3, "k3")
    keys = Keys(api_key_peppers={1: b"x" * 16}, master_key=b"m" * 32, signing_keys=(key,))
    exported = public_keys(keys)
    trusted = {kid: ed25519_public_from_raw(b64decode(raw)) for kid, raw in exported.items()}
    assert verify(sign(_document(), key), trusted=trusted, now=NOW).key_id == "k3"


def test_printable_rendering_names_parties_ports_facility_and_times() -> None:
    text = render_text(sign(_document(), _key(1)))
    for expected in ("LOA-CFA", "Colo Regional DC 1", "Acme Telecom", "Globex Carrier", "acme-pp1",
                     "F7", "2026-12-22T12:00:00Z", "Ed25519, key k1"):
        assert expected in text
