"""The tenant dashboard and the rack page in Chromium against a real `colo serve` and the real
NetBox: what the pages draw is what the API answers the same tenant, and nothing more (the plant:
tests/web/dashboard_plant.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.web.browser import Portal, client_headers, sign_in, staff_person, tenant_person
from tests.web.dashboard_plant import MISSING_RACK, Plant, dashboard_plant


@pytest.fixture(scope="module")
def plant(live_portal: Portal) -> Iterator[Plant]:
    """One plant for the module: the tests only read it."""
    with dashboard_plant(live_portal) as built:
        yield built


def _api(portal: Portal, plant: Plant, path: str, **params: Any) -> Any:
    answer = httpx.get(portal.url + path, headers=plant.buyer_key, params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _power(page: Page, scope: str, rack: int) -> tuple[int, int, int]:
    bar = page.locator(f"{scope} .power[data-rack-id='{rack}']")
    return tuple(int(bar.get_attribute(name) or "-1")  # type: ignore[return-value]
                 for name in ("data-sellable-va", "data-committed-va", "data-free-va"))


def _runs(page: Page, svg: str, kind: str) -> set[int]:
    units: set[int] = set()
    for run in page.locator(f"{svg} g.unit-run[data-kind='{kind}']").all():
        units |= set(range(int(run.get_attribute("data-first") or 0), int(run.get_attribute("data-last") or 0) + 1))
    return units


def _main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def test_dashboard_and_rack_page_draw_what_the_api_gives_and_never_a_neighbours_name(
    live_portal: Portal, browser_page: Page, plant: Plant,
) -> None:
    page = browser_page
    email, secret = tenant_person(live_portal, page, plant.buyer_id, role="tenant_member")
    sign_in(page, live_portal.url, email, secret)
    expect(page.locator("main h1")).to_have_text("Dashboard")

    listed = _api(live_portal, plant, "/v1/racks")
    assert [r["netbox_id"] for r in listed["items"]] == [plant.main_rack]  # the other rack is not the buyer's
    api_rack = listed["items"][0]
    detail = _api(live_portal, plant, f"/v1/racks/{plant.main_rack}")
    api_mine = sorted(u["unit"] for u in detail["units"] if u.get("mine"))
    api_taken = {u["unit"] for u in detail["units"] if not u.get("mine") and u["state"] != "free"}
    assert api_mine == plant.mine and {20, 30, 31} <= api_taken
    assert api_rack["power"]["committed_va"] >= 400 and api_rack["power"]["sellable_va"] == 2944

    # the dashboard: the rack, its small drawing, its power bar — the list's figures
    card = page.locator(f"li.rack-card[data-rack-id='{plant.main_rack}']")
    expect(card.get_by_role("link", name=plant.main_name, exact=True)).to_have_attribute(
        "href", f"/racks/{plant.main_rack}")
    assert page.locator("li.rack-card").count() == 1
    assert page.locator("#rack-count").get_attribute("data-count") == "1"
    assert _power(page, "li.rack-card", plant.main_rack) == (
        api_rack["power"]["sellable_va"], api_rack["power"]["committed_va"], api_rack["power"]["free_va"])
    small = f"li.rack-card[data-rack-id='{plant.main_rack}'] svg.elevation"
    assert sorted(_runs(page, small, "mine")) == api_mine
    assert _runs(page, small, "occupied") == api_taken
    expect(page.locator("#plant-freshness")).to_contain_text("Plant data as of")
    # open orders and what each waits for
    expect(page.locator(f"tr[data-order-id='{plant.submitted_order}']")).to_contain_text("The datacenter to review it")
    expect(page.locator(f"tr[data-order-id='{plant.action_order}']")).to_contain_text(
        "You: the datacenter needs more from you")
    expect(page.locator(f"tr[data-order-id='{plant.action_order}'] a")).to_have_attribute(
        "href", f"/orders/{plant.action_order}")
    assert page.locator("#open-orders tbody tr").first.get_attribute("data-order-id") == plant.action_order
    content = page.content()
    assert plant.neighbour_name not in content and plant.neighbour_device not in content
    assert " style=" not in content

    # the rack page: the full drawing with its table, the budget, the feeds
    card.get_by_role("link", name=plant.main_name, exact=True).click()
    expect(page).to_have_url(f"{live_portal.url}/racks/{plant.main_rack}")
    expect(page.locator("main h1")).to_contain_text(plant.main_name)
    svg = page.locator("main svg.elevation[role='img']")
    labelled = (svg.get_attribute("aria-labelledby") or "").split()
    assert len(labelled) == 2
    assert page.locator(f"[id='{labelled[0]}']").evaluate("e => e.tagName") == "title"
    assert page.locator(f"[id='{labelled[1]}']").evaluate("e => e.tagName") == "desc"
    assert sorted(_runs(page, "main svg.elevation", "mine")) == api_mine
    assert _runs(page, "main svg.elevation", "occupied") == api_taken
    own = page.locator("main svg.elevation g.unit-run[data-kind='mine'] text").all_text_contents()
    assert own and all(plant.buyer_name in label for label in own)
    occupied = page.locator("main svg.elevation g.unit-run[data-kind='occupied'] text").all_text_contents()
    assert occupied and all(label.endswith("Occupied") for label in occupied)
    rows = page.locator("table.units tbody tr")
    assert rows.count() == 42
    assert {int((r.locator("td").first.text_content() or "").strip()[1:])
            for r in page.locator("table.units tr[data-kind='occupied']").all()} == api_taken
    assert all((r.locator("td").nth(1).text_content() or "").strip() == "Occupied"
               for r in page.locator("table.units tr[data-kind='occupied']").all())
    assert _power(page, "main", plant.main_rack) == (
        detail["rack"]["power"]["sellable_va"], detail["rack"]["power"]["committed_va"],
        detail["rack"]["power"]["free_va"])
    assert page.locator("#feeds tbody tr").count() == len(detail["feeds"]) == 2
    expect(page.get_by_role("link", name="Order rack space in this rack")).to_have_attribute(
        "href", f"/orders/new?kind=space&rack_id={plant.main_rack}")
    expect(page.get_by_role("link", name="Order power for this rack")).to_have_attribute(
        "href", f"/orders/new?kind=power&rack_id={plant.main_rack}")
    content = page.content()
    assert plant.neighbour_name not in content and plant.neighbour_device not in content
    assert " style=" not in content

    # the neighbour's rack answers exactly like a rack that does not exist
    theirs = page.goto(f"{live_portal.url}/racks/{plant.other_rack}")
    assert theirs is not None and theirs.status == 404
    theirs_text = _main_text(page)
    missing = page.goto(f"{live_portal.url}/racks/{MISSING_RACK}")
    assert missing is not None and missing.status == 404
    assert _main_text(page) == theirs_text
    assert re.search("does not exist", theirs_text)
    assert httpx.get(f"{live_portal.url}/v1/racks/{plant.other_rack}", headers=plant.buyer_key,
                     timeout=30).status_code == 404  # and the API agrees


def test_staff_see_on_the_rack_page_the_names_the_read_model_gives_them(
    live_portal: Portal, browser_page: Page, plant: Plant,
) -> None:
    page = browser_page
    email, secret = staff_person(live_portal, page, role="ops")
    sign_in(page, live_portal.url, email, secret)
    expect(page.locator("main h1")).to_be_visible()
    assert page.locator("li.rack-card").count() == 0  # staff get their start page, not a dashboard
    page.goto(f"{live_portal.url}/racks/{plant.main_rack}")
    labels = " ".join(page.locator("main svg.elevation text").all_text_contents())
    assert plant.neighbour_device in labels  # the device at U20, as GET /v1/racks/{id} names it for ops
    assert _runs(page, "main svg.elevation", "mine") == set()
    with page.context.browser.new_context(extra_http_headers=client_headers()) as other:
        # the same page, for the buyer, never names it (the first test checks the whole page)
        buyer = other.new_page()
        buyer_email, buyer_secret = tenant_person(live_portal, buyer, plant.buyer_id, role="tenant_member")
        sign_in(buyer, live_portal.url, buyer_email, buyer_secret)
        buyer.goto(f"{live_portal.url}/racks/{plant.main_rack}")
        assert plant.neighbour_device not in buyer.content()
