"""Blocked addresses shared through the real Redis and announced through PostgreSQL NOTIFY
(tenants/auth_blocks.py): seen by another process from its very next check, learnt by a process
that starts later, and checked without a Redis round trip per request."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from api.auth_throttle import AuthFailureThrottle, shared_blocks
from colo.change_listener import ChangeListener
from colo.errors import RateLimited
from tenants.auth_blocks import CHANNEL
from tenants.ratelimit import RateLimiter
from tests.faults.conftest import wait_for
from tests.faults.proxy import TcpProxy
from tests.security.test_rate_limits import awindow_with_room

REDIS_URL = "redis://127.0.0.1:6379/13"
LIMIT = 3


class Process:
    """What one API process holds: its change listener, its limiter and its throttle."""

    def __init__(self, database_url: str, prefix: str, redis_url: str = REDIS_URL, *, shared: bool = True) -> None:
        self.listener = ChangeListener(database_url, channels=(CHANNEL,))
        self.limiter = RateLimiter(redis_url=redis_url, prefix=prefix)
        self.blocks = shared_blocks(self.limiter, self.listener) if shared else None
        self.throttle = AuthFailureThrottle(self.limiter, per_address=(LIMIT, 60), blocks=self.blocks)

    async def listening(self) -> None:
        self.listener.ensure_started()

        async def up() -> bool:
            return self.listener.listening

        await wait_for(up, within=10, every=0.02, what="the change listener connects")

    async def stop(self) -> None:
        await self.listener.stop()
        await self.limiter.stop()


async def window_with_room() -> None:
    await awindow_with_room(10)  # the checks below fall into the window of their failures


def address() -> str:
    return f"2001:db8:{uuid.uuid4().hex[:4]}::{uuid.uuid4().hex[:4]}"


@pytest_asyncio.fixture
async def processes(database_url: str) -> AsyncIterator[Callable[..., Process]]:
    prefix = f"colo:test:blocks:{uuid.uuid4().hex}"
    made: list[Process] = []

    def make(redis_url: str = REDIS_URL, *, shared: bool = True, listen_to: str | None = None) -> Process:
        made.append(Process(database_url if listen_to is None else listen_to, prefix, redis_url, shared=shared))
        return made[-1]

    yield make
    for process in made:
        await process.stop()


async def fail(process: Process, subject: str, times: int) -> None:
    for _ in range(times):
        await process.throttle.record_failure(subject, None)


async def test_a_block_recorded_in_one_process_refuses_the_address_in_another_from_its_next_check(
    processes: Callable[..., Process],
) -> None:
    first, second = processes(), processes()
    await asyncio.gather(first.listening(), second.listening())
    await window_with_room()
    blocked, other = address(), address()
    await second.throttle.refuse_blocked_address(blocked)  # passes, and the set is read once
    await fail(first, blocked, LIMIT)  # the last one fills the bucket: blocked everywhere
    # No waiting: the check passes the listener's barrier, which sees the NOTIFY sent before it.
    with pytest.raises(RateLimited) as refused:
        await second.throttle.refuse_blocked_address(blocked)
    assert 1 <= refused.value.retry_after <= 60 and refused.value.limit == LIMIT
    with pytest.raises(RateLimited):
        await first.throttle.refuse_blocked_address(blocked)
    await second.throttle.refuse_blocked_address(other)  # another address is not affected
    # One failure short of the limit blocks nobody.
    await fail(first, other, LIMIT - 1)
    await second.throttle.refuse_blocked_address(other)


async def test_a_process_that_starts_after_a_block_knows_it(processes: Callable[..., Process]) -> None:
    first = processes()
    await first.listening()
    await window_with_room()
    blocked = address()
    await fail(first, blocked, LIMIT)
    late = processes()
    await late.listening()
    assert late.blocks is not None
    known = await late.blocks.current()
    assert known is not None and known[blocked] > time.time()
    with pytest.raises(RateLimited):
        await late.throttle.refuse_blocked_address(blocked)


async def test_checks_cost_no_redis_round_trip_while_the_listener_is_connected(
    processes: Callable[..., Process],
) -> None:
    """Redis behind a real TCP proxy that counts what clients send it: with the shared blocks,
    a hundred checks send nothing; the per-request read they replace sends one command each."""
    proxy = TcpProxy("127.0.0.1", 6379).start()
    try:
        through = f"redis://127.0.0.1:{proxy.port}/13"
        shared, reading = processes(through), processes(through, shared=False)
        await asyncio.gather(shared.listening(), reading.listening())
        await window_with_room()
        subject = address()
        await shared.throttle.refuse_blocked_address(subject)  # the first check reads the set
        sent = proxy.chunks_sent
        for _ in range(100):
            await shared.throttle.refuse_blocked_address(subject)
        assert proxy.chunks_sent == sent
        for _ in range(100):
            await reading.throttle.refuse_blocked_address(subject)
        assert proxy.chunks_sent >= sent + 100
        # A block makes the next check read the set once; later checks refuse from memory.
        await fail(shared, subject, LIMIT)
        with pytest.raises(RateLimited):
            await shared.throttle.refuse_blocked_address(subject)
        sent = proxy.chunks_sent
        for _ in range(10):
            with pytest.raises(RateLimited):
                await shared.throttle.refuse_blocked_address(subject)
        assert proxy.chunks_sent == sent
    finally:
        proxy.stop()


async def test_without_a_listener_the_check_reads_the_count_as_before(processes: Callable[..., Process]) -> None:
    first = processes()
    unlistened = processes(listen_to="")  # as on SQLite: nothing listens, so nothing is promised
    await first.listening()
    await window_with_room()
    blocked = address()
    assert unlistened.blocks is not None and await unlistened.blocks.current() is None
    await fail(first, blocked, LIMIT)
    with pytest.raises(RateLimited):
        await unlistened.throttle.refuse_blocked_address(blocked)
