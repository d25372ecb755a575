"""Rate limits: failed authentication per address and per key id, the public application
endpoints per address — 429 with Retry-After and RateLimit-* headers — and, with Redis, one
count shared by every process (two real `colo serve` processes on the real Redis)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from api.auth_throttle import AuthFailureThrottle
from colo.identity import Role
from devtools.netbox.paths import NetBoxState
from tenants.keyformat import format_key, random_secret
from tests.security.servers import (
    ColoServer,
    colo_command,
    colo_env,
    create_database,
    drop_database,
    migrate_in_subprocess,
)

REDIS_URL = "redis://127.0.0.1:6379/14"


def unknown() -> dict[str, str]:
    """A well-formed key nobody issued, with a key id of its own (so only the address bucket fills)."""
    return {"Authorization": f"Bearer {format_key(uuid.uuid4(), random_secret())}"}


def application(n: int) -> dict[str, Any]:
    return {"legal_name": f"Limit Test {n} {uuid.uuid4().hex[:6]} GmbH",
            "registration_number": f"HRB {uuid.uuid4().int % 10**8:08d}", "country": "DE",
            "services_of_interest": ["power"],
            "address": {"street": "Hafenstr. 1", "postal_code": "20457", "city": "Hamburg"},
            "billing_contact": {"name": "Berta Billing", "email": "b@limits.example", "phone": "+4940123456"},
            "technical_contact": {"name": "Theo Tech", "email": "t@limits.example", "phone": "+4940654321"}}


def _wait_needed(seconds: float, window: int) -> float:
    left = window - time.time() % window
    return left + 0.2 if left < seconds else 0.0


def window_with_room(seconds: float, window: int = 60) -> None:
    """Limits count in fixed windows aligned to the clock; wait for a fresh one when fewer than
    `seconds` remain, so a burst and the checks after it fall into one window."""
    time.sleep(_wait_needed(seconds, window))


async def awindow_with_room(seconds: float, window: int = 60) -> None:
    await asyncio.sleep(_wait_needed(seconds, window))


def assert_rate_limited(response: Any, limit: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert response.headers["ratelimit-reset"] == response.headers["retry-after"]


async def test_failures_from_one_address_are_cut_off_before_the_key_is_checked(
    client: AsyncTestClient, fresh_counts: AuthFailureThrottle, ops_key: Any,
) -> None:
    limit = fresh_counts.per_address[0]
    assert limit == 60  # the default: COLO_AUTH_FAILURES_PER_ADDRESS
    await awindow_with_room(15)
    for _ in range(limit):
        assert (await client.get("/v1/auth/whoami", headers=unknown())).status_code == 401
    assert_rate_limited(await client.get("/v1/auth/whoami", headers=unknown()), limit)
    # Blocked before verification: even a valid key from this address waits out the window.
    assert_rate_limited(await client.get("/v1/auth/whoami", headers=ops_key.headers), limit)
    assert (await client.get("/healthz")).status_code == 200  # public routes are not throttled


async def test_requests_without_a_key_never_lock_an_address_out(
    client: AsyncTestClient, fresh_counts: AuthFailureThrottle, ops_key: Any,
) -> None:
    """A shared office NAT or a monitoring probe sending no key is not guessing: its 401s
    count toward nothing, so valid keys from the same address keep working."""
    limit = fresh_counts.per_address[0]
    await awindow_with_room(20)
    for headers in ({}, {"Authorization": ""}, {"X-API-Key": "colo_whatever"}):
        for _ in range(limit // 2 + 1):  # three kinds, together well over the limit
            response = await client.get("/v1/auth/whoami", headers=headers)
            assert (response.status_code, response.json()["reason"]) == (401, "missing_key")
    assert (await client.get("/v1/auth/whoami", headers=ops_key.headers)).status_code == 200
    # A key that fails is still a guess and still counts.
    for _ in range(limit):
        assert (await client.get("/v1/auth/whoami", headers=unknown())).status_code == 401
    assert_rate_limited(await client.get("/v1/auth/whoami", headers=ops_key.headers), limit)


async def test_failures_for_one_key_id_are_cut_off_but_its_owner_is_not(
    client: AsyncTestClient, fresh_counts: AuthFailureThrottle, make_key: Any,
) -> None:
    limit = fresh_counts.per_key[0]
    assert limit == 10
    owner = await make_key(Role.AUDITOR, name="per-key throttle")
    guess = {"Authorization": f"Bearer {format_key(uuid.UUID(owner.principal.key_id), random_secret())}"}
    await awindow_with_room(10)
    for _ in range(limit):
        assert (await client.get("/v1/auth/whoami", headers=guess)).status_code == 401
    assert_rate_limited(await client.get("/v1/auth/whoami", headers=guess), limit)
    assert (await client.get("/v1/auth/whoami", headers=owner.headers)).status_code == 200
    other_key = {"Authorization": f"Bearer {format_key(uuid.uuid4(), random_secret())}"}
    assert (await client.get("/v1/auth/whoami", headers=other_key)).status_code == 401  # its own bucket


async def test_the_public_application_endpoints_are_limited_per_address(
    client: AsyncTestClient, fresh_counts: AuthFailureThrottle,
) -> None:
    await awindow_with_room(20, window=3600)
    for n in range(10):
        assert (await client.post("/v1/applications", json=application(n))).status_code == 201
    assert_rate_limited(await client.post("/v1/applications", json=application(10)), 10)
    secret = {"X-Tracking-Secret": "cat_" + "a" * 32}
    await awindow_with_room(15)
    for _ in range(60):
        assert (await client.get(f"/v1/applications/{uuid.uuid4()}/status", headers=secret)).status_code == 404
    assert_rate_limited(await client.get(f"/v1/applications/{uuid.uuid4()}/status", headers=secret), 60)


def _start_pair(env: dict[str, str], workdir: Path, label: str) -> list[ColoServer]:
    return [ColoServer(env=env, log_path=workdir / f"{label}-{n}.log").start() for n in (1, 2)]


def _alternate(servers: list[ColoServer], count: int, address: str) -> list[int]:
    return [httpx.get(f"{servers[n % 2].url}/v1/auth/whoami", headers=_from(address), timeout=30).status_code
            for n in range(count)]


def _from(address: str) -> dict[str, str]:
    return {**unknown(), "X-Forwarded-For": address}


@pytest_asyncio.fixture
async def own_database() -> AsyncIterator[str]:
    name, url = await create_database()
    yield url
    await drop_database(name)


@pytest.mark.timeout(300)
def test_with_redis_two_processes_share_one_count(netbox_state: NetBoxState, tmp_path: Path, own_database: str) -> None:
    url = own_database
    # A documentation address of its own per run (trusted proxy: loopback), so these buckets
    # are nobody else's in the shared Redis.
    address = f"2001:db8:{random.randrange(0x10000):x}::{random.randrange(0x10000):x}"
    base = colo_env(database_url=url, netbox_url=netbox_state.url, netbox_token=netbox_state.token,
                    secrets_dir=tmp_path / "secrets",
                    COLO_TRUSTED_PROXIES="127.0.0.1/32")
    servers: list[ColoServer] = []
    migrate_in_subprocess(base)
    try:
        # Control: without Redis each process counts alone, so 60 failures split over two
        # processes (30 each) are all plain 401s.
        servers = _start_pair(base, tmp_path, "memory")
        assert _alternate(servers, 60, address) == [401] * 60
        for server in servers:
            server.stop()
        address = f"2001:db8:{random.randrange(0x10000):x}::{random.randrange(0x10000):x}"
        servers = _start_pair({**base, "COLO_REDIS_URL": REDIS_URL}, tmp_path, "redis")
        ops = colo_command("keys", "create", "--role", "ops", "--name", "limits", env=base).strip().splitlines()[-1]
        window_with_room(30)
        assert _alternate(servers, 60, address) == [401] * 60
        for server in servers:  # the 61st failure is refused by whichever process gets it
            blocked = httpx.get(f"{server.url}/v1/auth/whoami", headers=_from(address), timeout=30)
            assert_rate_limited(blocked, 60)
        valid = httpx.get(f"{servers[1].url}/v1/auth/whoami", timeout=30,
                          headers={"Authorization": f"Bearer {ops}", "X-Forwarded-For": address})
        assert_rate_limited(valid, 60)
        elsewhere = httpx.get(f"{servers[1].url}/v1/auth/whoami", timeout=30,
                              headers={"Authorization": f"Bearer {ops}", "X-Forwarded-For": "2001:db8::1:1"})
        assert elsewhere.status_code == 200
        # The public application endpoint: ten applications per address per hour, across processes.
        apply_from = {"X-Forwarded-For": f"2001:db8:{random.randrange(0x10000):x}::a"}
        window_with_room(20, window=3600)
        statuses = [httpx.post(f"{servers[n % 2].url}/v1/applications", json=application(n), headers=apply_from,
                               timeout=30).status_code for n in range(11)]
        assert statuses == [201] * 10 + [429]
    finally:
        for server in servers:
            server.stop()
