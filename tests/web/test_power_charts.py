"""Measured power on the rack page and the dashboard, in Debian's Chromium against a real `colo serve`.

The dashboard plant's rack MAIN (real NetBox, A and B feeds of 230 V x 16 A x 80 %) gets two BMS
meters of the buyer, one per feed, and one meter of a stranger company on feed A; readings are
pushed through the staff push-ingest API (the real roll-ups and alerts run). The buyer's rack page
and dashboard then draw exactly the buyer's figures — the draw now, per feed against the derated
capacity and the contract, the phase current, the 7- and 30-day peaks, the 24-hour and 30-day
charts with the same numbers in their tables — never the stranger's; ops see the sum of every
meter. The stranger's person gets the same 404 for the rack as for a missing one. The buyer drew
more than its contract, so its Notifications page and GET /v1/events/mine list power.over_contract.
axe finds no serious violation on either page in az and en.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pynetbox
import pytest
from playwright.sync_api import Browser, Page, expect

from metering.discovery import DiscoveredMeter, sync_meters
from metering.status import MeterSource
from tests.web.browser import Portal, client_headers, new_tenant, sign_in, staff_person, tenant_person
from tests.web.dashboard_plant import Plant, dashboard_plant
from tests.web.test_accessibility import LANGUAGES, check

CAPACITY_W = 2944  # 230 V x 16 A x 80 %
CONTRACT_W = 900  # per feed: the buyer's 1.8 kW are exceeded by its 2 kW
A_W, B_W, STRANGER_W = 1200.0, 800.0, 500.0
A_AMPS = 5.2
PEAK_A_W, PEAK_B_W = 1800.0, 900.0  # three days ago


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
def metered(live_portal: Portal) -> Iterator[tuple[Plant, dict[str, Any]]]:
    with dashboard_plant(live_portal) as plant:
        api = pynetbox.api(live_portal.env["COLO_NETBOX_URL"], token=live_portal.env["COLO_NETBOX_TOKEN"])
        feeds = {f.type.value: f for f in api.dcim.power_feeds.filter(rack_id=plant.main_rack)}
        stranger = new_tenant(live_portal)
        s = plant.suffix
        keys = {"A": f"bms-{s}-a", "B": f"bms-{s}-b", "X": f"bms-{s}-x"}
        rows = [DiscoveredMeter(key=keys[letter], name=f"BMS {s} {letter}", netbox_device_id=None, host="",
                                feed_id=feeds[side].id, feed_name=feeds[side].name, side=side,
                                feed_capacity_w=CAPACITY_W, rack_id=plant.main_rack,
                                tenant_id=uuid.UUID(owner), contracted_w=CONTRACT_W, source=MeterSource.PUSH)
                for letter, side, owner in (("A", "primary", plant.buyer_id), ("B", "redundant", plant.buyer_id),
                                            ("X", "primary", stranger))]
        live_portal.query(lambda: sync_meters(rows, deactivate_missing=False))
        now = _minute(datetime.now(UTC))
        recent = [now - timedelta(minutes=5 * i) - timedelta(seconds=30) for i in range(6, -1, -1)]
        old = now - timedelta(days=3)
        readings: list[dict[str, Any]] = []

        def add(meter: str, at: datetime, watts: float, channel: int = 0, metric: str = "power_w") -> None:
            readings.append({"meter": meter, "at": at.isoformat(), "metric": metric, "value": watts,
                             "channel": channel})

        for at in recent:
            add(keys["A"], at, A_W)
            add(keys["A"], at, A_W, channel=1)
            add(keys["A"], at, A_AMPS, channel=1, metric="current_a")
            add(keys["A"], at, 24.5, channel=101, metric="temperature_c")
            add(keys["B"], at, B_W)
            add(keys["X"], at, STRANGER_W)
        add(keys["A"], old, PEAK_A_W)
        add(keys["B"], old, PEAK_B_W)
        add(keys["X"], old, 5000.0)
        pushed = live_portal.api("POST", "/v1/metering/readings", json={"readings": readings})
        assert pushed.status_code == 200, pushed.text
        assert pushed.json() == {"accepted": len(readings), "duplicates": 0}
        yield plant, {"stranger": stranger, "recent": recent, "old": old, "feeds": feeds}


def _person(portal: Portal, page: Page, tenant_id: str | None = None) -> None:
    email, secret = tenant_person(portal, page, tenant_id) if tenant_id else staff_person(portal, page)
    sign_in(page, portal.url, email, secret)


def _number(page: Page, selector: str, attribute: str) -> float:
    value = page.locator(selector).first.get_attribute(attribute)
    assert value is not None, (selector, attribute)
    return float(value)


def test_the_rack_page_draws_the_tenants_measured_power(live_portal: Portal, chromium: Browser,
                                                         metered: tuple[Plant, dict[str, Any]]) -> None:
    plant, made = metered
    context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": "en", "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    try:
        _person(live_portal, page, plant.buyer_id)
        page.goto(f"{live_portal.url}/racks/{plant.main_rack}")
        section = page.locator("#measured")
        expect(section).to_be_visible()
        assert _number(page, "#measured", "data-kw") == pytest.approx((A_W + B_W) / 1000)
        assert _number(page, "#measured", "data-peak-7d-kw") == pytest.approx((PEAK_A_W + PEAK_B_W) / 1000)
        assert _number(page, "#measured", "data-peak-30d-kw") == pytest.approx((PEAK_A_W + PEAK_B_W) / 1000)
        expect(page.locator("#measured-table [data-figure='kw']")).to_have_text("2 kW")
        expect(page.locator("#measured-table [data-figure='peak-7d']")).to_contain_text("2.7 kW")
        feed_a = f".feed-power[data-feed-id='{made['feeds']['primary'].id}']"
        assert _number(page, feed_a, "data-kw") == pytest.approx(A_W / 1000)  # the stranger's 500 W not in it
        assert _number(page, feed_a, "data-capacity-kw") == pytest.approx(CAPACITY_W / 1000)
        assert _number(page, feed_a, "data-contracted-kw") == pytest.approx(CONTRACT_W / 1000)
        expect(page.locator(f"{feed_a} .power-figures")).to_contain_text("Drawing 1.2 kW now. Derated capacity "
                                                                          "2.94 kW (40.8 %). Contracted 0.9 kW")
        expect(page.locator(f"{feed_a} .phases li[data-channel='1']")).to_contain_text("5.2 A")
        assert _number(page, f"{feed_a} .phases li[data-channel='1']", "data-current-a") == pytest.approx(A_AMPS)
        expect(page.locator("#measured-temperature")).to_contain_text("24.5 °C")
        buckets = {at.replace(minute=at.minute - at.minute % 5, second=0) for at in made["recent"]}
        assert _number(page, "#measured-recent", "data-points") == len(buckets)
        assert page.locator("#measured-recent polyline.mean").count() >= 1
        assert page.locator("#measured-recent-table tbody tr").count() == len(buckets)
        assert page.locator("#measured-recent line.reference[data-label='Contracted power']").get_attribute(
            "data-kw") == str(2 * CONTRACT_W / 1000)
        days = {at.date().isoformat() for at in [*made["recent"], made["old"]]}
        assert {d.get_attribute("data-day") for d in page.locator("#measured-daily g.day").all()} == days
        old_day = page.locator(f"#measured-daily g.day[data-day='{made['old'].date().isoformat()}']")
        assert float(old_day.get_attribute("data-peak-kw") or 0) == pytest.approx((PEAK_A_W + PEAK_B_W) / 1000)
        # the dashboard: the company's power, its own meters only
        page.goto(live_portal.url + "/")
        expect(page.locator("#measured")).to_be_visible()
        assert _number(page, "#measured", "data-kw") == pytest.approx((A_W + B_W) / 1000)
        assert _number(page, "#measured", "data-meters") == 2
        # the buyer drew more than its 1.8 kW contract: told through its notifications
        page.goto(live_portal.url + "/notifications?type=power.over_contract")
        expect(page.locator("tr[data-type='power.over_contract']").first).to_be_visible()
        mine = httpx.get(live_portal.url + "/v1/events/mine", headers=plant.buyer_key, timeout=30,
                         params={"type": "power.over_contract"})
        assert mine.status_code == 200, mine.text
        [event] = mine.json()["items"]
        assert event["data"]["drawn_w"] == pytest.approx(A_W + B_W)
        assert event["data"]["contracted_w"] == pytest.approx(2 * CONTRACT_W)
    finally:
        context.close()


def test_ops_see_every_meter_and_a_stranger_gets_404(live_portal: Portal, chromium: Browser,
                                                    metered: tuple[Plant, dict[str, Any]]) -> None:
    plant, made = metered
    context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    page = context.new_page()
    try:
        _person(live_portal, page)
        page.goto(f"{live_portal.url}/racks/{plant.main_rack}")
        assert _number(page, "#measured", "data-kw") == pytest.approx((A_W + B_W + STRANGER_W) / 1000)
        assert _number(page, "#measured", "data-meters") == 3
    finally:
        context.close()
    context = chromium.new_context(locale="en-US", extra_http_headers=client_headers())
    page = context.new_page()
    try:
        _person(live_portal, page, made["stranger"])
        answer = page.goto(f"{live_portal.url}/racks/{plant.main_rack}")
        assert answer is not None and answer.status == 404
        missing = page.goto(f"{live_portal.url}/racks/2000000000")
        assert missing is not None and missing.status == 404
        assert page.locator("#measured").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_power_charts_have_no_serious_accessibility_violation(
        live_portal: Portal, chromium: Browser, metered: tuple[Plant, dict[str, Any]], language: str) -> None:
    plant, _ = metered
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        _person(live_portal, page, plant.buyer_id)
        page.goto(f"{live_portal.url}/racks/{plant.main_rack}")
        expect(page.locator("#measured")).to_be_visible()
        check(page, "/racks/{id} with measured power", found)
        page.goto(live_portal.url + "/")
        expect(page.locator("#measured")).to_be_visible()
        check(page, "/ with measured power", found)
    finally:
        context.close()
    assert found == {}, found


@pytest.mark.parametrize("language", LANGUAGES)
def test_ops_see_measured_peaks_beside_committed_power_on_the_order(
        live_portal: Portal, chromium: Browser, metered: tuple[Plant, dict[str, Any]], language: str) -> None:
    plant, made = metered
    ordered = httpx.post(live_portal.url + "/v1/orders", headers=plant.buyer_key, timeout=30, json={
        "spec": {"kind": "power", "rack_id": plant.main_rack, "kw": 0.5}})
    assert ordered.status_code == 201, ordered.text
    order_id = ordered.json()["id"]
    context = chromium.new_context(extra_http_headers=client_headers())
    context.add_cookies([{"name": "colo_lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        _person(live_portal, page)
        page.goto(f"{live_portal.url}/ops/orders/{order_id}")
        check_card = page.locator("#power-check")
        expect(check_card).to_be_visible()
        staff_view = live_portal.api("GET", f"/v1/orders/{order_id}").json()["power_check"]
        assert _number(page, "#power-check", "data-requested-w") == 500
        assert _number(page, "#power-check", "data-committed-w") == staff_view["committed_w"]
        # every meter of the rack (ops): the buyer's and the stranger's, now and three days ago
        assert _number(page, "#power-check", "data-peak-7d-w") == PEAK_A_W + PEAK_B_W + 5000
        assert staff_view["measured_now_w"] == A_W + B_W + STRANGER_W
        feed_a = made["feeds"]["primary"].id
        assert page.locator(f"#power-check-feeds tr[data-feed-id='{feed_a}'] [data-figure='peak-7d']").inner_text(
            ).replace("\u00a0", "").replace(",", "").replace(".", "") == str(int(PEAK_A_W + 5000))
        check(page, "/ops/orders/{id} with the power check", found)
    finally:
        context.close()
        httpx.post(f"{live_portal.url}/v1/orders/{order_id}/cancel", headers=plant.buyer_key, timeout=30)
    assert found == {}, found
