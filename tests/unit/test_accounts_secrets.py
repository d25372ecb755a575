"""Portal credentials: the password rules, Argon2id hashing, TOTP codes good once, the TOTP
secret bound to its account, and CSRF tokens bound to what they were made for."""

from __future__ import annotations

import time
import uuid

import pyotp
import pytest
from cryptography.exceptions import InvalidTag

from accounts import passwords, totp
from colo.errors import ValidationFailed
from web.csrf import CsrfTokens


@pytest.mark.parametrize(("password", "reason"), [
    ("short pw", "too_short"),
    ("x" * 257, "too_long"),
    ("password123456", "too_common"),
    ("qwertyuiop12", "too_common"),
    ("1q2w3e4r5t6y", "too_common"),
    ("my name is jane.doe!!", "contains_email"),
    ("correct horse battery staple", None),
])
def test_password_rules(password: str, reason: str | None) -> None:
    assert passwords.refusal(password, email="Jane.Doe@example.com") == reason


def test_the_common_password_list_is_the_shipped_one() -> None:
    common = passwords.common_passwords()
    assert len(common) > 19_000 and "123456" in common and "password" in common
    with pytest.raises(ValidationFailed) as refused:
        passwords.check_new_password("iloveyou1234")
    assert refused.value.field == "password" and refused.value.reason == "too_common"


def test_argon2id_hash_and_verify() -> None:
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery staple")
    assert not passwords.verify_password(stored, "correct horse battery stapler")
    assert not passwords.verify_password("", "anything at all")  # unknown account: same cost, no
    assert not passwords.verify_password("not a hash", "anything at all")


def test_a_totp_code_is_good_once_and_only_near_its_time() -> None:
    secret = totp.new_secret()
    now = time.time()
    step = int(now // 30)
    code = pyotp.TOTP(secret).at(now)
    assert totp.matching_step(secret, code, after_step=0, now=now) == step
    assert totp.matching_step(secret, code, after_step=step, now=now) is None  # replayed
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now + 30), after_step=step, now=now) == step + 1
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now + 90), after_step=0, now=now) is None
    assert totp.matching_step(secret, "12345", after_step=0, now=now) is None


def test_the_totp_secret_is_encrypted_for_its_account_only() -> None:
    master = bytes(range(32))
    account, other = uuid.uuid4(), uuid.uuid4()
    ciphertext = totp.encrypt_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", master_key=master, account_id=account)
    assert "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" not in ciphertext
    assert totp.decrypt_secret(ciphertext, master_key=master, account_id=account) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidTag):
        totp.decrypt_secret(ciphertext, master_key=master, account_id=other)
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", email="a@example.com")
    assert uri.startswith("otpauth://totp/Colo:a%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")


def test_csrf_tokens_are_bound_to_their_session() -> None:
    tokens = CsrfTokens(bytes(32))
    token = tokens.token("session-a")
    assert tokens.valid("session-a", token)
    assert not tokens.valid("session-b", token)
    assert not tokens.valid("session-a", None) and not tokens.valid(None, token)
    assert not CsrfTokens(bytes([1]) * 32).valid("session-a", token)  # another installation's key


async def test_hashing_runs_off_the_event_loop_a_few_at_a_time() -> None:
    import asyncio
    import threading

    loop_thread = threading.get_ident()
    seen: list[int] = []
    original = passwords.hash_password

    def spy(password: str) -> str:
        seen.append(threading.get_ident())
        return original(password)

    passwords.hash_password = spy  # type: ignore[assignment]
    try:
        hashes = await asyncio.gather(*(passwords.hash_password_async(f"passphrase number {i}") for i in range(3)))
    finally:
        passwords.hash_password = original  # type: ignore[assignment]
    assert len(seen) == 3 and loop_thread not in seen
    assert all(await asyncio.gather(*(passwords.verify_password_async(h, f"passphrase number {i}")
                                      for i, h in enumerate(hashes))))
    assert passwords._slot()._value == passwords.MAX_CONCURRENT_HASHES  # every slot given back
