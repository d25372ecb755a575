"""The order-time power check, assembled: a power order's committed figures (dcim's orders) beside
its rack's measured draw and 7- and 30-day peaks (metering), for staff deciding on it.

Why here: dcim and metering are independent layers (neither imports the other; .importlinter),
so api/ puts the two side by side, as api/metering_plant.py does for discovery. Each rule stays in
its package: dcim.orders.store.committed_power_w is the committed load the headroom check uses,
metering.readouts.measured_peaks the peaks GET /v1/metering/racks/{id} answers. The portal's ops
order page shows the same value.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from colo.identity import Principal
from dcim.orders import store
from dcim.orders.schemas import FeedPowerCheck, OrderRead, PowerCheck
from dcim.power import kw_to_w
from metering.readouts import measured_peaks


async def power_check(principal: Principal, order: OrderRead, *, now: datetime | None = None) -> PowerCheck | None:
    """Committed beside measured power for a power order read by staff; None for anything else."""
    if not principal.is_facility or order.kind != "power" or not order.spec.get("rack_id"):
        return None
    rack_id = int(order.spec["rack_id"])
    committed = await store.committed_power_w(rack_id, exclude_order=order.id)
    requested = kw_to_w(float(order.spec.get("kw") or 0.0))
    peaks = await measured_peaks(principal, rack_id, now=now)
    if peaks is None:
        return PowerCheck(rack_id=rack_id, requested_w=requested, committed_w=committed, measured=False, meters=0,
                          meters_reporting=0, measured_now_w=0, peak_7d_w=0, peak_7d_at=None, peak_30d_w=0,
                          peak_30d_at=None, feeds=[])
    return PowerCheck(
        rack_id=rack_id, requested_w=requested, committed_w=committed, measured=True, meters=peaks.meters,
        meters_reporting=peaks.meters_reporting, measured_now_w=peaks.now_w, peak_7d_w=peaks.peak_7d_w,
        peak_7d_at=peaks.peak_7d_at, peak_30d_w=peaks.peak_30d_w, peak_30d_at=peaks.peak_30d_at,
        feeds=[FeedPowerCheck(feed_id=f.feed_id, name=f.name, side=f.side, capacity_w=f.capacity_w,
                              contracted_w=f.contracted_w, measured_now_w=f.now_w, peak_7d_w=f.peak_7d_w,
                              peak_30d_w=f.peak_30d_w) for f in peaks.feeds])


async def with_power_check(principal: Principal, order: OrderRead) -> OrderRead:
    """The order as staff read it: with its power check (power orders); unchanged otherwise."""
    check = await power_check(principal, order)
    return order if check is None else msgspec.structs.replace(order, power_check=check)
