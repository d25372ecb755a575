"""Who may call dcim's operations (format: tenants/policy.py). Orders keep their own table in
dcim/orders/policy.py; it is merged in here so api/guards.py sees one dcim table."""

from __future__ import annotations

from colo.identity import OPS, STAFF_ROLES, TENANT_ROLES, Role
from dcim.orders.policy import POLICY as ORDERS_POLICY
from dcim.orders.policy import PUBLIC as ORDERS_PUBLIC

PLANT_READERS = STAFF_ROLES | TENANT_ROLES  # tenants pass the guard; views limit them to their racks

PLANT_POLICY: dict[str, frozenset[Role]] = {
    "list_racks": PLANT_READERS,
    "get_rack": PLANT_READERS,
    "power_utilization": PLANT_READERS,
    "search_capacity": OPS | TENANT_ROLES,
    "list_mmr_panels": PLANT_READERS,
    "get_mmr_panel": PLANT_READERS,
    "sync_status": STAFF_ROLES,
    "trigger_sync": OPS,
    # Cross-connect ports: ops provision demarcation panels; tenants list their own and the Z sides.
    "provision_demarc_panel": OPS,
    "list_own_ports": PLANT_READERS,
    "list_z_side_ports": PLANT_READERS,
}
# NetBox calls this without an API key; it is authenticated by the HMAC signature instead.
PLANT_PUBLIC = frozenset({"receive_netbox_webhook"})


def _merged() -> dict[str, frozenset[Role]]:
    orders = ORDERS_POLICY
    if clash := set(orders) & set(PLANT_POLICY):
        raise ValueError(f"operations listed in both dcim policy tables: {sorted(clash)}")
    return {**PLANT_POLICY, **orders}


POLICY: dict[str, frozenset[Role]] = _merged()
PUBLIC: frozenset[str] = PLANT_PUBLIC | ORDERS_PUBLIC
