"""The version-1 entry bytes, pinned: verifiers, exports and archives recompute these bytes and
their leaf hashes, so any change to how an entry is encoded (key order, escaping, time format,
clipping, nulls) must fail here first, however it came about — a library upgrade included."""

from __future__ import annotations

from audit.encoding import EntryDraft, encode_entry, entry_document, search_columns
from audit.merkle import leaf_hash

FULL = EntryDraft(
    time_us=1_795_000_000_123_456, kind="api", action="POST /v1/orders", outcome="denied", status=403,
    request_id="req-1", actor_key_id="5b286e46-dd2b-4b5d-a11d-4c0abfe5fd07", actor_person_id="p-7", tenant_id="t-9",
    role="tenant_member", objects={"z": "last", "a": "first|x", "ç": "Bak\u0131"}, source="192.0.2.7",
    user_agent='curl/8 "quoted"\n' + "u" * 300, detail="role tenant_member may not call create_order", pii="ciphertext",
)
FULL_BYTES = (
    b'{"action":"POST /v1/orders","actor":{"key_id":"5b286e46-dd2b-4b5d-a11d-4c0abfe5fd07","person_id":"p-7"},'
    b'"detail":"role tenant_member may not call create_order","index":41,"kind":"api",'
    b'"objects":{"a":"first|x","z":"last","\xc3\xa7":"Bak\xc4\xb1"},"outcome":"denied","pii":"ciphertext",'
    b'"request_id":"req-1","role":"tenant_member","source":"192.0.2.7","status":403,"tenant_id":"t-9",'
    b'"time":"2026-11-18T11:06:40.123456Z","user_agent":"curl/8 \\"quoted\\"\\n' + b"u" * 240 + b'","v":1}'
)
BARE = EntryDraft(time_us=0, kind="physical", action="door", outcome="recorded")
BARE_BYTES = (
    b'{"action":"door","actor":{"key_id":null,"person_id":null},"detail":null,"index":41,"kind":"physical",'
    b'"objects":{},"outcome":"recorded","pii":null,"request_id":null,"role":null,"source":null,"status":null,'
    b'"tenant_id":null,"time":"1970-01-01T00:00:00.000000Z","user_agent":null,"v":1}'
)


def test_a_full_entry_encodes_to_the_pinned_bytes_and_leaf_hash() -> None:
    body = encode_entry(41, FULL)
    assert body == FULL_BYTES
    assert leaf_hash(body).hex() == "9eb187c918f907334d2024349fcf33608b6e9b70d526646958360b2edacfaeb7"


def test_an_entry_with_nothing_known_encodes_every_key_as_null() -> None:
    body = encode_entry(41, BARE)
    assert body == BARE_BYTES
    assert leaf_hash(body).hex() == "3287a1423e8360eaa6115d0326e39fa623b0e8f240b63f36029fc514f4230b0a"


def test_the_search_columns_are_pinned_too() -> None:
    assert search_columns(entry_document(41, FULL)) == (
        "api", "req-1", "5b286e46-dd2b-4b5d-a11d-4c0abfe5fd07", "p-7", "t-9", "tenant_member", "POST /v1/orders",
        "|firstx|last|Bak\u0131|", "denied", 403, "192.0.2.7")
    assert search_columns(entry_document(41, BARE)) == (
        "physical", None, None, None, None, None, "door", "", "recorded", None, None)
