"""The named role groups of colo.identity: each name means one set, and the gate is a facility
key (no tenant, every tenant's visits) without being staff (docs/ARCHITECTURE.md, Tenant scoping)."""

from __future__ import annotations

from uuid import uuid4

import dcim.orders.policy
from api.guards import POLICY_TABLES, load_access_policy
from colo import identity
from colo.identity import FACILITY_ROLES, STAFF_ROLES, TENANT_ROLES, Principal, Role

GROUP_NAMES = ("TENANT_ROLES", "FACILITY_ROLES", "STAFF_ROLES", "OPS", "SECURITY", "TENANT_ADMIN", "LOG_REVIEWERS",
               "GATE_STAFF", "EVERYONE")
# names the policy tables used before the groups were defined once, some with another meaning
RETIRED_NAMES = ("STAFF", "TENANT_ANY", "GATE", "REVIEWERS")


def test_every_key_is_either_a_facility_key_or_a_tenant_key() -> None:
    assert FACILITY_ROLES | TENANT_ROLES == frozenset(Role)
    assert not FACILITY_ROLES & TENANT_ROLES


def test_the_gate_is_a_facility_key_but_not_staff() -> None:
    gate = Principal(key_id="k", role=Role.GATE, name="door 1")
    assert gate.is_facility and not gate.is_tenant
    assert STAFF_ROLES == FACILITY_ROLES - {Role.GATE}
    tenant = Principal(key_id="t", role=Role.TENANT_MEMBER, name="m", tenant_id=uuid4())
    assert tenant.is_tenant and not tenant.is_facility


def test_the_gate_reaches_only_the_door() -> None:
    policy = load_access_policy()
    gate_ops = {op for op, roles in policy.roles.items() if Role.GATE in roles}
    assert gate_ops == {"whoami", "list_visits", "get_visit", "gate_check_in", "gate_check_out", "list_on_site",
                        # the loading dock is a door too: deliveries in, equipment out
                        "list_shipments", "get_shipment", "receive_shipment", "store_shipment", "deliver_shipment",
                        "hand_over_shipment",
                        # the gate screen's portal account: its own account page, signing out
                        "portal_account", "portal_sign_out", "portal_sign_out_everywhere"}


def test_policy_tables_use_the_groups_of_colo_identity_and_no_other_definition() -> None:
    for module in (*POLICY_TABLES, dcim.orders.policy):
        name = module.__name__
        for group in GROUP_NAMES:
            if hasattr(module, group):
                assert getattr(module, group) is getattr(identity, group), (name, group)
        assert not [n for n in RETIRED_NAMES if hasattr(module, n)], name
