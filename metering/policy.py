"""Who may call the metering routes (format: tenants/policy.py). Tenants read their own feeds,
racks and bill; ops read everything, see and acknowledge the alerts, and push BMS readings.
Which meters a tenant reaches is the data layer's matter (metering/views.py)."""

from __future__ import annotations

from colo.identity import OPS, TENANT_ROLES, Role

TENANTS_AND_OPS: frozenset[Role] = TENANT_ROLES | OPS

POLICY: dict[str, frozenset[Role]] = {
    "get_feed_power": TENANTS_AND_OPS,
    "get_rack_power": TENANTS_AND_OPS,
    "get_tenant_power": TENANTS_AND_OPS,
    "get_feed_power_history": TENANTS_AND_OPS,
    "get_rack_power_history": TENANTS_AND_OPS,
    "get_tenant_power_history": TENANTS_AND_OPS,
    "get_power_bill": TENANTS_AND_OPS,
    # ops: alerts and the BMS's push (a staff key, never a tenant's)
    "list_metering_alerts": OPS,
    "acknowledge_metering_alert": OPS,
    "ingest_readings": OPS,
}

PUBLIC: frozenset[str] = frozenset()
