"""The service desk's catalogue in the portal's words: every request type's field and every
choice has a translatable label in web/service_desk_view.py (servicedesk/catalogue.py is English
and cannot use the portal's catalogs), so a field added to the catalogue cannot be forgotten; a
ticket's details read as labels and choice labels, in the catalogue's order; ops read a ticket
waiting on the company in their own words."""

from __future__ import annotations

from servicedesk.catalogue import REQUEST_TYPES
from servicedesk.status import TicketState
from web import service_desk_view as view


def test_every_catalogue_field_and_choice_has_a_portal_label() -> None:
    fields = {(spec.type.value, f.name) for spec in REQUEST_TYPES for f in spec.fields}
    choices = {(f.name, c) for spec in REQUEST_TYPES for f in spec.fields for c in f.choices or []}
    assert fields - view.FIELD_LABELS.keys() == set()
    assert choices - view.CHOICE_LABELS.keys() == set()
    assert view.FIELD_LABELS.keys() - fields == set() and view.CHOICE_LABELS.keys() - choices == set()  # no stale


def test_a_tickets_details_read_as_labels_in_the_catalogues_order() -> None:
    rows = view.detail_rows("cable_patch", {"cable_type": "smf", "a_end": "sw1 port 3", "action": "reseat"})
    assert rows == [("Action", "Reseat", True), ("From (device and port)", "sw1 port 3", False),
                    ("Cable", "Single-mode fibre", True)]
    assert view.detail_rows("unpack_shipment", {"tracking_number": "1Z9", "dispose_packaging": True}) == [
        ("Tracking number", "1Z9", False), ("Dispose of the packaging", "Yes", True)]
    assert view.detail_rows("other", {"odd": 3}) == [("odd", "3", False)]  # unknown: as it is, not a crash
    assert view.field_label("no_such_type", "x") == "x" and view.choice_label("action", "new") == "new"


def test_ops_read_the_states_in_their_own_words() -> None:
    assert set(view.STAFF_STATE_NAMES) == set(view.STATE_NAMES) == {s.value for s in TicketState}
    assert view.STAFF_STATE_NAMES["action_required"] == "Waiting for the company"
    assert view.STATE_NAMES["action_required"] == "Your answer needed"
