"""Removing what a test built in the shared NetBox: every object at the test's own sites (what Colo
created there for the test's orders too), in an order NetBox accepts, then the sites and the shared
kinds of object (device types, roles, manufacturers) the test made for itself."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Cables before their ports, ports before their devices, devices before racks, racks before rooms.
SITE_OBJECTS = ("cables", "power_feeds", "rack_reservations", "front_ports", "rear_ports", "interfaces",
                "power_ports", "devices", "racks", "power_panels", "locations")


def remove_sites(api: Any, site_ids: Iterable[int], *, device_types: Iterable[int] = (),
                 device_roles: Iterable[int] = (), manufacturers: Iterable[int] = ()) -> None:
    sites = list(site_ids)
    for endpoint in SITE_OBJECTS:
        ids = [r.id for r in getattr(api.dcim, endpoint).filter(site_id=sites, limit=1000)]
        if ids:
            getattr(api.dcim, endpoint).delete(ids)
    api.dcim.sites.delete(sites)
    for endpoint, ids in (("device_types", device_types), ("device_roles", device_roles),
                          ("manufacturers", manufacturers)):
        if listed := list(ids):
            getattr(api.dcim, endpoint).delete(listed)
