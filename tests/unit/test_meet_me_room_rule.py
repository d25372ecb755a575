"""One meet-me-room predicate: the read model and order fulfilment agree on which locations are
meet-me rooms (the read model used to know only the tag)."""

from __future__ import annotations

from datetime import UTC, datetime

from dcim.netbox.records import is_meet_me_room
from dcim.readmodel.build import location_row


def _location(slug: str, tags: list[str]) -> dict[str, object]:
    return {"id": 7, "name": slug.upper(), "slug": slug, "site": {"id": 1}, "parent": None,
            "tags": [{"slug": t, "name": t} for t in tags]}


def test_read_model_and_orders_use_the_same_meet_me_room_rule() -> None:
    now = datetime.now(UTC)
    for slug, tags, expected in (("mmr-east", [], True), ("hall-1", ["meet-me-room"], True),
                                 ("meet-me-2", [], True), ("hall-2", [], False), ("dh1", ["media-smf"], False)):
        location = _location(slug, tags)
        assert is_meet_me_room(location) is expected, slug
        assert location_row(location, now)["is_meet_me_room"] is expected, slug
