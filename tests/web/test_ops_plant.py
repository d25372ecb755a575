"""The ops console's plant pages in a real browser against a real `colo serve` and the real
NetBox: the capacity map of a private site agrees with GET /v1/racks and lights up exactly the
racks POST /v1/capacity/search places in; a reconciliation run lists a NetBox reservation made
without an order, linked to NetBox; a tenant is suspended, reinstated and offboarded through
the confirmation step; a tenant's admin finds no ops page (the answer of a missing page)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pynetbox
import pytest
from playwright.sync_api import Page, expect

from devtools.demo.seed import authenticated_user_id
from devtools.netbox.paths import NetBoxState
from tests.web.browser import Portal, new_tenant, sign_in, staff_person, tenant_person
from tests.web.orders_support import PortalPlant, portal_plant, sync_plant

# Reservations made in NetBox without a Colo order: they shape the racks' free units, and each
# is an undocumented_reservation finding. 42U racks: 30 free (most), 2 free (low).
RESERVED = {"actions": list(range(1, 13)), "paging": list(range(1, 41))}
EXPECTED_CLASS = {"journey": "free-most", "a11y": "free-most", "actions": "free-some", "paging": "free-low"}


@dataclass(frozen=True)
class OpsPlant:
    plant: PortalPlant
    reservations: dict[str, int]  # rack key → NetBox reservation id
    netbox_url: str


def ops_plant_site(netbox: NetBoxState, portal: Portal) -> Iterator[OpsPlant]:
    """A private site (orders_support) with two order-less reservations, synced into the read model."""
    for plant in portal_plant(netbox, portal):
        api = pynetbox.api(netbox.url, token=netbox.token)
        user = authenticated_user_id(api)
        made = {key: api.dcim.rack_reservations.create(rack=plant.racks[key], units=units, user=user,
                                                       description=f"ops plant test {plant.suffix}").id
                for key, units in RESERVED.items()}
        sync_plant(portal, netbox, plant)
        yield OpsPlant(plant=plant, reservations=made, netbox_url=netbox.url.rstrip("/"))


@pytest.fixture(scope="module")
def ops_site(netbox_state: NetBoxState, live_portal: Portal) -> Iterator[OpsPlant]:
    yield from ops_plant_site(netbox_state, live_portal)


def as_ops(portal: Portal, page: Page) -> str:
    """Sign an ops person in; their e-mail."""
    email, secret = staff_person(portal, page, role="ops")
    sign_in(page, portal.url, email, secret)
    expect(page).to_have_url(portal.url + "/")
    return email


def test_capacity_map_matches_the_api_and_lights_up_the_search(live_portal: Portal, browser_page: Page,
                                                               ops_site: OpsPlant) -> None:
    page, plant = browser_page, ops_site.plant
    as_ops(live_portal, page)
    listed = live_portal.api("GET", f"/v1/racks?site_id={plant.site_id}&limit=100")
    assert listed.status_code == 200, listed.text
    racks = {rack["netbox_id"]: rack for rack in listed.json()["items"]}
    assert set(racks) == set(plant.racks.values())

    page.goto(live_portal.url + f"/ops/capacity?site_id={plant.site_id}&hall={plant.hall}")
    expect(page.locator("svg.hallmap[role=img] > title")).to_contain_text(plant.hall)
    for key, rack_id in plant.racks.items():
        cell = page.locator(f"svg.hallmap g.rack-cell[data-rack-id='{rack_id}']")
        assert cell.get_attribute("data-free-units") == str(racks[rack_id]["free_units"])
        assert EXPECTED_CLASS[key] in (cell.get_attribute("class") or "").split(), key
        power = racks[rack_id]["power"]
        assert power["sellable_va"] > 0 and power["free_va"] > 0  # A+B feeds of 230 V x 16 A x 80 %
        assert cell.get_attribute("data-headroom") == str(round(100 * power["free_va"] / power["sellable_va"]))
        row = page.locator(f"#hall-racks tr[data-rack-id='{rack_id}']")
        assert row.get_attribute("data-free-class") == EXPECTED_CLASS[key]
        expect(row.locator(f"a[href='/racks/{rack_id}']")).to_have_text(plant.rack_names[key])
    assert page.locator("svg.hallmap g.rack-cell.lit").count() == 0
    page.locator("#capacity-map-form button[type=submit]").click()  # empty units: the map alone, no error
    expect(page.locator("svg.hallmap")).to_be_visible()
    expect(page.locator("#placements, .error")).to_have_count(0)

    page.locator("#f-units").fill("35")
    page.locator("#f-kw").fill("1")
    page.locator("#capacity-map-form button[type=submit]").click()
    expect(page.locator("#placements")).to_be_visible()
    searched = live_portal.api("POST", "/v1/capacity/search", json={
        "units": 35, "kw": 1.0, "redundant": True, "site_id": plant.site_id, "hall": plant.hall})
    assert searched.status_code == 200, searched.text
    placed = [p["rack_id"] for p in searched.json()["placements"]]
    assert sorted(placed) == sorted([plant.racks["journey"], plant.racks["a11y"]])
    lit = page.locator("svg.hallmap g.rack-cell.lit")
    assert sorted(int(lit.nth(i).get_attribute("data-rack-id") or 0) for i in range(lit.count())) == sorted(placed)
    ranked = page.locator("#placements tbody tr")
    assert [int(ranked.nth(i).get_attribute("data-rack-id") or 0) for i in range(ranked.count())] == placed


def test_capacity_map_and_rack_page_draw_the_a_and_b_sides_of_a_rack_whose_sides_differ(
        live_portal: Portal, browser_page: Page, ops_site: OpsPlant, netbox_state: NetBoxState) -> None:
    """A rack fed 230 V x 32 A on A and 230 V x 16 A on B (80 %): A carries 5,888 W, B 2,944 W; the
    rack sells B's (the weaker side), and the map, its table and the rack page show both."""
    from dcim.netbox import NetBoxGateway
    from dcim.readmodel.sync import refresh_racks

    page, plant = browser_page, ops_site.plant
    api = pynetbox.api(netbox_state.url, token=netbox_state.token)
    hall = api.dcim.locations.get(slug=f"portal-hall-{plant.suffix}")
    panels = {p.name: p.id for p in api.dcim.power_panels.filter(site_id=plant.site_id)}
    rack = api.dcim.racks.create(name=f"PO-sides-{plant.suffix}", site=plant.site_id, location=hall.id,
                                 u_height=42, status="active")
    feeds = []
    for side, kind, amperage in (("A", "primary", 32), ("B", "redundant", 16)):
        feeds.append(api.dcim.power_feeds.create(power_panel=panels[f"PP-{side}-{plant.suffix}"], rack=rack.id,
                                    name=f"sides-{kind}-{plant.suffix}", status="active", type=kind, supply="ac",
                                    phase="single-phase", voltage=230, amperage=amperage, max_utilization=80))

    def sync() -> None:
        async def run() -> None:
            await refresh_racks(NetBoxGateway(url=netbox_state.url, token=netbox_state.token), [rack.id])

        live_portal.query(run)

    sync()
    try:
        power = live_portal.api("GET", f"/v1/racks/{rack.id}").json()["rack"]["power"]
        assert (power["sellable_va"], power["redundant"]) == (2944, True)
        committed = power["committed_va"]
        free = {"A": 5888 - committed, "B": 2944 - committed}
        as_ops(live_portal, page)
        page.goto(live_portal.url + f"/ops/capacity?site_id={plant.site_id}&hall={plant.hall}")
        cell = page.locator(f"svg.hallmap g.rack-cell[data-rack-id='{rack.id}']")
        for side in ("A", "B"):
            bar = cell.locator(f"g.side-bar[data-side={side}]")
            assert bar.get_attribute("data-free-va") == str(free[side])
            assert bar.get_attribute("data-available-va") == str({"A": 5888, "B": 2944}[side])
            assert bar.get_attribute("data-headroom") == str(round(100 * free[side] / {"A": 5888, "B": 2944}[side]))
            cells = page.locator(f"#hall-racks tr[data-rack-id='{rack.id}'] td.side-free[data-side={side}]")
            expect(cells).to_have_attribute("data-free-va", str(free[side]))
        assert cell.locator("g.side-bar[data-weaker=true]").get_attribute("data-side") == "B"
        expect(cell.locator("title").first).to_contain_text(f"A side {free['A']:,} W, B side {free['B']:,} W")
        expect(page.locator(f"#hall-racks tr[data-rack-id='{rack.id}'] td.side-free[data-side=B]")).to_contain_text(
            "weaker")
        assert cell.get_attribute("data-headroom") == str(round(100 * free["B"] / 2944))  # the rack's: B's
        expect(page.locator("#map-legend")).to_contain_text("A side (upper bar)")

        page.goto(live_portal.url + f"/racks/{rack.id}")
        sides = page.locator(f".power[data-rack-id='{rack.id}'] .power-sides li")
        assert [s.get_attribute("data-side") for s in sides.all()] == ["A", "B"]
        for item, side in zip(sides.all(), ("A", "B"), strict=True):
            assert item.get_attribute("data-free-va") == str(free[side])
        expect(sides.nth(0)).to_contain_text(f"A side: {committed:,} W of 5,888 W committed")
        expect(sides.nth(1)).to_contain_text("The weaker side.")
    finally:
        for feed in feeds:
            feed.delete()
        rack.delete()
        sync()


