"""The order forms' translation of the domain: form inputs become the API's own structs (their
bounds refuse a value next to its input), and a domain refusal — raised here by the real rule
functions — lands next to the input it is about, with the form's own message, never the English
detail. Every phrase the forms recognise still occurs in the domain's code (a reworded refusal
would otherwise silently fall back to the generic message)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from colo.errors import Conflict, NotFound, ValidationFailed
from dcim.orders.rules import check_circuit_size, check_headroom, pick_units
from dcim.orders.schemas import OrderCreate, PowerSpec, SpaceSpec
from dcim.sales import DEFAULT_RULES
from web import orders_forms as forms
from web.problems import NOT_FOUND, NOT_VALID

SPACE_INPUTS = (*forms.SPEC_FIELDS["space"], "note")
POWER_INPUTS = (*forms.SPEC_FIELDS["power"], "note")
RACK = range(1, 43)


def _refused(call: object) -> ValidationFailed | Conflict | NotFound:
    assert callable(call)
    with pytest.raises((ValidationFailed, Conflict, NotFound)) as caught:
        call()
    assert isinstance(caught.value, ValidationFailed | Conflict | NotFound)
    return caught.value


@pytest.mark.parametrize(("call", "inputs", "expected"), [
    (lambda: pick_units(all_units=RACK, unavailable={5}, count=2, position=4), SPACE_INPUTS,
     {"position": forms.UNITS_TAKEN}),
    (lambda: pick_units(all_units=RACK, unavailable=set(), count=4, position=40), SPACE_INPUTS,
     {"position": forms.UNITS_DONT_FIT}),
    (lambda: pick_units(all_units=RACK, unavailable=set(range(2, 43)), count=2, position=None), SPACE_INPUTS,
     {"units": forms.NO_ROOM}),
    (lambda: check_circuit_size(requested_w=4000, voltage=230, amperage=16, phase="single-phase"), POWER_INPUTS,
     {"kw": forms.CIRCUIT_TOO_SMALL}),
    (lambda: check_headroom(requested_w=500, sellable=1000, committed_w=900, scope="rack 5"), POWER_INPUTS,
     {"kw": forms.NO_POWER}),
], ids=["units taken", "units do not fit", "no free run", "circuit too small", "no power left"])
def test_a_domain_refusal_lands_next_to_its_input(call: object, inputs: tuple[str, ...],
                                                  expected: dict[str, str]) -> None:
    assert forms.refusal_errors(_refused(call), inputs=inputs) == expected


def test_refusals_about_racks_ports_and_fields_the_form_does_not_show() -> None:
    refusal = DEFAULT_RULES.refusal(name="A1", status="active", role="", tenant_id=7, buyer=8)
    assert refusal is not None
    assert forms.refusal_errors(Conflict(refusal, field="rack_id"), inputs=SPACE_INPUTS) == {
        "rack_id": forms.RACK_NOT_SOLD}
    assert forms.refusal_errors(NotFound("rack", 12, field="rack_id"), inputs=POWER_INPUTS) == {
        "rack_id": forms.NO_RACK_HELD}
    assert forms.refusal_errors(NotFound("rack", 99999), inputs=SPACE_INPUTS) == {"rack_id": NOT_FOUND}
    gone = NotFound("port", 901, field="z_port_id")
    assert forms.refusal_errors(gone, inputs=forms.SPEC_FIELDS["cross_connect"]) == {"z_port_id": NOT_FOUND}
    cabled = Conflict("z_port_id: port 2 on MMR-1 is already cabled", field="z_port_id")
    assert forms.refusal_errors(cabled, inputs=forms.SPEC_FIELDS["cross_connect"]) == {"z_port_id": forms.PORT_CABLED}
    # staff without a tenant: the form has no such input, so the message goes above the form
    staff = ValidationFailed("tenant_id", "required for staff callers")
    assert forms.refusal_errors(staff, inputs=SPACE_INPUTS) == {"form": forms.STAFF_ORDER}
    assert forms.refusal_errors(ValidationFailed("tenant_id", "no such tenant"), inputs=SPACE_INPUTS) == {
        "form": NOT_VALID}


def test_every_recognised_refusal_is_still_worded_so_by_the_domain() -> None:
    root = Path(__file__).resolve().parents[2]
    source = "".join(p.read_text() for folder in ("dcim", "tenants") for p in (root / folder).rglob("*.py"))
    assert [phrase for phrase, _input, _message in forms.REFUSALS if phrase not in source] == []


def test_form_inputs_become_the_apis_struct() -> None:
    body = forms.order_create("space", {"units": "2", "rack_id": "7", "position": "3", "kw": "1.5", "hall": ""},
                              redundant=False)
    assert body == OrderCreate(spec=SpaceSpec(units=2, rack_id=7, position=3, kw=1.5, redundant=False))
    power = forms.order_create("power", {"rack_id": "7", "kw": "2", "redundancy": "single", "note": "rack 7"},
                               redundant=True)
    assert power == OrderCreate(spec=PowerSpec(rack_id=7, kw=2.0, redundancy="single"), note="rack 7")
    assert forms.idempotency_key("a" * 32) == "a" * 32
    assert forms.idempotency_key("not a key!") is None


@pytest.mark.parametrize(("kind", "values", "expected"), [
    ("space", {"units": "61"}, "units"),
    ("space", {"units": "2", "position": "two"}, "position"),
    ("power", {"rack_id": "7", "kw": "0"}, "kw"),
    ("power", {"rack_id": "7", "kw": "1", "voltage": "9000"}, "voltage"),
])
def test_a_value_out_of_the_structs_bounds_is_refused_next_to_its_input(
    kind: str, values: dict[str, str], expected: str,
) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        forms.order_create(kind, values, redundant=True)
    assert forms.struct_errors(caught.value, inputs=(*forms.SPEC_FIELDS[kind], "note")) == {
        expected: forms.INPUT_MESSAGES[expected]}


def test_the_capacity_form_uses_the_search_struct() -> None:
    query = forms.capacity_query({"units": "4", "kw": "2.5", "site_id": "3", "hall": "", "media": ""},
                                 redundant=False)
    assert (query.units, query.kw, query.site_id, query.hall, query.redundant) == (4, 2.5, 3, None, False)
    with pytest.raises(msgspec.ValidationError) as caught:
        forms.capacity_query({"units": "1", "mmr_ports": "97"}, redundant=True)
    assert forms.struct_errors(caught.value, inputs=forms.CAPACITY_FIELDS) == {
        "mmr_ports": forms.INPUT_MESSAGES["mmr_ports"]}
