"""Whether a NetBox site exists: a filter by an unknown site id makes NetBox answer 400
("Select a valid choice"), which would reach the caller as NetBox's raw refusal — callers ask
first and answer in Colo's own words, naming the field."""

from __future__ import annotations

from typing import Any

from dcim.netbox.gateway import NetBoxGateway


async def site_exists(gateway: NetBoxGateway, site_id: int) -> bool:
    def count(api: Any) -> int:
        return int(api.dcim.sites.count(id=site_id))

    return await gateway.call(count, what="look up a site") > 0
