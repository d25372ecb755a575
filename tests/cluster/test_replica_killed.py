"""One API replica SIGKILLed while clients write and read through the proxy: no acknowledged
write is lost, and clients see only answers that say "try again" (2xx, or the proxy's 502/503/504,
or a dropped connection) — never a 500, never a wrong 4xx. HAProxy takes the dead replica out by
its health checks and repeats what is safe to repeat on the other one."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from dcim.netbox import NetBoxGateway
from devtools.netbox.paths import NetBoxState
from tests.cluster.conftest import rows, running_cluster
from tests.cluster.harness import Cluster, Plant, onboard_tenant
from tests.cluster.load import Load

pytestmark = pytest.mark.timeout(300)
WRITERS, READERS = 4, 2
BEFORE_KILL, AFTER_KILL = 12, 16  # acknowledged writes before the kill, and more after it


@pytest_asyncio.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory, netbox_state: NetBoxState,
                  gateway: NetBoxGateway) -> AsyncIterator[tuple[Cluster, Plant]]:
    async with running_cluster(tmp_path_factory, netbox_state, gateway, workers=1) as started:
        yield started


async def test_a_replica_killed_under_load_loses_no_acknowledged_write(cluster: tuple[Cluster, Plant]) -> None:
    colo, plant = cluster
    assert colo.proxy is not None
    async with colo.client() as http:
        tenant = await onboard_tenant(http, colo.ops_headers)
        load = Load(http, tenant.headers, plant.racks, run=uuid.uuid4().hex[:8])
        tasks = [asyncio.create_task(load.writer()) for _ in range(WRITERS)]
        tasks += [asyncio.create_task(load.reader()) for _ in range(READERS)]
        try:
            await load.until(BEFORE_KILL, within=120)
            await asyncio.to_thread(colo.replicas["a"].kill)
            killed_at, acked_at_kill = time.monotonic(), len(load.record.acked)
            await asyncio.to_thread(colo.proxy.wait_for_states, {"a": "DOWN", "b": "UP"}, 30)
            out_after = time.monotonic() - killed_at
            await load.until(acked_at_kill + AFTER_KILL, within=120)
        finally:
            load.stopping.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:  # a writer's own assertion (one key, two orders) must not hide in a task
            task.result()

    record = load.record
    print(f"\nreplica a SIGKILLed under load ({WRITERS} writers, {READERS} readers); HAProxy took it out in "
          f"{out_after:.1f} s; answers {dict(record.answers)}; slowest write {record.slowest_write:.1f} s "
          f"(retries included); {len(record.acked)} writes acknowledged")
    assert record.wrong == [], record.wrong
    stored = {r["idempotency_scope"].split(":", 1)[1]: str(r["id"]) for r in await rows(
        colo, "SELECT id, idempotency_scope FROM orders_order WHERE tenant_id = $1", uuid.UUID(tenant.id))}
    lost = {key: order for key, order in record.acked.items() if stored.get(key) != order}
    assert lost == {}, f"acknowledged but not stored as acknowledged: {lost}"
    # Every stored order is one a client asked for (a write cut off mid-way is either whole or absent).
    assert set(stored) <= {f"{load.run}-{n}" for n in range(load.capacity)}
    # The survivor answered after the kill; the dead replica never did.
    after = [r for r in colo.proxy.requests("colo") if r.at > time.time() - (time.monotonic() - killed_at) + 1]
    assert after and {r.server for r in after if r.status > 0} == {"b"}, after[-5:]
