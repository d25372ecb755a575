"""Keyset pages (colo/paging.py): the row-value condition, the in-memory twin, typed keys."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from colo.errors import ValidationFailed
from colo.paging import Keyset, PageRequest, PageResult, after_condition, every_row, plain, slice_page
from tenants.tables import Tenant

WHEN = datetime(2026, 11, 22, 3, 30, tzinfo=UTC)
ID = UUID("e84b2a70-d898-4fa4-b17e-eaf0d19ed805")


def test_one_column_is_a_plain_comparison_in_either_direction() -> None:
    assert str(after_condition((Tenant.id,), (ID,), descending=False).querystring) == \
        f'"tenants_tenant"."id" > \'{ID}\''
    assert str(after_condition((Tenant.id,), (ID,), descending=True).querystring) == \
        f'"tenants_tenant"."id" < \'{ID}\''


def test_two_columns_spell_out_the_row_value_comparison() -> None:
    sql = str(after_condition((Tenant.created_at, Tenant.id), (WHEN, ID), descending=True).querystring)
    moment = "'2026-11-22T03:30:00+00:00'"
    assert sql == (f'("tenants_tenant"."created_at" < {moment} OR ("tenants_tenant"."created_at" = {moment} '
                   f'AND "tenants_tenant"."id" < \'{ID}\'))')


def test_three_columns_tie_on_every_earlier_column() -> None:
    sql = str(after_condition((Tenant.country, Tenant.created_at, Tenant.id), ("AZ", WHEN, ID),
                              descending=False).querystring)
    assert sql.count(" OR ") == 2 and sql.count(" AND ") == 3
    assert '"tenants_tenant"."id" > ' in sql and '"tenants_tenant"."country" = \'AZ\'' in sql


def test_a_key_needs_one_value_per_column() -> None:
    with pytest.raises(ValueError):
        after_condition((Tenant.created_at, Tenant.id), (WHEN,), descending=False)


def _walk(rows: list[tuple[str, int]], keyset: Keyset, limit: int) -> list[tuple[str, int]]:
    seen, after = [], None
    while True:
        page = slice_page(rows, key=lambda r: r, keyset=keyset, page=PageRequest(limit=limit, after=after))
        seen += page.items
        if not page.has_more:
            return seen
        assert page.next_key == page.items[-1]
        after = page.next_key


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 100])
def test_in_memory_pages_cover_every_row_once_in_order(descending: bool, limit: int) -> None:
    rows = [("A", 3), ("B", 1), ("A", 1), ("C", 2), ("B", 2), ("A", 2), ("C", 1)]  # names repeat: ids decide
    keyset = Keyset("t", (str, int), descending=descending)
    assert _walk(rows, keyset, limit) == sorted(rows, reverse=descending)


def test_in_memory_pages_neither_skip_nor_repeat_when_rows_arrive_between_pages() -> None:
    keyset = Keyset("t", (str, int))
    rows = [("B", 1), ("D", 1), ("F", 1)]
    first = slice_page(rows, key=lambda r: r, keyset=keyset, page=PageRequest(limit=2))
    assert first.items == [("B", 1), ("D", 1)]
    rows += [("A", 1), ("C", 1), ("E", 1)]  # before and after the cursor
    second = slice_page(rows, key=lambda r: r, keyset=keyset, page=PageRequest(limit=2, after=first.next_key))
    assert second.items == [("E", 1), ("F", 1)] and not second.has_more


def test_the_last_full_page_says_there_is_no_more() -> None:
    page = slice_page([("a", 1), ("b", 2)], key=lambda r: r, keyset=Keyset("t", (str, int)),
                      page=PageRequest(limit=2))
    assert page.items == [("a", 1), ("b", 2)] and page.next_key is None


def test_keys_are_typed_when_decoded() -> None:
    keyset = Keyset("orders", (datetime, UUID), descending=True)
    key = keyset.decode("orders", [plain(WHEN), plain(ID)])
    assert key == (WHEN, ID) and isinstance(key[0], datetime) and isinstance(key[1], UUID)
    assert Keyset("racks", (str, int)).decode("racks", ["DH1 A01", 5]) == ("DH1 A01", 5)


@pytest.mark.parametrize(("name", "values"), [
    ("racks", [WHEN.isoformat(), str(ID)]),  # another list's cursor
    ("orders", [WHEN.isoformat()]),  # too short
    ("orders", [WHEN.isoformat(), str(ID), 1]),  # too long
    ("orders", ["yesterday", str(ID)]),  # not a time
    ("orders", ["2026-11-22T03:30:00", str(ID)]),  # a time without its offset
    ("orders", [WHEN.isoformat(), "not-a-uuid"]),
    ("orders", [WHEN.isoformat(), 7]),
    ("orders", "nope"),
])
def test_a_cursor_that_does_not_fit_the_list_is_a_422_on_cursor(name: str, values: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        Keyset("orders", (datetime, UUID)).decode(name, values)
    assert refused.value.field == "cursor"


@pytest.mark.parametrize("value", ["5", True, 5.0, None])
def test_an_int_key_takes_only_an_int(value: object) -> None:
    with pytest.raises(ValidationFailed):
        Keyset("racks", (str, int)).decode("racks", ["A", value])


def test_a_page_asks_for_at_least_one_row() -> None:
    with pytest.raises(ValidationFailed):
        PageRequest(limit=0)


async def test_every_row_follows_the_pages_to_the_end() -> None:
    rows = [(f"r{n:02}", n) for n in range(11)]
    keyset = Keyset("t", (str, int))
    calls = []

    async def fetch(page: PageRequest) -> PageResult[tuple[str, int]]:
        calls.append(page.after)
        return slice_page(rows, key=lambda r: r, keyset=keyset, page=page)

    assert await every_row(fetch, limit=4) == rows
    assert calls == [None, ("r03", 3), ("r07", 7)]
