"""Which racks are sold to whom (dcim.sales): the one rule capacity search and space orders share."""

from __future__ import annotations

from colo.settings import load_settings
from dcim.sales import DEFAULT_RULES, rules_of

BUYER = 7


def refusal(**rack: object) -> str | None:
    facts = {"name": "R1", "status": "active", "role": "", "tenant_id": None, **rack}
    return DEFAULT_RULES.refusal(buyer=BUYER, **facts)  # type: ignore[arg-type]


def test_an_empty_rack_nobody_owns_is_sold_when_active_or_available() -> None:
    assert refusal() is None and refusal(status="available") is None and refusal(role="colocation") is None


def test_a_rack_of_another_tenant_is_refused_without_naming_the_owner() -> None:
    assert refusal(tenant_id=99) == "rack 'R1' belongs to another tenant"
    assert refusal(tenant_id=BUYER) is None  # its own rack


def test_house_roles_and_unsellable_statuses_are_refused_saying_why() -> None:
    for role in ("network", "infrastructure", "meet-me", "meet-me-room", "mmr"):
        assert refusal(role=role) == f"rack role {role!r} is not sold"
    for status in ("planned", "reserved", "deprecated"):
        assert refusal(status=status).startswith(f"rack status {status!r} is not sold")  # type: ignore[union-attr]


def test_the_rules_are_configuration() -> None:
    rules = rules_of(load_settings({"COLO_SELLABLE_RACK_STATUSES": "active",
                                    "COLO_UNSELLABLE_RACK_ROLES": "Core, network"}, dotenv=None))
    assert rules.refusal(name="R", status="available", role="", tenant_id=None, buyer=None) is not None
    assert rules.refusal(name="R", status="active", role="core", tenant_id=None, buyer=None) is not None
    assert rules.refusal(name="R", status="active", role="meet-me", tenant_id=None, buyer=None) is None