def test_reconciliation_lists_an_order_less_reservation_linked_to_netbox(live_portal: Portal, browser_page: Page,
                                                                        ops_site: OpsPlant) -> None:
    page, plant = browser_page, ops_site.plant
    email = as_ops(live_portal, page)
    page.goto(live_portal.url + "/ops/reconciliation")
    expect(page.locator("#not-run")).to_be_visible()
    page.locator("#f-site_id").select_option(str(plant.site_id))
    page.locator("#run-form button[type=submit]").click()
    expect(page).to_have_url(live_portal.url + f"/ops/reconciliation?site_id={plant.site_id}")
    for key, reservation in ops_site.reservations.items():
        row = page.locator(f"tr[data-kind='undocumented_reservation'][data-object-id='{reservation}']")
        expect(row).to_have_count(1)
        link = row.locator("a")
        assert link.get_attribute("href") == f"{ops_site.netbox_url}/dcim/rack-reservations/{reservation}/", key
    finding_id = page.locator(f"tr[data-object-id='{ops_site.reservations['paging']}']").get_attribute(
        "data-finding-id")
    assert finding_id and len(finding_id) == 16

    page.locator("#f-kind").select_option("undocumented_cable")
    page.locator("form.filter button[type=submit]").click()
    expect(page.locator("tr[data-kind='undocumented_reservation']")).to_have_count(0)
    page.locator("#f-kind").select_option("undocumented_reservation")
    page.locator("form.filter button[type=submit]").click()
    expect(page.locator(f"tr[data-finding-id='{finding_id}']")).to_have_count(1)

    # every finding is in the access log, under the person who ran it, as the API logs it
    entries = live_portal.access_log(actor=f"web:{live_portal.account_id(email)}", wanted=lambda found: any(
        e["action"] == "reconcile_finding" and e["objects"].get("finding") == finding_id for e in found))
    assert any(e["action"] == "reconcile_finding" and e["objects"].get("finding") == finding_id
               for e in entries), entries


