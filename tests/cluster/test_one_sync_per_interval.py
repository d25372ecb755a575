"""One full NetBox sync per reconcile interval in the whole cluster, not one per process: two
API replicas and two `colo worker`s run with a short COLO_RECONCILE_SECONDS, and NetBox's request
log (HAProxy's pass-through in front of it) shows when each full sync started. Only the worker
that holds the read model's advisory lock syncs; when it is killed, the other takes over and the
cadence goes on."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import pytest_asyncio

from dcim.netbox import NetBoxGateway
from devtools.netbox.paths import NetBoxState
from tests.cluster.conftest import rows, running_cluster, wait_for
from tests.cluster.harness import Cluster, Plant
from tests.servers import ColoServer

pytestmark = pytest.mark.timeout(360)
RECONCILE_SECONDS = 8.0
SYNCS = 4  # full syncs observed while both workers run: several intervals
SLACK_SECONDS = 30.0  # a sync's own duration, the leader's poll and a loaded machine


@pytest_asyncio.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory, netbox_state: NetBoxState,
                  gateway: NetBoxGateway) -> AsyncIterator[tuple[Cluster, Plant]]:
    async with running_cluster(tmp_path_factory, netbox_state, gateway, workers=2,
                               reconcile_seconds=RECONCILE_SECONDS) as started:
        yield started


def full_sync_starts(colo: Cluster) -> list[float]:
    """When each full sync began: its first page of unracked devices (`rack_id__n=null`), a list
    only the full sync asks NetBox for (dcim/netbox/plant.py FULL_SYNC)."""
    assert colo.proxy is not None
    starts = []
    for request in colo.proxy.requests("netbox"):
        url = urlparse(request.target)
        query = parse_qs(url.query)
        if url.path == "/api/dcim/devices/" and query.get("rack_id__n") == ["null"] \
                and query.get("offset", ["0"]) == ["0"]:
            starts.append(request.at)
    return starts


def leaders(workers: list[ColoServer]) -> list[int]:
    """Which of the live workers say (at /metrics) that they lead the read model."""
    found = []
    for number, worker in enumerate(workers):
        if worker.process is None or worker.process.poll() is not None:
            continue
        metrics = httpx.get(f"{worker.url}/metrics", timeout=10).text
        if 'colo_leader{singleton="read-model"} 1.0' in metrics:
            found.append(number)
    return found


def assert_one_per_interval(starts: list[float]) -> None:
    gaps = [round(later - earlier, 2) for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= RECONCILE_SECONDS - 0.2 for gap in gaps), f"two full syncs within one interval: {gaps}"
    assert all(gap <= RECONCILE_SECONDS + SLACK_SECONDS for gap in gaps), f"an interval without a sync: {gaps}"


async def test_one_full_sync_per_interval_cluster_wide_and_a_new_leader_keeps_the_cadence(
    cluster: tuple[Cluster, Plant],
) -> None:
    colo, _plant = cluster
    window = (SYNCS + 1) * (RECONCILE_SECONDS + SLACK_SECONDS)

    async def observed(count: int) -> list[float] | None:
        starts = full_sync_starts(colo)
        return starts if len(starts) >= count else None

    started = time.monotonic()
    starts = await wait_for(lambda: observed(SYNCS), within=window, every=1,
                            what=f"{SYNCS} full syncs\n{colo.logs()}")
    assert_one_per_interval(starts)
    assert await asyncio.to_thread(leaders, colo.workers) in ([0], [1])
    print(f"\n{len(starts)} full syncs in {time.monotonic() - started:.0f} s with two workers and two replicas; "
          f"gaps {[round(b - a, 1) for a, b in itertools.pairwise(starts)]} s "
          f"(COLO_RECONCILE_SECONDS={RECONCILE_SECONDS:.0f})")

    # The leader dies without a word, between two syncs (a sync cut off mid-way is not one that
    # happened: the next is due an interval after the last one recorded as finished). PostgreSQL
    # drops its lock with its connection, and the other worker takes over.
    async def finished_since_last_start() -> bool:
        finished = await rows(colo, "SELECT extract(epoch FROM finished_at) AS at FROM dcim_sync_state "
                                    "WHERE kind = 'full'")
        return bool(finished) and float(finished[0]["at"]) > full_sync_starts(colo)[-1]

    await wait_for(finished_since_last_start, within=RECONCILE_SECONDS + SLACK_SECONDS, what="a full sync finishing")
    leader = (await asyncio.to_thread(leaders, colo.workers))[0]
    await asyncio.to_thread(colo.workers[leader].kill)
    killed_at, before = time.time(), len(starts)
    starts = await wait_for(lambda: observed(before + 2), within=3 * (RECONCILE_SECONDS + SLACK_SECONDS), every=1,
                            what=f"full syncs after the leader was killed\n{colo.logs()}")
    assert_one_per_interval(starts)
    assert await asyncio.to_thread(leaders, colo.workers) == [1 - leader]
    print(f"leader killed; the other worker's first full sync {starts[before] - killed_at:.1f} s later")
