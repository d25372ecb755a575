"""The order timeline in Chromium against a real `colo serve` and the real NetBox: ops move a
space order to fulfilled from the order page and its timeline then shows every step done, in the
order they happened, each with its time on the facility's clock, "Fulfilled: in service" as the
state now and nothing left to come — the tenant's order page draws the same; an order whose
fulfilment could not reach NetBox shows its next attempt on the timeline, until a run builds it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from colo.settings import Settings
from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, new_tenant, sign_in, staff_person, tenant_person
from tests.web.orders_support import RETRY_AT, PortalPlant, ops_order, ops_step, portal_plant, postponed_order
from web.i18n import Languages

FULFILLED = ["submitted", "in_review", "approved", "provisioning", "active"]


@pytest.fixture(scope="module")
def timeline_site(netbox_state: NetBoxState, live_portal: Portal) -> Iterator[PortalPlant]:
    yield from portal_plant(netbox_state, live_portal)


def steps(page: Page) -> list[tuple[str | None, str | None, str | None]]:
    """(state, kind, now) of every step drawn, left to right."""
    marks = page.locator("svg#timeline g.step")
    return [(m.get_attribute("data-state"), m.get_attribute("data-kind"), m.get_attribute("data-now"))
            for m in marks.all()]


def test_ops_fulfil_an_order_and_its_timeline_shows_every_step_with_its_time(
        live_portal: Portal, browser_page: Page, timeline_site: PortalPlant, settings: Settings) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = new_tenant(live_portal)
    order_id = ops_order(live_portal, tenant_id, {
        "kind": "space", "rack_id": timeline_site.racks["journey"], "units": 1, "position": 20})
    ops_step(live_portal, order_id, "review")
    ops_step(live_portal, order_id, "approve", "capacity checked")

    email, secret = staff_person(live_portal, page, role="ops")
    sign_in(page, base, email, secret)
    page.goto(f"{base}/ops/orders/{order_id}")
    timeline = page.locator("svg#timeline[role=img]")
    expect(timeline).to_have_attribute("data-state", "approved")
    assert steps(page) == [("submitted", "done", None), ("in_review", "done", None), ("approved", "done", "true"),
                           ("provisioning", "planned", None), ("active", "planned", None)]
    expect(timeline.locator("desc")).to_contain_text("Now: Approved. Waiting for: Fulfilment in NetBox.")

    page.locator("#action-fulfil button[type=submit]").click()
    expect(page).to_have_url(f"{base}/ops/orders/{order_id}?done=fulfil")
    expect(timeline).to_have_attribute("data-state", "active")
    assert steps(page) == [(state, "done", "true" if state == "active" else None) for state in FULFILLED]
    expect(timeline.locator("title").first).to_have_text("Timeline of the order")
    expect(timeline.locator("desc")).to_contain_text("Now: Fulfilled: in service. Waiting for: Nothing.")
    expect(timeline.locator("g.step[data-now=true] text").first).to_have_text("Fulfilled: in service")
    expect(timeline.locator("g.step[data-state=provisioning]")).to_contain_text("run 1")
    # each step's time is the event's, on the facility's clock; the history table stays beside it
    events = live_portal.api("GET", f"/v1/orders/{order_id}/events").json()["items"]
    assert [e["to_state"] for e in events] == FULFILLED
    english = Languages(settings.time_zone).get("en")
    for event, mark in zip(events, timeline.locator("g.step").all(), strict=True):
        day, clock = english.date_and_time(datetime.fromisoformat(event["at"]))
        assert mark.locator("text.when").all_text_contents() == [day, clock]
    assert page.locator("#history tbody tr").count() == len(FULFILLED)

    # the tenant's own order page draws the same timeline
    page.context.clear_cookies()
    email, secret = tenant_person(live_portal, page, tenant_id)
    sign_in(page, base, email, secret)
    page.goto(f"{base}/orders/{order_id}")
    expect(page.locator("svg#timeline[role=img]")).to_have_attribute("data-state", "active")
    assert steps(page) == [(state, "done", "true" if state == "active" else None) for state in FULFILLED]
    expect(page.locator("svg#timeline desc")).to_contain_text("Now: Fulfilled: in service.")


def test_an_order_waiting_for_netbox_shows_its_next_attempt_until_it_is_built(
        live_portal: Portal, browser_page: Page, timeline_site: PortalPlant, settings: Settings) -> None:
    page, base = browser_page, live_portal.url
    order_id = postponed_order(live_portal, timeline_site.racks["actions"], 25)
    email, secret = staff_person(live_portal, page, role="ops")
    sign_in(page, base, email, secret)
    page.goto(f"{base}/ops/orders/{order_id}")
    assert steps(page)[3:] == [("provisioning", "done", "true"), ("attempt", "attempt", None),
                               ("active", "planned", None)]
    day, clock = Languages(settings.time_zone).get("en").date_and_time(RETRY_AT)
    attempt = page.locator("svg#timeline g.step[data-kind=attempt]")
    assert attempt.locator("text.when").all_text_contents() == [day, clock]
    expect(attempt).to_contain_text("NetBox could not be reached")
    expect(page.locator("svg#timeline desc")).to_contain_text("Next attempt at")

    page.locator("#action-fulfil button[type=submit]").click()  # NetBox answers now: built
    expect(page.locator("svg#timeline")).to_have_attribute("data-state", "active")
    expect(page.locator("svg#timeline g.step[data-kind=attempt]")).to_have_count(0)
