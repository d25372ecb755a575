"""Maintenance and incident notices: ops publish one on plant objects, and each affected tenant
is told — through the outbox, so by webhook and e-mail like every other event — with *its own*
affected racks and cross-connects only. Others see nothing of it.

The impact is worked out from the plant by dcim/impact.py; notify/ may not import dcim, so the
HTTP layer computes it and hands each tenant's share in here as `Audience`. An update reaches the
tenants affected before or after it (one that no longer is gets the update with empty lists).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from msgspec import Meta

from colo.errors import NotFound, ValidationFailed
from colo.identity import Principal
from colo.outbox import AffectedCrossConnect, AffectedRack, EventType, NoticeChanged, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
from colo.text import LINE_PATTERN, TEXT_PATTERN
from notify.status import NoticeKind, NoticeStatus
from notify.tables import Notice, NoticeAudience

WINDOW_PAST = timedelta(days=366)
WINDOW_AHEAD = timedelta(days=731)
Ids = Annotated[list[Annotated[int, Meta(ge=1, le=2**31 - 1)]], Meta(max_length=500)]
RowName = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
Summary = Annotated[str, Meta(min_length=3, max_length=2000, pattern=TEXT_PATTERN)]


class NoticeTargets(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The plant objects a notice touches, by NetBox id; rows by their rack group's name."""

    power_panels: Ids = msgspec.field(default_factory=list)
    power_feeds: Ids = msgspec.field(default_factory=list)
    racks: Ids = msgspec.field(default_factory=list)
    rows: Annotated[list[RowName], Meta(max_length=100)] = msgspec.field(default_factory=list)
    locations: Ids = msgspec.field(default_factory=list)
    sites: Ids = msgspec.field(default_factory=list)
    patch_panels: Ids = msgspec.field(default_factory=list)
    ports: Ids = msgspec.field(default_factory=list)


class NoticeCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: NoticeKind
    summary: Summary
    starts_at: datetime
    ends_at: datetime | None = None
    status: NoticeStatus = NoticeStatus.SCHEDULED
    targets: NoticeTargets = msgspec.field(default_factory=NoticeTargets)


class NoticeUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: NoticeStatus | None = None
    summary: Summary | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    targets: NoticeTargets | None = None


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    """One affected tenant and its own affected services."""

    tenant_id: UUID
    racks: list[AffectedRack] = msgspec.field(default_factory=list)
    cross_connects: list[AffectedCrossConnect] = msgspec.field(default_factory=list)


class NoticeRead(msgspec.Struct, kw_only=True):
    """A notice as ops see it: the targets and how many tenants it reaches."""

    id: UUID
    kind: NoticeKind
    status: NoticeStatus
    summary: str
    starts_at: datetime
    ends_at: datetime | None
    targets: NoticeTargets
    tenants_affected: int
    created_at: datetime
    updated_at: datetime


class MyNoticeRead(msgspec.Struct, kw_only=True):
    """A notice as an affected tenant sees it: its own racks and cross-connects, nothing else."""

    id: UUID
    kind: NoticeKind
    status: NoticeStatus
    summary: str
    starts_at: datetime
    ends_at: datetime | None
    racks: list[AffectedRack]
    cross_connects: list[AffectedCrossConnect]
    updated_at: datetime


