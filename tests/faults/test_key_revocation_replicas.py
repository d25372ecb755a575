"""A revoked key and a suspended tenant's key fail within 1 s on every replica, key cache or not.

Two real `colo serve` processes on the session's PostgreSQL, each caching key rows
(tenants/key_cache.py, COLO_AUTH_CACHE_SECONDS at its 1 s maximum so the time-to-live alone
could not pass the stricter bound below). A client hammers both with the victim key; the key is
revoked (or its tenant suspended) through the API of the first one. Counted: requests sent more
than 1 s after the revocation was acknowledged that still got a 200 — none may, on either
process. Because the cache keeps a row up to 1 s, the NOTIFY path must also hold the stricter
bounds the caches promise at the production default COLO_CACHE_LAG_SECONDS: refused from the
next request on by the process that revoked, and from a cache lag (10 ms) after the
acknowledgement by the other; /metrics must show the cache was really answering (hits) and
listening — otherwise this test would prove nothing about the cache.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from colo.identity import Role
from colo.settings import Settings
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey
from tests.faults.conftest import StartColo

UNUSED_NETBOX = {"netbox_url": "http://127.0.0.1:9", "netbox_token": "unused"}
CLIENTS_PER_SERVER = 3
BEFORE_SECONDS, AFTER_SECONDS = 2.0, 2.5
LAG = Settings().cache_lag_seconds  # as deployed (the test suite's own processes run strict)


@dataclass(frozen=True, slots=True)
class Outcome:
    server: int
    sent_at: float
    status: int


async def _hammer(bases: list[str], headers: dict[str, str], stop: asyncio.Event, seen: list[Outcome]) -> None:
    async def client(server: int, base: str) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            while not stop.is_set():
                sent_at = time.monotonic()
                response = await http.get("/v1/auth/whoami", headers=headers)
                seen.append(Outcome(server, sent_at, response.status_code))

    await asyncio.gather(*(client(i, base) for i, base in enumerate(bases) for _ in range(CLIENTS_PER_SERVER)))


def _cache_hits(base: str) -> tuple[float, float]:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    hits = re.search(r"^colo_auth_key_cache_hits_total (\S+)$", text, re.M)
    listening = re.search(r"^colo_auth_key_cache_listening (\S+)$", text, re.M)
    assert hits and listening, "the key cache metrics are missing from /metrics"
    return float(hits.group(1)), float(listening.group(1))


async def _revoke_under_load(start_colo: StartColo, victim: IssuedTestKey,
                             revoke: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]) -> None:
    # Every refused request comes from one address with one key: the failed-authentication
    # throttle would turn them into 429s, which is not what is counted here.
    servers = [start_colo(**UNUSED_NETBOX, COLO_AUTH_CACHE_SECONDS="1", COLO_CACHE_LAG_SECONDS=str(LAG),
                          COLO_AUTH_FAILURES_PER_ADDRESS="1000000",
                          COLO_AUTH_FAILURES_PER_KEY="1000000") for _ in range(2)]
    bases = [server.url for server in servers]
    seen: list[Outcome] = []
    stop = asyncio.Event()
    load = asyncio.create_task(_hammer(bases, victim.headers, stop, seen))
    try:
        await asyncio.sleep(BEFORE_SECONDS)
        async with httpx.AsyncClient(base_url=bases[0], timeout=10) as http:
            answer = await revoke(http)
        acknowledged = time.monotonic()
        assert answer.status_code == 200, answer.text
        await asyncio.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        await load
    for index, base in enumerate(bases):
        hits, listening = _cache_hits(base)
        assert listening == 1.0, f"server {index}'s key cache is not listening"
        assert hits > 0, f"server {index} never answered from its key cache: this test would prove nothing"
        before = [o for o in seen if o.server == index and o.sent_at < acknowledged - 0.2]
        assert before and all(o.status == 200 for o in before), f"server {index} refused the key before"
    late = [o for o in seen if o.sent_at > acknowledged + 1.0 and o.status == 200]
    assert late == [], f"{len(late)} requests succeeded more than 1 s after the revocation"
    # Stricter than asked: the caches' barrier (colo/change_listener.py) makes the change count from
    # the next request on where it was made, and from a cache lag later on the other process.
    stale = [o for o in seen if o.status == 200 and o.sent_at > acknowledged + (LAG if o.server else 0.0)]
    assert stale == [], f"{len(stale)} requests sent after the acknowledgement (+ lag) succeeded: a cache was stale"
    after = [o for o in seen if o.sent_at > acknowledged + 1.0]
    assert {o.server for o in after} == {0, 1} and {o.status for o in after} == {401}
    async with httpx.AsyncClient(base_url=bases[1], timeout=10) as http:
        refused = await http.get("/v1/auth/whoami", headers=victim.headers)
    assert refused.status_code == 401


@pytest.mark.timeout(300)
async def test_a_revoked_key_fails_on_both_replicas_within_a_second(
    start_colo: StartColo, make_tenant: Callable[..., Awaitable[TenantRead]],
    make_key: Callable[..., Awaitable[IssuedTestKey]], ops_key: IssuedTestKey,
) -> None:
    tenant = await make_tenant()
    victim = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id, name="revoked under load")

    async def revoke(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post(f"/v1/keys/{victim.principal.key_id}/revoke", headers=ops_key.headers,
                               json={"reason": "revocation under load"})

    await _revoke_under_load(start_colo, victim, revoke)


@pytest.mark.timeout(300)
async def test_a_suspended_tenants_key_fails_on_both_replicas_within_a_second(
    start_colo: StartColo, make_tenant: Callable[..., Awaitable[TenantRead]],
    make_key: Callable[..., Awaitable[IssuedTestKey]], ops_key: IssuedTestKey,
) -> None:
    tenant = await make_tenant()
    victim = await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id, name="suspended under load")

    async def suspend(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post(f"/v1/tenants/{tenant.id}/suspend", headers=ops_key.headers,
                               json={"reason": "suspension under load"})

    await _revoke_under_load(start_colo, victim, suspend)
