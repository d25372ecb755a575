"""NetBox down: a sync fails with 503 and the read model keeps serving the last good data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from colo.errors import Unavailable
from dcim.netbox import NetBoxGateway
from dcim.readmodel.sync import full_sync, refresh_racks

pytestmark = pytest.mark.usefixtures("seeded")


async def test_sync_against_a_dead_netbox_changes_nothing(
    client: AsyncTestClient, ops_key: Any, run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    assert (await client.post("/v1/netbox/sync", headers=ops_key.headers)).status_code == 200
    before = (await client.get("/v1/racks", params={"limit": 200}, headers=ops_key.headers)).json()
    dead = NetBoxGateway(url="http://127.0.0.1:9", token="nbt_x.y", connect_timeout=0.5, read_timeout=0.5)
    with pytest.raises(Unavailable):
        await run_in_app(full_sync, dead)
    with pytest.raises(Unavailable):
        await run_in_app(refresh_racks, dead, [before["items"][0]["netbox_id"]])
    after = (await client.get("/v1/racks", params={"limit": 200}, headers=ops_key.headers)).json()
    assert [r["netbox_id"] for r in after["items"]] == [r["netbox_id"] for r in before["items"]]
    assert [(r["free_units"], r["reserved_units"]) for r in after["items"]] == \
        [(r["free_units"], r["reserved_units"]) for r in before["items"]]
    # Its age keeps growing rather than being reset by the failed attempt.
    assert after["freshness"]["data_age_seconds"] >= before["freshness"]["data_age_seconds"]
