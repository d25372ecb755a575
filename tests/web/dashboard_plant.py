"""A small plant for the dashboard's browser tests, built in the real NetBox and ordered into
through the API (tests/web/test_dashboard.py, test_accessibility_dashboard.py).

A site with a hall and two racks. Rack MAIN has A and B supply feeds (230 V x 16 A x 80 %), a
neighbour company's named device at U20 whose power port draws 400 W from feed A, and the
neighbour's reservation of U30-U31. Rack OTHER is held by the neighbour alone (a reservation).
The server's read model is synced through the API; then the buyer orders two units of MAIN
through the API and ops review, approve and fulfil it (a NetBox reservation); the buyer orders
once more (left submitted) and a third time (ops ask for more: action required). Everything at
the site is removed afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pynetbox

from devtools.demo.seed import authenticated_user_id
from tests.netbox_cleanup import remove_sites
from tests.web.browser import Portal, new_tenant

MISSING_RACK = 2_000_000_000


@dataclass
class Plant:
    suffix: str
    buyer_id: str
    buyer_name: str
    buyer_key: dict[str, str]
    neighbour_name: str
    neighbour_device: str
    main_rack: int
    main_name: str
    other_rack: int
    mine: list[int]  # the units the fulfilled order assigned
    submitted_order: str
    action_order: str


def _netbox_tenant(portal: Portal, tenant_id: str) -> int:
    found = portal.api("GET", f"/v1/tenants/{tenant_id}")
    assert found.status_code == 200, found.text
    netbox_id: int = found.json()["netbox_tenant_id"]
    assert netbox_id
    return netbox_id


def _build(api: Any, s: str, neighbour: int) -> dict[str, Any]:
    site = api.dcim.sites.create(name=f"Dash {s}", slug=f"dash-{s}").id
    hall = api.dcim.locations.create(name=f"Dash Hall {s}", slug=f"dash-hall-{s}", site=site).id
    main = api.dcim.racks.create(name=f"Dash Main {s}", site=site, location=hall, u_height=42).id
    other = api.dcim.racks.create(name=f"Dash Other {s}", site=site, location=hall, u_height=42).id
    feeds = {}
    for side, kind in (("A", "primary"), ("B", "redundant")):
        panel = api.dcim.power_panels.create(site=site, name=f"Dash PP {side} {s}").id
        feeds[side] = api.dcim.power_feeds.create(
            power_panel=panel, rack=main, name=f"Dash {s}-{side}", status="active", type=kind, supply="ac",
            phase="single-phase", voltage=230, amperage=16, max_utilization=80).id
    maker = api.dcim.manufacturers.create(name=f"dash maker {s}", slug=f"dash-maker-{s}").id
    dtype = api.dcim.device_types.create(manufacturer=maker, model=f"dash srv {s}", slug=f"dash-srv-{s}",
                                         u_height=1).id
    role = api.dcim.device_roles.create(name=f"dash srv {s}", slug=f"dash-srv-{s}").id
    device = api.dcim.devices.create(name=f"neighbour-secret-box-{s}", device_type=dtype, role=role, site=site,
                                     location=hall, rack=main, position=20, face="front", tenant=neighbour).id
    port = api.dcim.power_ports.create(device=device, name="PSU1", allocated_draw=400, maximum_draw=400)
    api.dcim.cables.create(a_terminations=[{"object_type": "dcim.powerport", "object_id": port.id}],
                           b_terminations=[{"object_type": "dcim.powerfeed", "object_id": feeds["A"]}],
                           status="connected", label=f"DASH-{s}")
    user = authenticated_user_id(api)
    for rack, units in ((main, [30, 31]), (other, [1, 2, 3, 4])):
        api.dcim.rack_reservations.create(rack=rack, units=units, user=user, tenant=neighbour,
                                          description=f"dashboard test {s}")
    return {"site": site, "main": main, "other": other, "maker": maker, "dtype": dtype, "role": role,
            "device": f"neighbour-secret-box-{s}", "main_name": f"Dash Main {s}"}


def _order(portal: Portal, key: dict[str, str], rack: int, units: int) -> dict[str, Any]:
    made = httpx.post(portal.url + "/v1/orders", headers=key, timeout=30,
                      json={"spec": {"kind": "space", "rack_id": rack, "units": units}})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _move(portal: Portal, order_id: str, *steps: str, **body: Any) -> dict[str, Any]:
    moved: dict[str, Any] = {}
    for step in steps:
        answer = portal.api("POST", f"/v1/orders/{order_id}/{step}", json=body or None)
        assert answer.status_code == 200, answer.text
        moved = answer.json()
    return moved


@contextmanager
def dashboard_plant(live_portal: Portal) -> Iterator[Plant]:
    s = uuid.uuid4().hex[:8]
    buyer_name, neighbour_name = f"Dash Buyer {s} AG", f"Hidden Neighbour {s} GmbH"
    buyer, neighbour = new_tenant(live_portal, buyer_name), new_tenant(live_portal, neighbour_name)
    api = pynetbox.api(live_portal.env["COLO_NETBOX_URL"], token=live_portal.env["COLO_NETBOX_TOKEN"])
    built = _build(api, s, _netbox_tenant(live_portal, neighbour))
    try:
        synced = httpx.post(live_portal.url + "/v1/netbox/sync", headers=live_portal.ops_headers, timeout=300)
        assert synced.status_code == 200, synced.text
        key = {"Authorization": "Bearer " + live_portal.colo("keys", "create", "--role", "tenant_admin", "--tenant",
                                                             buyer, "--name", "dashboard buyer")}
        fulfilled = _move(live_portal, _order(live_portal, key, built["main"], 2)["id"], "review", "approve", "fulfil")
        assert fulfilled["state"] == "active", fulfilled
        submitted = _order(live_portal, key, built["main"], 1)
        action = _order(live_portal, key, built["main"], 1)
        _move(live_portal, action["id"], "request-action", reason="Which power supply do you bring?")
        yield Plant(suffix=s, buyer_id=buyer, buyer_name=buyer_name, buyer_key=key, neighbour_name=neighbour_name,
                    neighbour_device=built["device"], main_rack=built["main"], main_name=built["main_name"],
                    other_rack=built["other"], mine=sorted(fulfilled["spec"]["units_assigned"]),
                    submitted_order=submitted["id"], action_order=action["id"])
    finally:
        for order in live_portal.api("GET", "/v1/orders", params={"tenant_id": buyer, "limit": 200}).json()["items"]:
            if order["state"] in ("submitted", "in_review", "action_required"):
                live_portal.api("POST", f"/v1/orders/{order['id']}/reject", json={"reason": "test over"})
        remove_sites(api, [built["site"]], device_types=[built["dtype"]], device_roles=[built["role"]],
                     manufacturers=[built["maker"]])
