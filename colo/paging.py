"""Keyset pages: every list in Colo is read in one total order and continued after a key.

A page continues *after the key of the last row the client saw*, never at a position: a row
inserted or deleted between two page requests can then neither shift a row onto the next page
twice nor past it unseen (what an offset does). For that every ordering is total — it ends with
the primary key (`created_at DESC, id DESC`), so no two rows share a key.

Here is only what the domains need (no HTTP): the request (`PageRequest`: a limit and the decoded
key to continue after), the result (`PageResult`: the rows and the key to continue from when there
are more, found by fetching one row past the limit), the Piccolo condition for "after this key" and
its in-memory twin for lists computed in Python (the plant read model). Each list names its
ordering once (`Keyset`: the key's types and direction); the API layer turns keys into opaque
cursors and back (api/pagination.py), and `Keyset.decode` types what a cursor held — a cursor that
does not fit the list is the client's mistake, a 422 on `cursor`.

`Page` is the one envelope every list answers (`items` and `next_cursor`, null exactly on the last
page); it lives here, not in api/, so a domain can extend it with cheap extras (the plant lists'
`count` and `freshness`).
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import msgspec
from piccolo.columns import Column
from piccolo.columns.combination import And, Or, Where
from piccolo.query import Select

from colo.errors import ValidationFailed

T = TypeVar("T")

type KeyValue = datetime | UUID | int | str
type Key = tuple[KeyValue, ...]

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
CURSOR_FIELD = "cursor"


# The TypeVar form, not `class Page[T]`: Litestar's document resolves `T` in a subclass's fields
# (PlantPage) only through TypeVars.
class Page(msgspec.Struct, Generic[T]):  # noqa: UP046 - see above
    """One page of a list: the rows, and the cursor of the next page (null on the last page)."""

    items: list[T]
    next_cursor: str | None


def _not_ours() -> ValidationFailed:
    return ValidationFailed(CURSOR_FIELD, "not a cursor of this list; follow next_cursor as it was given")


def _typed(value: object, kind: type[KeyValue]) -> KeyValue:
    """A key value from its JSON form (datetime and UUID travel as text), or a 422 on `cursor`."""
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _not_ours()
    if not isinstance(value, str):
        raise _not_ours()
    try:
        if kind is datetime:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("a key time always carries its offset")
            return moment
        if kind is UUID:
            return UUID(value)
    except ValueError:
        raise _not_ours() from None
    return value


def plain(value: KeyValue) -> int | str:
    """A key value as JSON carries it (the inverse of `Keyset.decode`)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


@dataclass(frozen=True, slots=True)
class Keyset:
    """A list's total order: its name (a cursor of one list is refused by another), the types of
    the key's values in order, and the direction (descending: newest first)."""

    name: str
    types: tuple[type[KeyValue], ...]
    descending: bool = False

    def decode(self, name: object, values: object) -> Key:
        """The typed key a cursor carried, or a 422 on `cursor` when it is not this list's."""
        if name != self.name or not isinstance(values, list) or len(values) != len(self.types):
            raise _not_ours()
        return tuple(_typed(value, kind) for value, kind in zip(values, self.types, strict=True))


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What a client asks for: at most `limit` rows, after the row whose key is `after`."""

    limit: int = DEFAULT_LIMIT
    after: Key | None = None

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValidationFailed("limit", "must be at least 1")


@dataclass(frozen=True, slots=True)
class PageResult[R]:
    """The rows of one page and the key to continue after (None: this is the last page)."""

    items: list[R]
    next_key: Key | None
    keyset: Keyset

    @property
    def has_more(self) -> bool:
        return self.next_key is not None

    def map[U](self, read: Callable[[R], U]) -> PageResult[U]:
        return PageResult([read(item) for item in self.items], self.next_key, self.keyset)


def whole[T](items: list[T], keyset: Keyset) -> PageResult[T]:
    """A small, fixed list answered as one page (no next page)."""
    return PageResult(items, None, keyset)


async def every_row[T](fetch: Callable[[PageRequest], Awaitable[PageResult[T]]], *, limit: int = MAX_LIMIT) -> list[T]:
    """Every row of a list, page after page (command-line listings, internal lookups)."""
    rows: list[T] = []
    after: Key | None = None
    while True:
        result = await fetch(PageRequest(limit=limit, after=after))
        rows.extend(result.items)
        if result.next_key is None:
            return rows
        after = result.next_key


def after_condition(columns: Sequence[Column], after: Key, *, descending: bool) -> Where | And | Or:
    """`(c0, c1, …) > (v0, v1, …)` (or `<` descending) spelled out for Piccolo:
    `(c0 > v0) | ((c0 == v0) & (c1 > v1)) | …`, for any number of columns."""
    if not columns or len(columns) != len(after):
        raise ValueError("a keyset condition needs one value per column")
    beyond = operator.lt if descending else operator.gt
    condition: Where | And | Or | None = None
    for position, (column, value) in enumerate(zip(columns, after, strict=True)):
        term: Where | And | Or = beyond(column, value)
        for earlier, earlier_value in zip(columns[:position], after[:position], strict=True):
            term = And(earlier == earlier_value, term)
        condition = term if condition is None else Or(condition, term)
    assert condition is not None  # columns is not empty
    return condition


def _key_of(row: dict[str, Any], columns: Sequence[Column]) -> Key:
    return tuple(row[column._meta.name] for column in columns)


async def select_page(
    query: Select[Any], *, columns: Sequence[Column], keyset: Keyset, page: PageRequest,
) -> PageResult[dict[str, Any]]:
    """Run `query` (filters applied, no order or limit) as one keyset page ordered by `columns`
    (the last one the primary key). One row past the limit tells whether there is more."""
    if len(columns) != len(keyset.types):
        raise ValueError(f"keyset {keyset.name} orders by {len(keyset.types)} columns")
    if page.after is not None:
        query = query.where(after_condition(columns, page.after, descending=keyset.descending))
    rows = await query.order_by(*columns, ascending=not keyset.descending).limit(page.limit + 1)
    return _cut(list(rows), page, keyset, lambda row: _key_of(row, columns))


def slice_page[T](items: Iterable[T], *, key: Callable[[T], Key], keyset: Keyset, page: PageRequest) -> PageResult[T]:
    """The in-memory twin of `select_page` for lists computed in Python: sort by `key` (total:
    it ends with the row's id), keep what comes after `page.after`, cut at the limit."""
    ordered = sorted(items, key=key, reverse=keyset.descending)
    if page.after is not None:
        after = page.after
        ordered = [item for item in ordered if (key(item) < after if keyset.descending else key(item) > after)]
    return _cut(ordered[:page.limit + 1], page, keyset, key)


def _cut[T](rows: list[T], page: PageRequest, keyset: Keyset, key: Callable[[T], Key]) -> PageResult[T]:
    items = rows[:page.limit]
    more = len(rows) > page.limit
    return PageResult(items, key(items[-1]) if more and items else None, keyset)