def test_a_tenant_is_suspended_reinstated_and_offboarded_after_confirming(live_portal: Portal,
                                                                         browser_page: Page) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = new_tenant(live_portal)
    as_ops(live_portal, page)
    page.goto(base + "/ops/tenants?status=active")
    row = page.locator(f"#tenants tr[data-tenant-id='{tenant_id}']")
    for _ in range(100):  # oldest first, 50 a page: the suite's other tenants come before this one
        if row.count() or not page.locator("p.pager a").count():
            break
        page.locator("p.pager a").click()
        page.wait_for_load_state()
    expect(row).to_have_attribute("data-status", "active")
    page.goto(base + f"/ops/tenants/{tenant_id}")
    expect(page.locator("#tenant-facts")).to_have_attribute("data-status", "active")
    page.locator("#action-suspend").click()
    expect(page.locator("#consequences")).to_contain_text("session of the company's people ends at once")
    assert live_portal.api("GET", f"/v1/tenants/{tenant_id}").json()["status"] == "active"  # nothing yet
    page.locator("#confirm-form button[type=submit]").click()  # `required` stops an empty reason in the browser
    assert live_portal.api("GET", f"/v1/tenants/{tenant_id}").json()["status"] == "active"
    page.locator("#f-reason").fill("unpaid invoices")
    page.locator("#confirm-form button[type=submit]").click()
    expect(page).to_have_url(base + f"/ops/tenants/{tenant_id}")
    expect(page.locator("#tenant-facts")).to_have_attribute("data-status", "suspended")
    shown = live_portal.api("GET", f"/v1/tenants/{tenant_id}").json()
    assert (shown["status"], shown["status_reason"]) == ("suspended", "unpaid invoices")
    expect(page.locator("#action-suspend")).to_have_count(0)

    page.locator("#action-reinstate").click()
    page.locator("#f-reason").fill("paid")
    page.locator("#confirm-form button[type=submit]").click()
    expect(page.locator("#tenant-facts")).to_have_attribute("data-status", "active")
    assert live_portal.api("GET", f"/v1/tenants/{tenant_id}").json()["status"] == "active"

    page.locator("#action-offboard").click()
    expect(page.locator("#consequences")).to_contain_text("cannot be undone")
    page.locator("#f-reason").fill("contract ended")
    page.locator("#confirm-form button[type=submit]").click()
    expect(page.locator("#tenant-facts")).to_have_attribute("data-status", "offboarded")
    assert live_portal.api("GET", f"/v1/tenants/{tenant_id}").json()["status"] == "offboarded"
    expect(page.locator(".actions a[id^='action-']")).to_have_count(0)
    page.goto(base + f"/ops/tenants/{tenant_id}/reinstate")  # an offboarded tenant cannot come back
    expect(page.locator("#not-allowed")).to_be_visible()
    expect(page.locator("#confirm-form")).to_have_count(0)


def test_a_tenant_admin_finds_no_ops_page(live_portal: Portal, browser_page: Page) -> None:
    page, base = browser_page, live_portal.url
    tenant_id = new_tenant(live_portal)
    email, secret = tenant_person(live_portal, page, tenant_id)
    sign_in(page, base, email, secret)
    expect(page).to_have_url(base + "/")
    for path in ("/ops/capacity", "/ops/reconciliation", "/ops/tenants", f"/ops/tenants/{tenant_id}",
                 f"/ops/tenants/{tenant_id}/suspend"):
        response = page.goto(base + path)
        assert response is not None and response.status == 404, path  # as a missing page
        expect(page.locator("main [role=alert]")).to_contain_text("This page does not exist, or you may not see it.")
        expect(page.locator("svg.hallmap, #tenants, #run-form, #confirm-form")).to_have_count(0)
