"""The change listener's promise, against a real PostgreSQL: once `barrier()` returns, every
notification committed more than `shared_seconds` before it was called — and every one committed
before the last `expire()` — has been handled (that is what lets the key cache and the read
model's generation skip their queries without being staler than that), and without a listening
connection nothing may be trusted.
"""

from __future__ import annotations

import asyncio

import asyncpg

from colo.change_listener import (
    ChangeListener,
    begin_request_scope,
    end_request_scope,
    forget_request_barriers,
)
from colo.settings import Settings
from tests.servers import free_port

CHANNEL = "colo_test_changes"
LAG = Settings().cache_lag_seconds  # COLO_CACHE_LAG_SECONDS as deployed


async def _listening(listener: ChangeListener) -> None:
    listener.ensure_started()
    for _ in range(100):
        if listener.listening:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the listener did not connect within 5 s")


async def test_a_notification_committed_before_the_barrier_is_handled_when_it_returns(database_url: str) -> None:
    listener = ChangeListener(database_url, channels=(CHANNEL, "colo_other"))  # strict: the default
    seen: list[int] = []
    listener.on_change(CHANNEL, lambda: seen.append(listener.epoch(CHANNEL)))
    await _listening(listener)
    seen.clear()  # connecting counts as a change too (what was cached before is not trusted)
    writer = await asyncpg.connect(database_url)
    try:
        for round_ in range(20):  # no sleeping in between: the barrier alone must order them
            before = listener.epoch(CHANNEL)
            other = listener.epoch("colo_other")
            await writer.execute(f"NOTIFY {CHANNEL}, '{round_}'")
            assert await listener.barrier()
            assert listener.epoch(CHANNEL) == before + 1, f"round {round_}: notification not handled yet"
            assert listener.epoch("colo_other") == other  # other channels are untouched
        assert len(seen) == 20
        await writer.execute("BEGIN; NOTIFY colo_test_changes; ROLLBACK")  # never committed: never heard
        before = listener.epoch(CHANNEL)
        assert await listener.barrier()
        assert listener.epoch(CHANNEL) == before
        many = await asyncio.gather(*(listener.barrier() for _ in range(50)))  # concurrent callers share
        assert all(many)
    finally:
        await writer.close()
        await listener.stop()
    assert not listener.listening
    assert not await listener.barrier()


async def in_request(listener: ChangeListener) -> bool:
    """barrier() as a request calls it (api/access_log.py opens the scope around every request)."""
    token = begin_request_scope()
    try:
        return await listener.barrier()
    finally:
        end_request_scope(token)


async def test_a_recent_barrier_serves_later_requests_until_it_is_older_than_the_window_or_expired(
    database_url: str,
) -> None:
    """With a window, requests within it take no round trip; a notification committed a window
    before the request is handled all the same, and one committed before `expire()` at once."""
    hour = ChangeListener(database_url, channels=(CHANNEL,), shared_seconds=3600)  # the window never ends
    default = ChangeListener(database_url, channels=(CHANNEL,), shared_seconds=LAG)
    await asyncio.gather(_listening(hour), _listening(default))
    writer = await asyncpg.connect(database_url)
    try:
        assert await in_request(hour)
        sent = hour.round_trips
        assert all([await in_request(hour) for _ in range(100)])
        assert hour.round_trips == sent  # served by the first one
        for round_ in range(10):  # this process's own change: expire() makes the next request see it
            before = hour.epoch(CHANNEL)
            await writer.execute(f"NOTIFY {CHANNEL}, 'expire {round_}'")
            hour.expire()
            assert await in_request(hour)
            assert hour.epoch(CHANNEL) == before + 1, f"round {round_}: not handled after expire()"
            assert hour.round_trips == sent + round_ + 1
        assert LAG > 0
        for round_ in range(20):  # another process's change: handled once the window has passed
            assert await in_request(default)  # a recent barrier exists: the one below may reuse it
            before = default.epoch(CHANNEL)
            await writer.execute(f"NOTIFY {CHANNEL}, 'window {round_}'")
            await asyncio.sleep(LAG)
            assert await in_request(default)
            assert default.epoch(CHANNEL) == before + 1, f"round {round_}: not handled a window later"
    finally:
        await writer.close()
        await asyncio.gather(hour.stop(), default.stop())
    assert not await in_request(hour)  # stopped: nothing is trusted, however recent the last barrier


async def test_background_loops_and_a_request_after_its_write_never_share_a_recent_barrier(
    database_url: str,
) -> None:
    """Outside a request (a worker's loop) and after a write inside one, every barrier is a round
    trip sent after the call, however recent the last: what they wrote just before is seen."""
    hour = ChangeListener(database_url, channels=(CHANNEL,), shared_seconds=3600)
    await _listening(hour)
    try:
        assert await in_request(hour)
        sent = hour.round_trips
        for _ in range(5):
            assert await hour.barrier()
        assert hour.round_trips == sent + 5
        token = begin_request_scope()
        try:
            assert await hour.barrier() and await hour.barrier()
            assert hour.round_trips == sent + 5  # a request shares the recent one, then its own pass
            forget_request_barriers()  # it wrote (bump_generation)
            assert await hour.barrier()
            assert hour.round_trips == sent + 6
            assert await hour.barrier()  # passed again after its write: counts for the rest of it
            assert hour.round_trips == sent + 6
        finally:
            end_request_scope(token)
    finally:
        await hour.stop()


async def test_without_a_listening_connection_nothing_is_trusted() -> None:
    refused = ChangeListener(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", channels=(CHANNEL,))
    refused.ensure_started()
    await asyncio.sleep(0.5)
    assert not refused.listening
    assert not await refused.barrier()
    await refused.stop()
    sqlite = ChangeListener("sqlite:///./var/x.sqlite3", channels=(CHANNEL,))
    sqlite.ensure_started()  # nothing to listen to on SQLite: never listening, never a task
    assert not sqlite.listening and not await sqlite.barrier()
    await sqlite.stop()
