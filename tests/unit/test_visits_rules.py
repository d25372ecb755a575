"""Pure rules of site visits: the visit window and badge numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from colo.errors import ValidationFailed
from siteaccess.schemas import VisitCreate, VisitorCreate
from siteaccess.service import _check_window, new_badge_number

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def window(starts: datetime, ends: datetime) -> VisitCreate:
    return VisitCreate(starts_at=starts, ends_at=ends, areas=["meet-me-room"], visitors=[VisitorCreate()])


def test_a_window_of_exactly_fourteen_days_is_accepted_and_normalised_to_utc() -> None:
    starts = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).astimezone()
    assert _check_window(window(starts, starts + timedelta(days=14)), NOW) == (
        starts.astimezone(UTC), starts.astimezone(UTC) + timedelta(days=14))


@pytest.mark.parametrize(("starts", "ends", "field"), [
    (NOW, NOW + timedelta(days=14, seconds=1), "ends_at"),
    (NOW, NOW, "ends_at"),
    (NOW - timedelta(hours=1), NOW + timedelta(hours=1), "starts_at"),
    (NOW + timedelta(days=181), NOW + timedelta(days=182), "starts_at"),
    (NOW.replace(tzinfo=None), NOW + timedelta(hours=1), "starts_at"),
    (NOW, (NOW + timedelta(hours=1)).replace(tzinfo=None), "ends_at"),
])
def test_bad_windows_name_the_field(starts: datetime, ends: datetime, field: str) -> None:
    with pytest.raises(ValidationFailed) as failure:
        _check_window(window(starts, ends), NOW)
    assert failure.value.field == field


def test_badge_numbers_match_the_scan_format_and_do_not_repeat() -> None:
    badges = {new_badge_number() for _ in range(1000)}
    assert len(badges) == 1000
    assert all(len(b) == 12 and b.startswith("B-") and b[2:].isalnum() and b[2:].isupper() for b in badges)
