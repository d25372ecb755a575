"""Search, single reads and the CSV export of access-log entries (the verifiable JSONL export
is audit/export.py).

An entry's bytes decode to its JSON document (audit.encoding.decode_entry); `entry_read` turns a
document into the API's EntryRead, with its personal data as the reader may see it, in one place.

Search filters on the indexed columns written next to each entry; results are decoded from the
entry bytes themselves, so what a reader sees is what the tree commits to. Cursors are opaque
(`base64("i:<index>")`) and stable under concurrent appends because the index never changes.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from audit.encoding import decode_entry
from audit.schemas import EntryRead
from audit.store import LogStore
from colo.errors import NotFound, ValidationFailed
from colo.identity import Principal, Role
from colo.pii import ERASED, TenantKeyErased, decrypt_for_tenant

MAX_LIMIT = 500
EXPORT_CHUNK = 2_000
CSV_COLUMNS = (
    "index", "time", "kind", "request_id", "actor_key_id", "actor_person_id", "tenant_id", "role",
    "action", "objects", "outcome", "status", "source", "user_agent", "detail",
)
WITHHELD = "[withheld]"
FilterValue = str | int  # the values an EntryFilter holds (microsecond times, names and ids)


@dataclass(frozen=True, slots=True)
class EntryFilter:
    since_us: int | None = None
    until_us: int | None = None
    tenant_id: str | None = None
    actor_key_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    object_id: str | None = None
    kind: str | None = None

    def described(self) -> dict[str, FilterValue]:
        """The filters that are set, by name (what an export's header says was applied)."""
        return {name: value for name, value in asdict(self).items() if value is not None}

    def where(self) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        for column, value, op in (
            ("time_us", self.since_us, ">="), ("time_us", self.until_us, "<"),
            ("tenant_id", self.tenant_id, "="), ("actor_key_id", self.actor_key_id, "="),
            ("outcome", self.outcome, "="), ("kind", self.kind, "="),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        if self.action is not None:
            # `GET /v1/x` matches exactly; a trailing `*` matches a prefix (`POST /v1/visits*`).
            if self.action.endswith("*"):
                clauses.append("action LIKE ? ESCAPE '\\'")
                args.append(_like_escape(self.action[:-1]) + "%")
            else:
                clauses.append("action = ?")
                args.append(self.action)
        if self.object_id is not None:
            clauses.append("object_ids LIKE ? ESCAPE '\\'")
            args.append("%|" + _like_escape(self.object_id.replace("|", "")) + "|%")
        return clauses, args


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"i:{index}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "i" or not number.isdigit():
            raise ValueError
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("cursor", "is not a cursor this API returned") from None


async def _reveal_pii(document: dict[str, Any], *, master_key: bytes) -> dict[str, Any]:
    """Replace the entry's `pii` ciphertext with its plaintext, or `[erased]` after erasure."""
    ciphertext, tenant = document.get("pii"), document.get("tenant_id")
    if not ciphertext or not tenant:
        return document
    try:
        document["pii"] = await decrypt_for_tenant(master_key=master_key, tenant_id=UUID(tenant),
                                                   ciphertext=ciphertext)
    except TenantKeyErased:
        document["pii"] = ERASED
    return document


async def search_entries(
    *, store: LogStore, filters: EntryFilter, cursor: str | None = None, limit: int = 100,
    newest_first: bool = True,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of decoded entries and the cursor of the next page (None at the end)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_LIMIT}")
    clauses, args = filters.where()
    if cursor is not None:
        clauses.append("idx < ?" if newest_first else "idx > ?")
        args.append(decode_cursor(cursor))
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    order = "DESC" if newest_first else "ASC"
    rows = await store.fetch(
        f"SELECT idx, body FROM audit_entry {where} ORDER BY idx {order} LIMIT {limit + 1}", *args  # noqa: S608
    )
    page = [decode_entry(body) for _, body in rows[:limit]]
    next_cursor = encode_cursor(int(rows[limit - 1][0])) if len(rows) > limit else None
    return page, next_cursor


async def entry_read(document: dict[str, Any], *, principal: Principal, master_key: bytes) -> EntryRead:
    """An entry's document as `principal` may read it: security officers see its personal data
    (site access needs it), auditors see that it exists (`[withheld]`); `[erased]` after the
    tenant's key was erased. The document is the caller's to give away (it is changed)."""
    if document.get("pii"):
        if principal.role is Role.SECURITY:
            document = await _reveal_pii(document, master_key=master_key)
        else:
            document["pii"] = WITHHELD
    return EntryRead.of(document)


async def get_entry(*, store: LogStore, index: int, principal: Principal, master_key: bytes) -> EntryRead:
    """One entry by its index, as `principal` may read it (entry_read)."""
    rows = await store.fetch("SELECT body FROM audit_entry WHERE idx = ?", index)
    if not rows:
        raise NotFound("access-log entry", index)
    return await entry_read(decode_entry(rows[0][0]), principal=principal, master_key=master_key)


async def export_csv(*, store: LogStore, filters: EntryFilter) -> AsyncIterator[bytes]:
    """Stream every matching entry in index order, for people: CSV omits the encrypted `pii`."""
    clauses, args = filters.where()
    position = -1
    yield _csv_rows([CSV_COLUMNS])
    while True:
        where = " AND ".join([*clauses, "idx > ?"])
        rows = await store.fetch(
            f"SELECT idx, body FROM audit_entry WHERE {where} ORDER BY idx LIMIT {EXPORT_CHUNK}",  # noqa: S608
            *args, position,
        )
        if not rows:
            return
        position = int(rows[-1][0])
        yield _csv_rows([_csv_row(decode_entry(body)) for _, body in rows])
        if len(rows) < EXPORT_CHUNK:
            return


def _csv_row(entry: dict[str, Any]) -> list[Any]:
    actor = entry.get("actor") or {}
    objects = ";".join(f"{k}={v}" for k, v in (entry.get("objects") or {}).items())
    return [
        entry["index"], entry["time"], entry["kind"], entry.get("request_id"), actor.get("key_id"),
        actor.get("person_id"), entry.get("tenant_id"), entry.get("role"), entry["action"], objects,
        entry["outcome"], entry.get("status"), entry.get("source"), entry.get("user_agent"),
        entry.get("detail"),
    ]


def _csv_rows(rows: list[Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # Neutralise spreadsheet formulas in values an attacker controls (user agent, paths).
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return buffer.getvalue().encode()
