"""The accounts service on the real database: links work once and expire, enrolment needs a
good password and a current code, sign-in needs both factors and a code is good once, a
tenant admin invites only into an active tenant of its own; and the sign-in throttle counts per
address and per account."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from accounts import service
from accounts.tables import AccountLink
from accounts.throttle import SignInThrottle
from colo.errors import AuthenticationFailed, Conflict, NotFound, RateLimited, ValidationFailed
from colo.identity import Principal, Role
from tenants.ratelimit import RateLimiter
from tests.web.conftest import REDIS_URL

MASTER = bytes(range(32))
GOOD = "a long and quite unusual passphrase 42"
Run = Callable[..., Awaitable[Any]]


def _email() -> str:
    return f"svc-{uuid.uuid4().hex[:10]}@example.com"


async def _enrolled(run_in_app: Run, email: str) -> str:
    issued = await run_in_app(service.create_staff, email=email, role=Role.SECURITY, created_by="tests",
                              valid_hours=1)
    enrolment = await run_in_app(service.begin_enrolment, token=issued.token, master_key=MASTER)
    await run_in_app(service.complete_enrolment, token=issued.token, password=GOOD,
                     code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=MASTER)
    return enrolment.totp_secret


async def test_enrolment_rules_and_one_time_links(run_in_app: Run) -> None:
    issued = await run_in_app(service.create_staff, email=_email(), role=Role.OPS, created_by="tests", valid_hours=1)
    first = await run_in_app(service.begin_enrolment, token=issued.token, master_key=MASTER)
    again = await run_in_app(service.begin_enrolment, token=issued.token, master_key=MASTER)
    assert first.totp_secret == again.totp_secret  # reopening the link shows the same secret
    code = pyotp.TOTP(first.totp_secret).now()
    with pytest.raises(ValidationFailed) as short:
        await run_in_app(service.complete_enrolment, token=issued.token, password="short", code=code,
                         master_key=MASTER)
    assert short.value.field == "password" and short.value.reason == "too_short"
    with pytest.raises(ValidationFailed) as wrong:
        await run_in_app(service.complete_enrolment, token=issued.token, password=GOOD, code="000000",
                         master_key=MASTER)
    assert wrong.value.field == "code"
    account = await run_in_app(service.complete_enrolment, token=issued.token, password=GOOD, code=code,
                               master_key=MASTER)
    assert account.status == "active" and account.totp_enrolled
    with pytest.raises(NotFound):  # used
        await run_in_app(service.begin_enrolment, token=issued.token, master_key=MASTER)
    with pytest.raises(Conflict):  # one account per address
        await run_in_app(service.create_staff, email=account.email.upper(), role=Role.OPS, created_by="tests",
                         valid_hours=1)
    with pytest.raises(ValidationFailed):
        await run_in_app(service.create_staff, email=_email(), role=Role.TENANT_ADMIN, created_by="tests",
                         valid_hours=1)


async def test_an_expired_link_is_like_a_missing_one(run_in_app: Run) -> None:
    issued = await run_in_app(service.create_staff, email=_email(), role=Role.OPS, created_by="tests", valid_hours=1)
    await run_in_app(AccountLink.update({AccountLink.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        AccountLink.digest == service.link_digest(issued.token)).run)
    with pytest.raises(NotFound):
        await run_in_app(service.begin_enrolment, token=issued.token, master_key=MASTER)
    with pytest.raises(NotFound):
        await run_in_app(service.begin_enrolment, token="cal_made-up", master_key=MASTER)


async def test_sign_in_needs_both_factors_and_a_code_works_once(run_in_app: Run) -> None:
    email = _email()
    secret = await _enrolled(run_in_app, email)
    code = pyotp.TOTP(secret).at(time.time() + 30)  # enrolment used the current step
    for password, given in ((GOOD, "000000"), ("wrong password entirely", code), (GOOD, "")):
        with pytest.raises(AuthenticationFailed) as refused:
            await run_in_app(service.authenticate, email=email, password=password, code=given, master_key=MASTER)
        assert refused.value.extra["reason"] == "bad_credentials"
    account = await run_in_app(service.authenticate, email=email.upper(), password=GOOD, code=code,
                               master_key=MASTER)
    assert account.email == email and account.role == Role.SECURITY
    with pytest.raises(AuthenticationFailed):  # the same code again: replayed
        await run_in_app(service.authenticate, email=email, password=GOOD, code=code, master_key=MASTER)
    with pytest.raises(AuthenticationFailed) as unknown:
        await run_in_app(service.authenticate, email=_email(), password=GOOD, code=code, master_key=MASTER)
    assert unknown.value.extra["reason"] == "bad_credentials"


async def test_invitations_stay_in_the_inviters_active_tenant(run_in_app: Run, make_tenant: Any) -> None:
    tenant = await make_tenant()
    admin = Principal(key_id="tests", role=Role.TENANT_ADMIN, name="admin", tenant_id=tenant.id)
    issued = await run_in_app(service.invite, principal=admin, email=_email(), name="Colleague",
                              role=Role.TENANT_MEMBER, valid_hours=1)
    assert issued.account.tenant_id == tenant.id and issued.purpose == "invitation"
    with pytest.raises(ValidationFailed):  # a tenant admin may not name another tenant
        await run_in_app(service.invite, principal=admin, email=_email(), name="x", role=Role.TENANT_MEMBER,
                         valid_hours=1, tenant_id=uuid.uuid4())
    with pytest.raises(ValidationFailed):  # nor make staff
        await run_in_app(service.invite, principal=admin, email=_email(), name="x", role=Role.OPS, valid_hours=1)
    stranger = Principal(key_id="tests", role=Role.TENANT_ADMIN, name="x", tenant_id=uuid.uuid4())
    with pytest.raises(Conflict):  # no such (active) tenant
        await run_in_app(service.invite, principal=stranger, email=_email(), name="x", role=Role.TENANT_MEMBER,
                         valid_hours=1)


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_sign_in_throttle_per_address_and_per_account(backend: str) -> None:
    limiter = RateLimiter(redis_url=REDIS_URL if backend == "redis" else "", prefix=f"test:{uuid.uuid4().hex}")
    throttle = SignInThrottle(limiter, per_address=3, per_account=2)
    try:
        victim = _email()
        for address in ("192.0.2.1", "192.0.2.2"):  # two addresses, one account
            await throttle.refuse_blocked(address=address, email=victim)
            await throttle.record_failure(address=address, email=victim)
        with pytest.raises(RateLimited):  # the account is closed from every address
            await throttle.refuse_blocked(address="192.0.2.9", email=victim.upper())
        for _ in range(3):  # one address, many accounts
            await throttle.refuse_blocked(address="198.51.100.7", email=_email())
            await throttle.record_failure(address="198.51.100.7", email=_email())
        with pytest.raises(RateLimited):
            await throttle.refuse_blocked(address="198.51.100.7", email=_email())
        await throttle.refuse_blocked(address="198.51.100.8", email=_email())  # others are not affected
    finally:
        await limiter.stop()