def _json(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


def _check_window(starts_at: datetime, ends_at: datetime | None, *, now: datetime) -> None:
    """A window near today (a year back for incidents found late, two ahead for planned work)."""
    if not now - WINDOW_PAST <= starts_at <= now + WINDOW_AHEAD:
        raise ValidationFailed("starts_at", "must lie between a year ago and two years ahead")
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed("ends_at", "must be after starts_at")
    if ends_at is not None and ends_at > starts_at + WINDOW_AHEAD:
        raise ValidationFailed("ends_at", "must be within two years of starts_at")


async def _tell(notice: dict[str, Any], audience: list[Audience], type: EventType, now: datetime) -> None:
    for member in audience:
        await record_event(type=type, tenant_id=member.tenant_id, now=now, payload=NoticeChanged(
            notice_id=notice["id"], kind=notice["kind"], status=notice["status"], summary=notice["summary"],
            starts_at=notice["starts_at"], ends_at=notice["ends_at"], racks=member.racks,
            cross_connects=member.cross_connects))


async def _replace_audience(notice_id: UUID, audience: list[Audience]) -> None:
    await NoticeAudience.delete().where(NoticeAudience.notice_id == notice_id)
    rows = [NoticeAudience(id=uuid4(), notice_id=notice_id, tenant_id=m.tenant_id,
                           impact=msgspec.json.encode({"racks": m.racks, "cross_connects": m.cross_connects}).decode())
            for m in audience if m.racks or m.cross_connects]
    if rows:
        await NoticeAudience.insert(*rows)


async def _read(notice_id: UUID) -> NoticeRead:
    row = await Notice.select().where(Notice.id == notice_id).first()
    if row is None:
        raise NotFound("notice", notice_id, field="notice_id")
    count = await NoticeAudience.count().where(NoticeAudience.notice_id == notice_id)
    return NoticeRead(id=row["id"], kind=NoticeKind(row["kind"]), status=NoticeStatus(row["status"]),
                      summary=row["summary"], starts_at=row["starts_at"], ends_at=row["ends_at"],
                      targets=msgspec.convert(_json(row["targets"]), NoticeTargets), tenants_affected=count,
                      created_at=row["created_at"], updated_at=row["updated_at"])


async def publish_notice(*, principal: Principal, data: NoticeCreate, audience: list[Audience],
                         now: datetime | None = None) -> NoticeRead:
    """Store the notice and its audience and tell each tenant, in one transaction."""
    moment = now or datetime.now(UTC)
    _check_window(data.starts_at, data.ends_at, now=moment)
    notice_id = uuid4()
    row: dict[str, Any] = {"id": notice_id, "kind": data.kind.value, "status": data.status.value,
                           "summary": data.summary, "starts_at": data.starts_at, "ends_at": data.ends_at}
    async with Notice._meta.db.transaction():
        await Notice.insert(Notice(id=notice_id, kind=data.kind.value, status=data.status.value, summary=data.summary,
                                   starts_at=data.starts_at, ends_at=data.ends_at,
                                   targets=msgspec.json.encode(data.targets).decode(),
                                   published_by=(principal.name or principal.key_id)[:100],
                                   created_at=moment, updated_at=moment))
        await _replace_audience(notice_id, audience)
        await _tell(row, [m for m in audience if m.racks or m.cross_connects], EventType.NOTICE_PUBLISHED, moment)
    return await _read(notice_id)


async def notice_targets(notice_id: UUID) -> NoticeTargets:
    row = await Notice.select(Notice.targets).where(Notice.id == notice_id).first()
    if row is None:
        raise NotFound("notice", notice_id, field="notice_id")
    return msgspec.convert(_json(row["targets"]), NoticeTargets)


async def update_notice(*, principal: Principal, notice_id: UUID, data: NoticeUpdate, audience: list[Audience],
                        now: datetime | None = None) -> NoticeRead:
    """Change status, window, summary or targets; `audience` is the impact of the targets after
    the change. Tenants affected before or after are told (each with its share now)."""
    current = await Notice.select().where(Notice.id == notice_id).first()
    if current is None:
        raise NotFound("notice", notice_id, field="notice_id")
    moment = now or datetime.now(UTC)
    row = {"id": notice_id, "kind": current["kind"], "status": (data.status or current["status"]),
           "summary": data.summary or current["summary"], "starts_at": data.starts_at or current["starts_at"],
           "ends_at": data.ends_at if data.ends_at is not None else current["ends_at"]}
    _check_window(row["starts_at"], row["ends_at"], now=moment if data.starts_at is not None else row["starts_at"])
    before = {r["tenant_id"] for r in await NoticeAudience.select(NoticeAudience.tenant_id).where(
        NoticeAudience.notice_id == notice_id)}
    now_affected = {m.tenant_id for m in audience if m.racks or m.cross_connects}
    told = [m for m in audience if m.tenant_id in now_affected] + [Audience(tenant_id=t) for t in before - now_affected]
    changes: dict[Any, Any] = {Notice.status: str(row["status"]), Notice.summary: row["summary"],
                               Notice.starts_at: row["starts_at"], Notice.ends_at: row["ends_at"],
                               Notice.updated_at: moment}
    if data.targets is not None:
        changes[Notice.targets] = msgspec.json.encode(data.targets).decode()
    async with Notice._meta.db.transaction():
        await Notice.update(changes).where(Notice.id == notice_id)
        await _replace_audience(notice_id, audience)
        await _tell(row, told, EventType.NOTICE_UPDATED, moment)
    return await _read(notice_id)


NOTICE_KEYS = Keyset("notices", (datetime, UUID), descending=True)  # newest first
MY_NOTICE_KEYS = Keyset("my_notices", (datetime, UUID), descending=True)


async def list_notices(*, page: PageRequest) -> PageResult[NoticeRead]:
    """Every notice, newest first (ops), one keyset page of them."""
    rows = await select_page(Notice.select(Notice.id, Notice.created_at), columns=(Notice.created_at, Notice.id),
                             keyset=NOTICE_KEYS, page=page)
    return PageResult([await _read(row["id"]) for row in rows.items], rows.next_key, rows.keyset)


async def get_notice(*, notice_id: UUID) -> NoticeRead:
    return await _read(notice_id)


async def my_notices(*, principal: Principal, page: PageRequest) -> PageResult[MyNoticeRead]:
    """The notices affecting the principal's tenant, newest first (by when they were published, which
    never changes, so a page boundary holds), with its own services only."""
    mine = await NoticeAudience.select().where(NoticeAudience.tenant_id == principal.tenant_id)
    impacts = {row["notice_id"]: _json(row["impact"]) for row in mine}
    if not impacts:
        return PageResult([], None, MY_NOTICE_KEYS)
    rows = await select_page(Notice.select().where(Notice.id.is_in(list(impacts))),
                             columns=(Notice.created_at, Notice.id), keyset=MY_NOTICE_KEYS, page=page)
    return rows.map(lambda r: MyNoticeRead(
        id=r["id"], kind=NoticeKind(r["kind"]), status=NoticeStatus(r["status"]), summary=r["summary"],
        starts_at=r["starts_at"], ends_at=r["ends_at"],
        racks=msgspec.convert(impacts[r["id"]]["racks"], list[AffectedRack]),
        cross_connects=msgspec.convert(impacts[r["id"]]["cross_connects"], list[AffectedCrossConnect]),
        updated_at=r["updated_at"]))
