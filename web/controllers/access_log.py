"""The access log for security officers and auditors: search, entry detail, export, integrity panel
and proofs — through exactly the audit functions the API calls (api/controllers/access_log.py),
so a page shows what `GET /v1/access-log/…` would answer the same person, and every page view is
itself an entry of the log (the access-log middleware records portal requests too).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, Parameter, QueryParameter
from litestar.response import Stream, Template

from audit.encoding import OUTCOMES
from audit.export import export_jsonl
from audit.search import MAX_LIMIT, entry_read, export_csv, get_entry, search_entries
from audit.service import AccessLog
from colo.errors import NotFound, ValidationFailed
from web.access_log_view import KINDS, entry_time, integrity, prove, read_search
from web.guard import runtime_of
from web.pages import page
from web.state import Viewer, WebRequest

PAGE_SIZE = 50
MAX_POSITION = 2**53 - 1
Position = Annotated[int, Parameter(ge=0, le=MAX_POSITION)]


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = WebRequest.of(request.scope).viewer
    assert viewer is not None  # the guard requires a session for every page here
    return viewer


def _log(request: Request[Any, Any, Any]) -> AccessLog:
    return runtime_of(request).services.access_log


def _params(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if isinstance(value, str)}


class AccessLogController(Controller):
    path = "/"

    @get("/access-log", operation_id="portal_access_log", opt={"acts_as": "search_access_log"})
    async def search(self, request: Request[Any, Any, Any],
                     cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
                     limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = PAGE_SIZE) -> Template:
        viewer = _viewer(request)
        runtime = runtime_of(request)
        language = WebRequest.of(request.scope).language
        search = read_search(_params(request), language.zone)
        entries: list[Any] = []
        older = None
        errors = dict(search.errors)
        if not errors:
            try:
                documents, next_cursor = await search_entries(
                    store=_log(request).store, filters=search.filters, cursor=cursor, limit=limit)
            except ValidationFailed:  # a cursor this page did not make
                documents, next_cursor = [], None
                errors["cursor"] = "cursor"
            entries = [await entry_read(d, principal=viewer.principal,
                                        master_key=runtime.services.keys.master_key) for d in documents]
            paging = {"limit": str(limit)} if limit != PAGE_SIZE else {}
            older = search.query(cursor=next_cursor, **paging) if next_cursor else None
        panel = await integrity(access_log=_log(request), now=datetime.now(UTC),
                                witness_state=runtime.services.settings.audit_witness_state)
        return page(request, "access_log.html", status=422 if search.errors else 200, search=search,
                    entries=entries, errors=errors, times={e.index: entry_time(e) for e in entries}, older=older,
                    outcomes=OUTCOMES, kinds=KINDS,
                    export_query=search.query(), panel=panel)

    @get("/access-log/export", operation_id="portal_export_access_log", opt={"acts_as": "export_access_log"})
    async def export(self, request: Request[Any, Any, Any],
                     fmt: Annotated[str, QueryParameter(name="format", pattern="^(csv|jsonl)$")] = "csv") -> Stream:
        language = WebRequest.of(request.scope).language
        search = read_search(_params(request), language.zone)
        if search.errors:
            raise ValidationFailed(next(iter(search.errors)), "not a valid filter")
        access_log = _log(request)
        if fmt == "csv":
            body, media = export_csv(store=access_log.store, filters=search.filters), "text/csv"
        else:
            await access_log.sequencer.checkpoint_now()  # sign what was logged up to now
            checkpoint = await access_log.store.latest_checkpoint()
            if checkpoint is None:
                raise NotFound("checkpoint")
            body = export_jsonl(store=access_log.store, filters=search.filters, checkpoint=checkpoint,
                                origin=access_log.origin)
            media = "application/jsonl"
        return Stream(body, media_type=media,
                      headers={"Content-Disposition": f'attachment; filename="access-log.{fmt}"'})

    @get("/access-log/{position:int}", operation_id="portal_access_log_entry",
         opt={"acts_as": "get_access_log_entry"})
    async def entry(self, request: Request[Any, Any, Any], position: FromPath[Position]) -> Template:
        return await self._entry_page(request, position, proof=None)

    async def _entry_page(self, request: Request[Any, Any, Any], position: int, *, proof: Any) -> Template:
        viewer = _viewer(request)
        entry = await get_entry(store=_log(request).store, index=position, principal=viewer.principal,
                                master_key=runtime_of(request).services.keys.master_key)
        return page(request, "access_log_entry.html", entry=entry, time=entry_time(entry), proof=proof)

    @get("/access-log/{position:int}/proof", operation_id="portal_access_log_proof",
         opt={"acts_as": "get_inclusion_proof"})
    async def proof(self, request: Request[Any, Any, Any], position: FromPath[Position]) -> Template:
        result = await prove(access_log=_log(request), index=position)
        return await self._entry_page(request, position, proof=result)
