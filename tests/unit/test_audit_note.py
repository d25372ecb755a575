"""C2SP signed-note checkpoints, verifier keys with rotation, and the canonical entry encoding."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from audit.encoding import EntryDraft, decode_entry, encode_entry, format_time, parse_time
from audit.keys import log_signer, verifier_keys
from audit.note import Checkpoint, NoteError, VerifierKey, parse_checkpoint, sign_checkpoint, verify_checkpoint
from colo.crypto import b64decode, b64encode, ed25519_from_seed
from colo.secretstore import Keys, SigningKey

ORIGIN = "colo.example/access-log"
ROOT = hashlib.sha256(b"root").digest()


def keys_with(*seeds: bytes) -> Keys:
    return Keys(api_key_peppers={1: b"x" * 16}, master_key=b"m" * 32,
                signing_keys=tuple(SigningKey(f"k{i}", ed25519_from_seed(s)) for i, s in enumerate(seeds, 1)))


def test_checkpoint_has_the_c2sp_shape_and_verifies() -> None:
    key = ed25519_from_seed(b"\x01" * 32)
    note = sign_checkpoint(Checkpoint(ORIGIN, 42, ROOT), name=ORIGIN, key=key)
    body, signature = note.split("\n\n")
    assert body.split("\n") == [ORIGIN, "42", b64encode(ROOT)]
    assert signature.startswith(f"\u2014 {ORIGIN} ") and signature.endswith("\n")
    blob = b64decode(signature.split(" ")[2].strip())
    assert len(blob) == 4 + 64  # key hash ‖ Ed25519 signature
    vkey = VerifierKey.parse(verifier_keys(keys_with(b"\x01" * 32), ORIGIN)[0][1].vkey)
    assert blob[:4] == vkey.key_hash
    checkpoint = verify_checkpoint(note, [vkey], origin=ORIGIN)
    assert (checkpoint.size, checkpoint.root) == (42, ROOT)


def test_changed_body_wrong_origin_or_unknown_key_is_refused() -> None:
    keys = keys_with(b"\x01" * 32)
    note = log_signer(keys, ORIGIN).sign(7, ROOT)
    verifiers = [k for _, k in verifier_keys(keys, ORIGIN)]
    with pytest.raises(NoteError, match="bad signature"):
        verify_checkpoint(note.replace("\n7\n", "\n8\n"), verifiers)
    with pytest.raises(NoteError, match="origin"):
        verify_checkpoint(note, verifiers, origin="another/log")
    strangers = [k for _, k in verifier_keys(keys_with(b"\x02" * 32), ORIGIN)]
    with pytest.raises(NoteError, match="no signature from a known key"):
        verify_checkpoint(note, strangers)
    with pytest.raises(NoteError):
        parse_checkpoint("no blank line here")


def test_rotation_signs_with_the_newest_key_and_old_checkpoints_still_verify() -> None:
    before = keys_with(b"\x01" * 32)
    old_note = log_signer(before, ORIGIN).sign(10, ROOT)
    after = keys_with(b"\x01" * 32, b"\x02" * 32)
    signer = log_signer(after, ORIGIN)
    assert signer.key_id == "k2"
    new_note = signer.sign(11, ROOT)
    verifiers = [k for _, k in verifier_keys(after, ORIGIN)]
    assert verify_checkpoint(old_note, verifiers).size == 10
    assert verify_checkpoint(new_note, verifiers).size == 11
    only_old = [k for _, k in verifier_keys(before, ORIGIN)]
    with pytest.raises(NoteError):
        verify_checkpoint(new_note, only_old)


def test_vkey_round_trips_and_a_wrong_hash_is_refused() -> None:
    vkey = verifier_keys(keys_with(b"\x03" * 32), ORIGIN)[0][1].vkey
    assert VerifierKey.parse(vkey).vkey == vkey
    name, _key_hash, key = vkey.split("+", 2)
    with pytest.raises(NoteError, match="hash"):
        VerifierKey.parse(f"{name}+{'0' * 8}+{key}")


def test_entry_encoding_is_canonical_and_bounded() -> None:
    draft = EntryDraft(time_us=1_700_000_000_123_456, kind="api", action="GET /v1/x/{id}", outcome="allowed",
                       status=200, objects={"id": "42"}, user_agent="u" * 1000, tenant_id=None)
    encoded = encode_entry(5, draft)
    assert encoded == encode_entry(5, draft)
    assert encoded.startswith(b'{"action":"GET /v1/x/{id}","actor":{"key_id":null,"person_id":null}')
    assert b" " not in encoded.replace(b"GET /v1", b"")
    document = decode_entry(encoded)
    assert list(document) == sorted(document)
    assert document["index"] == 5 and document["time"] == "2023-11-14T22:13:20.123456Z"
    assert len(document["user_agent"]) == 256
    assert parse_time(format_time(draft.time_us)) == draft.time_us
    with pytest.raises(ValueError):
        EntryDraft(time_us=0, kind="api", action="x", outcome="maybe")


@pytest.mark.parametrize("time_us", [0, 999_999, 1_000_000, 951_782_399_999_999, 951_782_400_000_000,
                                     1_700_000_000_000_000, 1_700_000_000_999_999, 4_102_444_799_999_999])
def test_entry_time_is_rfc3339_utc_with_microseconds_at_every_edge(time_us: int) -> None:
    expected = datetime.fromtimestamp(time_us // 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{time_us % 1_000_000:06d}Z"
    assert format_time(time_us) == expected
    assert parse_time(format_time(time_us)) == time_us


def test_search_columns_recomputed_from_the_bytes_match_what_the_appender_stores() -> None:
    from audit.appender import _entry_row
    from audit.verify import _columns_disagree, _searchable

    draft = EntryDraft(time_us=1_700_000_000_000_001, kind="api", action="GET /v1/t/{tenant_id}/racks/{rack_id}",
                       outcome="allowed", status=200, objects={"tenant_id": "t-1", "rack_id": "7"},
                       source="198.51.100.4", request_id="r" * 300, tenant_id="t-1", actor_key_id="k")
    row, _body = _entry_row(3, draft)
    assert row[9] == "|7|t-1|"  # object ids in key order, as in the bytes
    entry = _searchable.decode(row[-1])
    assert not _columns_disagree(row, entry)
    hidden = (*row[:6], "another-tenant", *row[7:])
    assert _columns_disagree(hidden, entry)
    assert _columns_disagree((row[0], row[1] + 1, *row[2:]), entry)


def test_the_entry_shape_is_declared_once() -> None:
    """The bytes, the API's EntryRead and the verifier's decoders all use audit.encoding.Entry."""
    import msgspec

    from audit.encoding import Entry, SearchedFields
    from audit.schemas import EntryRead

    def shape(struct: type) -> dict[str, object]:
        return {f.name: f.type for f in msgspec.structs.fields(struct)}

    encoded = decode_entry(encode_entry(0, EntryDraft(kind="api", action="a", outcome="allowed")))
    assert sorted(encoded) == sorted(shape(Entry))
    assert issubclass(EntryRead, Entry) and shape(EntryRead) == shape(Entry)
    searched = shape(SearchedFields)
    assert searched == {name: kind for name, kind in shape(Entry).items() if name in searched}
    assert set(shape(Entry)) - set(searched) == {"v", "user_agent", "detail", "pii"}
