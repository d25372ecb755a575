"""Pure rules: countries, registration numbers, contacts, scoping decisions, policy merge, hooks."""

from __future__ import annotations

from uuid import uuid4

import pytest

from colo.errors import PermissionDenied, ValidationFailed
from colo.identity import Principal, Role
from tenants import validation
from tenants.events import TenantHooks, TenantStatusChange
from tenants.scope import tenant_filter, tenant_for_write


@pytest.mark.parametrize("code", ["DE", "de", " fr ", "NO", "US", "JP"])
def test_known_countries(code: str) -> None:
    assert validation.country(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["XX", "UK", "EU", "D", ""])
def test_unknown_countries(code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validation.country(code)
    assert caught.value.field == "country"


@pytest.mark.parametrize(("country", "number", "normalised"), [
    ("DE", "HRB 12345", "HRB12345"),
    ("DE", "DE 123 456 789", "DE123456789"),   # EU VAT accepted everywhere
    ("GB", "SC123456", "SC123456"),
    ("FR", "732 829 320", "732829320"),        # valid SIREN (Luhn)
    ("US", "12-3456789", "123456789"),
    ("NO", "no-987.654/321", "NO987654321"),   # generic rule
])
def test_registration_numbers_normalise(country: str, number: str, normalised: str) -> None:
    assert validation.registration_number(number, country_code=country) == normalised


@pytest.mark.parametrize(("country", "number"), [
    ("DE", "12345"), ("GB", "1234567"), ("FR", "732829321"), ("NL", "1234567"), ("NO", "A1"),
    ("NO", "ÆØÅ1234"),
])
def test_registration_numbers_refused(country: str, number: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validation.registration_number(number, country_code=country)
    assert caught.value.field == "registration_number"


def test_contacts() -> None:
    assert validation.email(" a.b+c@example.co.uk ") == "a.b+c@example.co.uk"
    assert validation.phone("+49 (30) 123-4567") == "+49301234567"
    assert validation.phone("0049 30 1234567") == "+49301234567"
    for bad in ("a@b", "@example.com", "a b@example.com"):
        with pytest.raises(ValidationFailed):
            validation.email(bad)
    for bad in ("030 1234567", "+0 123456789", "+49 30 abc"):
        with pytest.raises(ValidationFailed):
            validation.phone(bad)
    with pytest.raises(ValidationFailed):
        validation.plain_text("line\nbreak", field="name")
    with pytest.raises(ValidationFailed):
        validation.plain_text("   ", field="name")


def test_scope_decisions() -> None:
    tenant = uuid4()
    member = Principal(key_id="k", role=Role.TENANT_MEMBER, name="m", tenant_id=tenant)
    ops = Principal(key_id="o", role=Role.OPS, name="o")
    broken = Principal(key_id="b", role=Role.TENANT_ADMIN, name="b")
    from tenants.tables import Person

    assert tenant_filter(ops, Person.tenant) is None
    assert tenant_filter(member, Person.tenant) is not None
    with pytest.raises(PermissionDenied):
        tenant_filter(broken, Person.tenant)
    assert tenant_for_write(member, None) == tenant
    assert tenant_for_write(member, tenant) == tenant
    with pytest.raises(ValidationFailed):
        tenant_for_write(member, uuid4())
    with pytest.raises(ValidationFailed):
        tenant_for_write(ops, None)
    other = uuid4()
    assert tenant_for_write(ops, other) == other


async def test_hooks_run_in_order_and_a_failure_does_not_stop_the_rest() -> None:
    # Only this test's hooks: an app's components register on their own app's TenantHooks.
    seen: list[str] = []

    async def first(change: TenantStatusChange) -> None:
        seen.append("first:" + change.current)

    async def broken(change: TenantStatusChange) -> None:
        raise RuntimeError("boom")

    async def last(change: TenantStatusChange) -> None:
        seen.append("last:" + change.current)

    hooks = TenantHooks()
    for name, hook in (("t.first", first), ("t.broken", broken), ("t.last", last)):
        hooks.register(name, hook)
    hooks.register("t.first", first)  # registering again replaces, does not duplicate
    failed = await hooks.fire(TenantStatusChange(uuid4(), "active", "suspended", "r", "k"))
    assert seen == ["first:suspended", "last:suspended"]
    assert failed == ["t.broken"]
