"""A request that may have written makes the next request in its process take a fresh
change-listener barrier (api/access_log.py `_expiring_barriers`), so whoever wrote reads the
change back at once, even inside the cache lag (COLO_CACHE_LAG_SECONDS) that other processes'
changes are allowed; read-only requests share the last barrier while it is younger than the lag."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import IssuedTestKey
from tests.faults.conftest import wait_for


async def test_only_a_write_request_makes_the_next_one_take_a_fresh_barrier(
    app: Litestar, client: AsyncTestClient, ops_key: IssuedTestKey,
) -> None:
    listener = app.state.services.change_listener
    saved = listener.shared_seconds
    listener.shared_seconds = 3600.0  # the lag never ends by itself: only expiry forces a round trip

    async def listening() -> bool:
        return listener.listening

    try:
        assert (await client.get("/v1/auth/whoami", headers=ops_key.headers)).status_code == 200  # starts it
        await wait_for(listening, within=10, every=0.05, what="the change listener connects")
        for _ in range(2):  # the first loads the key into the key cache, the second passes a barrier
            assert (await client.get("/v1/auth/whoami", headers=ops_key.headers)).status_code == 200
        trips = listener.round_trips
        for method in ("GET", "HEAD", "OPTIONS"):
            answer = await client.request(method, "/v1/auth/whoami", headers=ops_key.headers)
            assert answer.status_code < 500, answer.text
        assert (await client.get("/v1/auth/whoami", headers=ops_key.headers)).status_code == 200
        assert listener.round_trips == trips, "a read-only request took a barrier of its own inside the lag"
        for method in ("POST", "PUT", "PATCH", "DELETE"):  # answered 405, but may have written all the same
            assert (await client.request(method, "/v1/auth/whoami", headers=ops_key.headers)).status_code == 405
            assert (await client.get("/v1/auth/whoami", headers=ops_key.headers)).status_code == 200
            trips += 1
            assert listener.round_trips == trips, f"the request after a {method} reused the barrier before it"
    finally:
        listener.shared_seconds = saved
