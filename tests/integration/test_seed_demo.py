"""The demo seed against the real NetBox: what it builds, and that a second run changes nothing."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from dcim.netbox import NetBoxGateway
from devtools.demo.plan import DEMO_TAG, DemoPlant, build_plant
from devtools.demo.seed import remove_plant, seed_demo

KINDS = ("racks", "devices", "power_feeds", "power_panels", "power_ports", "rear_ports",
         "front_ports", "rack_reservations", "locations")


async def _snapshot(gateway: NetBoxGateway, site_slug: str, labels: list[str]) -> dict[str, Any]:
    """Every object of one site (and its cables) with its last_updated stamp."""

    def read(api: Any) -> dict[str, Any]:
        site = api.dcim.sites.get(slug=site_slug)
        out = {kind: sorted((r.id, str(r.last_updated)) for r in getattr(api.dcim, kind).filter(
            site_id=site.id, limit=1000)) for kind in KINDS}
        out["cables"] = sorted((r.id, str(r.last_updated))
                               for r in api.dcim.cables.filter(label=labels, limit=1000))
        out["site"] = str(site.last_updated)
        return out

    return await gateway.call(read, what="snapshot")


def _labels(plant: DemoPlant) -> list[str]:
    return [f"PWR-{d.feed}" for d in plant.devices if d.feed] + [c.label for c in plant.cables]


@pytest.mark.timeout(900)
async def test_second_seed_run_changes_nothing(gateway: NetBoxGateway) -> None:
    # A private copy of the facility, so nobody else's tests can touch what is compared.
    suffix = uuid.uuid4().hex[:6]
    # Smaller than the demo (same code paths, every kind of object) to spare the shared NetBox.
    plant = build_plant(site_name=f"Seed test {suffix}", site_slug=f"colo-seedtest-{suffix}",
                        prefix=f"T{suffix}-", racks_per_row=(5, 5))
    try:
        first = await seed_demo(gateway, plant=plant)
        assert first.created["racks"] == len(plant.racks)
        assert first.created["power feeds"] == 2 * len(plant.racks)
        before = await _snapshot(gateway, plant.site_slug, _labels(plant))

        started = time.perf_counter()
        second = await seed_demo(gateway, plant=plant)
        second_seconds = time.perf_counter() - started
        after = await _snapshot(gateway, plant.site_slug, _labels(plant))
    finally:
        await remove_plant(gateway, plant)

    assert second.total_created == 0, second.created
    assert after == before
    assert len(before["racks"]) == len(plant.racks) and len(before["cables"]) == len(_labels(plant))
    print(f"seed: first run {first.seconds:.1f} s, second run {second_seconds:.1f} s")


async def test_demo_site_has_racks_feeds_and_patch_panels(gateway: NetBoxGateway, seeded: DemoPlant) -> None:
    def read(api: Any) -> dict[str, Any]:
        site = api.dcim.sites.get(slug=seeded.site_slug)
        return {
            "racks": [dict(r) for r in api.dcim.racks.filter(site_id=site.id, tag=DEMO_TAG, limit=1000)],
            "feeds": [dict(r) for r in api.dcim.power_feeds.filter(site_id=site.id, limit=1000)],
            "fronts": [dict(r) for r in api.dcim.front_ports.filter(
                site_id=site.id, device_role="patch-panel", location="mmr", limit=1000)],
            "locations": {r.slug for r in api.dcim.locations.filter(site_id=site.id)},
        }

    plant = await gateway.call(read, what="read demo")
    # The demo's own feeds: on a used NetBox, circuits sold by orders hang off the same racks.
    demo_feeds = {name for name, *_ in seeded.feeds()}
    racks, feeds = plant["racks"], [f for f in plant["feeds"] if f["name"] in demo_feeds]
    assert len(feeds) == len(demo_feeds)
    assert len(racks) >= 40
    assert {r["u_height"] for r in racks} == {42, 47}
    assert {"dh1", "dh2", "mmr"} <= plant["locations"]
    by_rack: dict[int, list[dict[str, Any]]] = {}
    for feed in feeds:
        by_rack.setdefault(feed["rack"]["id"], []).append(feed)
    for rack in racks:
        kinds = sorted(f["type"]["value"] for f in by_rack[rack["id"]])
        assert kinds == ["primary", "redundant"], rack["name"]
    assert {f["max_utilization"] for f in feeds} == {80}
    assert {(f["voltage"], f["amperage"], f["phase"]["value"]) for f in feeds} == {
        (230, 16, "single-phase"), (400, 32, "three-phase")}
    fronts = plant["fronts"]
    assert {f["type"]["value"] for f in fronts} == {"lc-upc", "8p8c"}
    # Every meet-me-room front port maps onto a rear port (fibre: a position of an MPO trunk).
    assert all(f["rear_ports"] and f["rear_ports"][0]["rear_port"] for f in fronts)
    assert sum(1 for f in fronts if f["cable"]) >= 3  # the existing cross-connects
