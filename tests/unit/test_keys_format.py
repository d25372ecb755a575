"""The API key format, checksum and digest (pure logic)."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import cast
from uuid import uuid4

import pytest
from litestar.exceptions import ValidationException
from litestar.types import Scope

from api.auth import authorization_of, client_address, is_trusted_proxy, presented_key
from tenants.keyformat import (
    SCANNER_PATTERN,
    KeyDigester,
    MalformedKey,
    format_key,
    key_digest,
    parse_key,
    random_secret,
)
from tenants.keys import _address_allowed


def test_round_trip_and_scanner_pattern() -> None:
    key_id, secret = uuid4(), random_secret()
    text = format_key(key_id, secret)
    assert text.startswith("colo_" + key_id.hex + "_")
    assert re.fullmatch(SCANNER_PATTERN, text)
    parsed = parse_key(text)
    assert parsed.key_id == key_id and parsed.secret == secret


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),       # checksum digit changed
    lambda t: t[:40] + ("x" if t[40] != "x" else "y") + t[41:],  # secret changed, checksum kept
    lambda t: t[:-6] + format_key(uuid4(), random_secret())[-6:],  # a real checksum, of another key
    lambda t: t.replace("colo_", "cola_"),
    lambda t: t + "A",
    lambda t: "",
])
def test_malformed_or_tampered_keys_are_refused(mangle) -> None:
    text = format_key(uuid4(), random_secret())
    with pytest.raises(MalformedKey):
        parse_key(mangle(text))


def test_digest_binds_pepper_key_id_and_secret() -> None:
    key_id, secret = uuid4(), random_secret()
    stored = key_digest(b"pepper-one-0123456789", key_id, secret)
    assert KeyDigester(b"pepper-one-0123456789").matches(key_id, secret, stored)
    assert not KeyDigester(b"pepper-two-0123456789").matches(key_id, secret, stored)
    assert not KeyDigester(b"pepper-one-0123456789").matches(uuid4(), secret, stored)
    assert not KeyDigester(b"pepper-one-0123456789").matches(key_id, random_secret(), stored)


def test_a_reused_digester_gives_the_stored_digests_of_plain_hmac() -> None:
    """Keys issued before the keyed state was reused must keep verifying: the same bytes as a
    one-shot HMAC-SHA256, however many digests one digester has made before."""
    pepper = b"pepper-one-0123456789"
    digester = KeyDigester(pepper)
    for _ in range(3):
        key_id, secret = uuid4(), random_secret()
        plain = hmac.new(pepper, key_id.bytes + secret.encode("ascii"), hashlib.sha256).hexdigest()
        assert digester.digest(key_id, secret) == plain == key_digest(pepper, key_id, secret)
        assert digester.matches(key_id, secret, plain)


def test_secrets_are_unique_and_high_entropy() -> None:
    secrets = {random_secret() for _ in range(1000)}
    assert len(secrets) == 1000
    assert all(len(s) == 32 for s in secrets)


def test_presented_key_sources() -> None:
    def scope(*headers: tuple[bytes, bytes]) -> Scope:
        return cast(Scope, {"headers": list(headers)})

    assert presented_key(authorization_of(scope((b"authorization", b"Bearer colo_x")))) == "colo_x"
    assert presented_key(authorization_of(scope((b"authorization", b"bearer  colo_y ")))) == "colo_y"
    assert presented_key(authorization_of(scope((b"authorization", b"Basic abc")))) == ""
    assert presented_key(authorization_of(scope((b"x-api-key", b"colo_z")))) is None  # not a credential header
    assert presented_key(authorization_of(scope((b"authorization", b"  ")))) is None
    assert presented_key(authorization_of(scope())) is None
    for repeated in (scope((b"authorization", b"Bearer a"), (b"authorization", b"Bearer b")),
                     scope((b"authorization", b"Bearer a, Bearer b"))):
        with pytest.raises(ValidationException):
            authorization_of(repeated)


def test_address_allowed() -> None:
    assert _address_allowed("10.1.2.3", ["10.0.0.0/8"])
    assert not _address_allowed("11.1.2.3", ["10.0.0.0/8"])
    assert _address_allowed("2001:db8::1", ["2001:db8::/32"])
    assert not _address_allowed("testclient", ["10.0.0.0/8"])
    assert not _address_allowed(None, ["10.0.0.0/8"])


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    def scope(peer: str, forwarded: str) -> dict:
        return {"client": (peer, 1234), "headers": [(b"x-forwarded-for", forwarded.encode())]}

    trusted = ("10.0.0.0/8",)
    assert client_address(scope("10.0.0.5", "203.0.113.9"), trusted) == "203.0.113.9"
    # a spoofed left-most entry is ignored: the right-most untrusted hop is the client
    assert client_address(scope("10.0.0.5", "1.1.1.1, 203.0.113.9, 10.0.0.7"), trusted) == "203.0.113.9"
    assert client_address(scope("198.51.100.2", "203.0.113.9"), trusted) == "198.51.100.2"
    assert client_address(scope("10.0.0.5", "203.0.113.9"), ()) == "10.0.0.5"


def test_trusted_proxy_answers_are_kept_per_text_and_per_trusted_set() -> None:
    """The answers are cached: the same text asked under another trusted set gets that set's answer,
    and a hop longer than any address is never trusted (nor kept)."""
    def scope(peer: str, forwarded: str) -> dict:
        return {"client": (peer, 1234), "headers": [(b"x-forwarded-for", forwarded.encode())]}

    for _ in range(2):  # the second round answers from the cache
        assert client_address(scope("10.0.0.5", "203.0.113.9"), ("10.0.0.0/8",)) == "203.0.113.9"
        assert client_address(scope("10.0.0.5", "203.0.113.9"), ("192.168.0.0/16",)) == "10.0.0.5"
        assert client_address(scope("10.0.0.5", "203.0.113.9, 192.168.1.1"), ("10.0.0.0/8", "192.168.0.0/16")) \
            == "203.0.113.9"
    mapped = "0000:0000:0000:0000:0000:ffff:192.168.100.228"  # 45 characters, the longest form
    assert len(mapped) == 45
    assert is_trusted_proxy(mapped, ("::ffff:0:0/96",))
    assert not is_trusted_proxy("1" * 46, ("0.0.0.0/0", "::/0"))
    assert client_address(scope("10.0.0.5", "x" * 1000), ("10.0.0.0/8",)) == "x" * 1000  # untrusted: the hop
