"""Notice impact computed from the plant: a site this test builds in the real NetBox (two power
panels, four racks of four tenants, their A and B feeds), read into the read model as NetBox's
webhooks would, then panel, feed, rack, hall and patch-panel cases against a hand-computed answer.

R1 and R2 are fed A from panel A and B from panel B; R3 takes both feeds from panel A; R4 both
from panel B. So panel A takes side A of R1 and R2 (they keep B), both sides of R3 (it goes dark),
nothing of R4 — and its tenant is not told."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pynetbox
import pytest_asyncio

from dcim.impact import CrossConnectImpact, PlantTargets, TenantImpact, compute_impact
from dcim.netbox import NetBoxGateway
from dcim.orders.tables import Loa, Order
from dcim.readmodel.sync import refresh_racks
from tests.api.notify.support import MakeTenant, Run
from tests.netbox_cleanup import remove_sites


@dataclass(frozen=True)
class Plant:
    site: int
    hall: int
    panels: dict[str, int]
    racks: dict[str, int]
    feeds: dict[str, int]  # "R1-A" → id
    tenants: dict[str, uuid.UUID]  # "R1" → the Colo tenant holding that rack


def build(api: Any, s: str, netbox_tenants: dict[str, int]) -> Plant:
    site = api.dcim.sites.create(name=f"Impact {s}", slug=f"impact-{s}")
    hall = api.dcim.locations.create(name=f"Impact Hall {s}", slug=f"impact-hall-{s}", site=site.id)
    panels = {side: api.dcim.power_panels.create(site=site.id, location=hall.id, name=f"Impact PP-{side} {s}").id
              for side in "AB"}
    wiring = {"R1": ("A", "B"), "R2": ("A", "B"), "R3": ("A", "A"), "R4": ("B", "B")}  # panel of feed A, of B
    racks, feeds = {}, {}
    for key, (a_panel, b_panel) in wiring.items():
        racks[key] = api.dcim.racks.create(name=f"IM-{key}-{s}", site=site.id, location=hall.id, u_height=42,
                                           status="active", tenant=netbox_tenants[key]).id
        for side, panel, kind in (("A", a_panel, "primary"), ("B", b_panel, "redundant")):
            feeds[f"{key}-{side}"] = api.dcim.power_feeds.create(
                power_panel=panels[panel], rack=racks[key], name=f"{key}-{side}-{s}", status="active", type=kind,
                supply="ac", phase="single-phase", voltage=230, amperage=16, max_utilization=80).id
    return Plant(site=site.id, hall=hall.id, panels=panels, racks=racks, feeds=feeds, tenants={})


@pytest_asyncio.fixture(scope="module")
async def plant(netbox_state: Any, make_tenant: MakeTenant, run_in_app: Run) -> AsyncIterator[Plant]:
    tenants = {key: await make_tenant() for key in ("R1", "R2", "R3", "R4")}
    api = pynetbox.api(netbox_state.url, token=netbox_state.token)
    built = await asyncio.to_thread(build, api, uuid.uuid4().hex[:8],
                                    {k: t.netbox_tenant_id for k, t in tenants.items()})
    built = Plant(**{**built.__dict__, "tenants": {k: t.id for k, t in tenants.items()}})
    try:
        await run_in_app(refresh_racks, NetBoxGateway(url=netbox_state.url, token=netbox_state.token),
                         list(built.racks.values()))
        yield built
    finally:
        await asyncio.to_thread(remove_sites, api, [built.site])


def summary(impacts: list[TenantImpact], plant: Plant) -> dict[str, list[tuple[str, list[str], bool, bool]]]:
    """rack key of the tenant → [(rack key, sides lost, keeps power, whole rack)]."""
    key_of_tenant = {t: k for k, t in plant.tenants.items()}
    key_of_rack = {r: k for k, r in plant.racks.items()}
    return {key_of_tenant[i.tenant_id]: [(key_of_rack[r.rack_id], r.sides_lost, r.keeps_power, r.whole_rack)
                                         for r in i.racks]
            for i in impacts if i.tenant_id in key_of_tenant}


async def test_a_power_panel_takes_one_side_of_some_racks_and_both_of_another(plant: Plant, run_in_app: Run) -> None:
    impacts = await run_in_app(compute_impact, PlantTargets(power_panels=[plant.panels["A"]]))
    assert summary(impacts, plant) == {
        "R1": [("R1", ["A"], True, False)],
        "R2": [("R2", ["A"], True, False)],
        "R3": [("R3", ["A", "B"], False, False)],
    }


async def test_a_feed_takes_its_side_of_its_rack_only(plant: Plant, run_in_app: Run) -> None:
    impacts = await run_in_app(compute_impact, PlantTargets(power_feeds=[plant.feeds["R1-B"]]))
    assert summary(impacts, plant) == {"R1": [("R1", ["B"], True, False)]}
    both = await run_in_app(compute_impact, PlantTargets(power_feeds=[plant.feeds["R4-A"], plant.feeds["R4-B"]]))
    assert summary(both, plant) == {"R4": [("R4", ["A", "B"], False, False)]}


async def test_a_rack_and_a_hall_touch_their_racks_as_a_whole(plant: Plant, run_in_app: Run) -> None:
    impacts = await run_in_app(compute_impact, PlantTargets(racks=[plant.racks["R4"]]))
    assert summary(impacts, plant) == {"R4": [("R4", [], True, True)]}
    hall = await run_in_app(compute_impact, PlantTargets(locations=[plant.hall]))
    assert summary(hall, plant) == {k: [(k, [], True, True)] for k in ("R1", "R2", "R3", "R4")}
    assert all(i.tenant_id in plant.tenants.values() for i in hall)  # nobody outside the built site


async def test_a_patch_panel_reaches_both_ends_of_its_cross_connects(
        plant: Plant, run_in_app: Run, make_tenant: MakeTenant) -> None:
    a_tenant, z_tenant, bystander = await make_tenant(), await make_tenant(), await make_tenant()
    panel, other_panel = 900_000_000 + uuid.uuid4().int % 1_000_000, 800_000_000 + uuid.uuid4().int % 1_000_000
    now = datetime.now(UTC)

    async def orders() -> tuple[uuid.UUID, uuid.UUID]:
        hit, miss = uuid.uuid4(), uuid.uuid4()
        for order_id, tenant, device in ((hit, a_tenant.id, panel), (miss, bystander.id, other_panel)):
            await Order.insert(Order(id=order_id, tenant_id=tenant, kind="cross_connect", state="active",
                                     spec={"a_port": {"id": 1, "device_id": device},
                                           "z_port": {"id": 2, "device_id": other_panel + 1}},
                                     created_at=now, updated_at=now))
            await Loa.insert(Loa(id=uuid.uuid4(), order_id=order_id, a_tenant_id=tenant,
                                 z_tenant_id=z_tenant.id if order_id == hit else None, status="loa_granted",
                                 created_at=now))
        return hit, miss

    hit, _ = await run_in_app(orders)
    impacts = await run_in_app(compute_impact, PlantTargets(patch_panels=[panel]))
    assert {(i.tenant_id, tuple(i.cross_connects)) for i in impacts} == {
        (a_tenant.id, (CrossConnectImpact(order_id=hit, end="A"),)),
        (z_tenant.id, (CrossConnectImpact(order_id=hit, end="Z"),)),
    }


async def test_a_notice_on_a_panel_tells_exactly_the_tenants_fed_by_it_and_updates_reach_the_same_audience(
        plant: Plant, run_in_app: Run) -> None:
    from api.notice_impact import audience_of
    from colo.identity import Principal, Role
    from colo.outbox import NoticeChanged, OutboxEvent
    from colo.paging import PageRequest
    from notify.notices import NoticeCreate, NoticeTargets, NoticeUpdate, my_notices, publish_notice, update_notice
    from notify.status import NoticeKind, NoticeStatus

    ops = Principal(key_id="ops", role=Role.OPS, name="ops on duty")
    targets = NoticeTargets(power_panels=[plant.panels["A"]])
    data = NoticeCreate(kind=NoticeKind.MAINTENANCE, summary="UPS swap on panel A", starts_at=datetime.now(UTC),
                        targets=targets)
    notice = await run_in_app(publish_notice, principal=ops, data=data, audience=await run_in_app(audience_of, targets))
    assert notice.tenants_affected == 3

    async def told(key: str, type: str) -> list[NoticeChanged]:
        import msgspec

        rows = await run_in_app(OutboxEvent.select().where(
            (OutboxEvent.tenant_id == plant.tenants[key]) & (OutboxEvent.type == type)).run)
        return [msgspec.json.decode(r["payload"], type=NoticeChanged) for r in rows]

    for key in ("R1", "R2"):
        [mine] = await told(key, "notice.published")
        assert [(r.rack_id, r.sides_lost, r.keeps_power) for r in mine.racks] == [(plant.racks[key], ["A"], True)]
    [dark] = await told("R3", "notice.published")
    assert [(r.sides_lost, r.keeps_power) for r in dark.racks] == [(["A", "B"], False)]
    assert await told("R4", "notice.published") == []
    tenant = Principal(key_id="t", role=Role.TENANT_ADMIN, name="t", tenant_id=plant.tenants["R1"])
    [shown] = (await run_in_app(my_notices, principal=tenant, page=PageRequest())).items
    assert [r.rack_id for r in shown.racks] == [plant.racks["R1"]]  # its own rack only
    outsider = Principal(key_id="o", role=Role.TENANT_ADMIN, name="o", tenant_id=plant.tenants["R4"])
    assert (await run_in_app(my_notices, principal=outsider, page=PageRequest())).items == []
    # moved to R4's A feed: R1 to R3 are told they are no longer affected, R4 is told it is
    moved = NoticeTargets(power_feeds=[plant.feeds["R4-A"]])
    await run_in_app(update_notice, principal=ops, notice_id=notice.id, audience=await run_in_app(audience_of, moved),
                     data=NoticeUpdate(status=NoticeStatus.RESCHEDULED, targets=moved))
    for key in ("R1", "R2", "R3"):
        [update] = await told(key, "notice.updated")
        assert (update.status, update.racks) == ("rescheduled", [])
    [update] = await told("R4", "notice.updated")
    assert [(r.sides_lost, r.keeps_power) for r in update.racks] == [(["A"], True)]
    assert (await run_in_app(my_notices, principal=tenant, page=PageRequest())).items == []
