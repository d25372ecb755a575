"""The access log for security officers and auditors: search, export, checkpoint, keys, proofs.

Every call here is itself an API request, so the access-log middleware records each read of
the log like any other request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, MediaType, Response, get
from litestar.params import FromQuery, Parameter, QueryParameter
from litestar.response import Stream

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Page, PageSize, respond_cursor
from api.request import ColoRequest
from api.services import AppServices
from audit import proofs
from audit.encoding import OUTCOMES
from audit.export import export_jsonl
from audit.schemas import ConsistencyProofRead, EntryRead, InclusionProofRead, PublicKey
from audit.search import EntryFilter, entry_read, export_csv, get_entry, search_entries
from audit.service import AccessLog
from colo.errors import NotFound, ValidationFailed

Text = Annotated[str | None, QueryParameter(max_length=256)]
# A string checked here, not `datetime`: Litestar's lax query parsing would take `0.5` as a time.
Moment = Annotated[str | None, QueryParameter(
    max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$",
    description="RFC 3339 time, e.g. 2026-11-22T03:00:00Z (UTC when no offset is given)")]
Tenant = FromQuery[UUID | None]
ObjectId = Annotated[str | None, QueryParameter(name="object", max_length=256)]
# Log positions are BIGINT; 2^53 - 1 is plenty and is exact as a JSON number (the document's
# bound is a float, so a bound past 2^53 would not say exactly where the limit is).
MAX_POSITION = 2**53 - 1
# The members are audit's OUTCOMES (listed once, there); mypy reads an Enum's members only from
# literals, so it cannot check this functional form.
Outcome = StrEnum("Outcome", {o: o for o in OUTCOMES})  # type: ignore[misc]


class Kind(StrEnum):
    API = "api"
    PHYSICAL = "physical"


class Order(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


def _log(services: AppServices) -> AccessLog:
    return services.access_log


def _us(moment: str | None, field: str) -> int | None:
    if moment is None:
        return None
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(field, "not an RFC 3339 time") from None
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp() * 1_000_000)


def _filters(since: str | None, until: str | None, tenant_id: UUID | None, actor: str | None,
             action: str | None, outcome: Any, object_id: str | None, kind: Kind | None) -> EntryFilter:
    return EntryFilter(
        since_us=_us(since, "since"), until_us=_us(until, "until"), tenant_id=str(tenant_id) if tenant_id else None,
        actor_key_id=actor, action=action, outcome=outcome.value if outcome else None,
        object_id=object_id, kind=kind.value if kind else None,
    )


async def _shown(document: dict[str, Any], request: ColoRequest) -> EntryRead:
    """The entry as the caller may read it (audit.search.entry_read: personal data for security
    officers, its existence for auditors)."""
    return await entry_read(document, principal=request.principal, master_key=request.services.keys.master_key)


class AccessLogController(Controller):
    path = "/v1/access-log"
    tags = ["access log"]

    @get("/entries", operation_id="search_access_log",
         summary="Search entries by time, tenant, actor, action, outcome or object (cursor pages)",
         description="`action` matches exactly, or as a prefix when it ends with `*`. "
                     "`object` matches any path parameter value. Newest first unless `order=oldest`.",
         responses=problems(400, 401, 403, 422), **PAGED)
    async def search(
        self, request: ColoRequest,
        since: Moment = None, until: Moment = None, tenant_id: Tenant = None,
        actor: Text = None, action: Text = None,
        outcome: FromQuery[Outcome | None] = None,
        object_id: ObjectId = None, kind: FromQuery[Kind | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: PageSize = DEFAULT_LIMIT, order: FromQuery[Order] = Order.NEWEST,
    ) -> Response[Page[EntryRead]]:
        filters = _filters(since, until, tenant_id, actor, action, outcome, object_id, kind)
        documents, next_cursor = await search_entries(
            store=_log(request.services).store, filters=filters, cursor=cursor, limit=limit,
            newest_first=order is Order.NEWEST,
        )
        return respond_cursor(request, [await _shown(d, request) for d in documents],
                              next_cursor)

    @get("/entries/{index:int}", operation_id="get_access_log_entry", summary="One entry by index",
         responses=problems(401, 403, 404))
    async def get_one(
        self, request: ColoRequest,
        index: Annotated[int, Parameter(ge=0, le=MAX_POSITION)],
    ) -> EntryRead:
        return await get_entry(store=_log(request.services).store, index=index, principal=request.principal,
                               master_key=request.services.keys.master_key)

    @get("/export", operation_id="export_access_log",
         summary="Stream matching entries as verifiable JSONL (each with its inclusion proof) or CSV",
         description="JSONL: a header line carrying the signed checkpoint the export is proven against "
                     "(signed when the export starts, so it covers everything logged before), then one "
                     "line per matching entry: `index`, `entry` (the exact entry bytes) and `proof` (its "
                     "inclusion proof, base64 hashes). A filtered extract verifies offline on its own: "
                     "`colo audit verify --export FILE --keys KEYS` (KEYS: `GET /v1/access-log/keys`). "
                     "CSV is for people and omits encrypted personal data. 404: nothing is signed yet.",
         responses=problems(400, 401, 403, 404, 422))
    async def export(
        self, request: ColoRequest, fmt: Annotated[ExportFormat, QueryParameter(name="format")] = ExportFormat.JSONL,
        since: Moment = None, until: Moment = None, tenant_id: Tenant = None,
        actor: Text = None, action: Text = None,
        outcome: FromQuery[Outcome | None] = None,
        object_id: ObjectId = None, kind: FromQuery[Kind | None] = None,
    ) -> Stream:
        filters = _filters(since, until, tenant_id, actor, action, outcome, object_id, kind)
        access_log = _log(request.services)
        if fmt is ExportFormat.CSV:
            body, media = export_csv(store=access_log.store, filters=filters), "text/csv"
        else:
            await access_log.sequencer.checkpoint_now()  # sign what was logged up to now
            checkpoint = await access_log.store.latest_checkpoint()
            if checkpoint is None:
                raise NotFound("checkpoint")
            body = export_jsonl(store=access_log.store, filters=filters, checkpoint=checkpoint,
                                origin=access_log.origin)
            media = "application/jsonl"
        return Stream(body, media_type=media,
                      headers={"Content-Disposition": f'attachment; filename="access-log.{fmt.value}"'})

    @get("/checkpoint", operation_id="get_access_log_checkpoint", media_type=MediaType.TEXT,
         summary="The latest signed checkpoint (C2SP signed note)", responses=problems(401, 403, 404))
    async def checkpoint(self, request: ColoRequest) -> Response[str]:
        latest = await _log(request.services).store.latest_checkpoint()
        if latest is None:
            raise NotFound("checkpoint")
        return Response(latest.note, media_type="text/plain; charset=utf-8")

    @get("/keys", operation_id="get_access_log_keys",
         summary="Public keys that sign checkpoints (vkey form); older keys still verify old checkpoints",
         responses=problems(401, 403), **PAGED)
    async def keys(self, request: ColoRequest, ) -> Response[Page[PublicKey]]:
        access_log = _log(request.services)  # a handful of keys: one page
        return respond_cursor(request, [PublicKey(key_id=key_id, vkey=key.vkey,
                                                  current=key_id == access_log.signer.key_id)
                                        for key_id, key in access_log.keys], None)

    @get("/proofs/inclusion", operation_id="get_inclusion_proof",
         summary="Inclusion proof of an entry in a signed tree (latest unless tree_size is given)",
         responses=problems(400, 401, 403, 404, 422))
    async def inclusion(
        self, request: ColoRequest, index: Annotated[int, QueryParameter(ge=0, le=MAX_POSITION)],
        tree_size: Annotated[int | None, QueryParameter(ge=1, le=MAX_POSITION)] = None,
    ) -> InclusionProofRead:
        proof = await proofs.inclusion_proof(store=_log(request.services).store, index=index, tree_size=tree_size)
        return InclusionProofRead.of(proof)

    @get("/proofs/consistency", operation_id="get_consistency_proof",
         summary="Consistency proof between two signed tree sizes (second defaults to the latest)",
         responses=problems(400, 401, 403, 404, 422))
    async def consistency(
        self, request: ColoRequest, first: Annotated[int, QueryParameter(ge=1, le=MAX_POSITION)],
        second: Annotated[int | None, QueryParameter(ge=1, le=MAX_POSITION)] = None,
    ) -> ConsistencyProofRead:
        proof = await proofs.consistency_proof(store=_log(request.services).store, first=first, second=second)
        return ConsistencyProofRead.of(proof)
