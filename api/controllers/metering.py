"""Measured power and environment: the draw now, peaks and history of a feed, a rack or a tenant;
the monthly billing export; ops' power and environment alerts; a BMS's push of readings.

A tenant reads its own feeds, racks and bill: another tenant's answers exactly like a missing one
(404; metering/views.py scopes by the meters' tenant). The push is for a staff key (ops) only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter

from api.controllers.problem_docs import problems
from api.pagination import DEFAULT_LIMIT, PAGED, Cursor, Page, PageSize, keyset_request, respond
from api.request import ColoRequest
from colo.errors import ValidationFailed
from colo.identity import Principal
from metering import alerts, billing, ingest, views
from metering.schemas import AlertRead, Bill, History, IngestResult, PowerNow, ReadingBatch
from metering.status import AlertKind, ExportFormat, Resolution
from tenants.scope import tenant_for_write

NetBoxIdPath = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="NetBox id")]
Month = Annotated[str, Parameter(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM",
                                 schema_extra={"examples": ["2026-11"]})]
DEFAULT_SPAN = {Resolution.FIVE_MINUTES: timedelta(days=1), Resolution.HOUR: timedelta(days=7),
                Resolution.DAY: timedelta(days=90)}
MAX_POINTS = views.MAX_HISTORY_POINTS


def _window(resolution: Resolution, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    stop = (end or datetime.now(UTC)).astimezone(UTC)
    begin = (start or stop - DEFAULT_SPAN[resolution]).astimezone(UTC)
    if begin >= stop:
        raise ValidationFailed("start", "must be before end")
    if (stop - begin).total_seconds() / resolution.seconds > MAX_POINTS:
        raise ValidationFailed("start", f"at most {MAX_POINTS} points at this resolution")
    return begin, stop


async def _history(principal: Principal, subject: views.Subject, resolution: Resolution,
                   start: datetime | None, end: datetime | None) -> History:
    begin, stop = _window(resolution, start, end)
    return await views.history(principal, subject, resolution=resolution, start=begin, end=stop)


HISTORY_DOC = ("History at a resolution (5m, 1h, 1d): mean and peak kW, kWh, and flags "
               "(gap, counter_reset, meter_change)")


class MeteringController(Controller):
    path = "/v1/metering"
    tags = ["metering"]

    @get("/feeds/{feed_id:int}", operation_id="get_feed_power",
         summary="A power feed's draw now (kW, A per phase), % of its derated capacity and contract, "
                 "7- and 30-day peaks, kWh today and this month", responses=problems(400, 401, 403, 404))
    async def feed_now(self, request: ColoRequest, feed_id: NetBoxIdPath) -> PowerNow:
        return await views.power_now(request.principal, views.Subject("feed", feed_id))

    @get("/feeds/{feed_id:int}/history", operation_id="get_feed_power_history", summary=HISTORY_DOC,
         responses=problems(400, 401, 403, 404, 422))
    async def feed_history(self, request: ColoRequest, feed_id: NetBoxIdPath,
                           resolution: FromQuery[Resolution] = Resolution.HOUR,
                           start: FromQuery[datetime | None] = None, end: FromQuery[datetime | None] = None,
                           ) -> History:
        return await _history(request.principal, views.Subject("feed", feed_id), resolution, start, end)

    @get("/racks/{rack_id:int}", operation_id="get_rack_power",
         summary="A rack's measured draw now, against what one side can carry; peaks; kWh; inlet temperature "
                 "and humidity", responses=problems(400, 401, 403, 404))
    async def rack_now(self, request: ColoRequest, rack_id: NetBoxIdPath) -> PowerNow:
        return await views.power_now(request.principal, views.Subject("rack", rack_id))

    @get("/racks/{rack_id:int}/history", operation_id="get_rack_power_history", summary=HISTORY_DOC,
         responses=problems(400, 401, 403, 404, 422))
    async def rack_history(self, request: ColoRequest, rack_id: NetBoxIdPath,
                           resolution: FromQuery[Resolution] = Resolution.HOUR,
                           start: FromQuery[datetime | None] = None, end: FromQuery[datetime | None] = None,
                           ) -> History:
        return await _history(request.principal, views.Subject("rack", rack_id), resolution, start, end)

    @get("/tenants/{tenant_id:uuid}", operation_id="get_tenant_power",
         summary="A tenant's measured draw now against its contracted power; peaks; kWh",
         responses=problems(401, 403, 404))
    async def tenant_now(self, request: ColoRequest, tenant_id: FromPath[UUID]) -> PowerNow:
        return await views.power_now(request.principal, views.Subject("tenant", tenant_id))

    @get("/tenants/{tenant_id:uuid}/history", operation_id="get_tenant_power_history", summary=HISTORY_DOC,
         responses=problems(400, 401, 403, 404, 422))
    async def tenant_history(self, request: ColoRequest, tenant_id: FromPath[UUID],
                             resolution: FromQuery[Resolution] = Resolution.HOUR,
                             start: FromQuery[datetime | None] = None, end: FromQuery[datetime | None] = None,
                             ) -> History:
        return await _history(request.principal, views.Subject("tenant", tenant_id), resolution, start, end)

    @get("/bills/{month:str}", operation_id="get_power_bill",
         summary="A tenant's month per circuit: kWh, peak kW, hours over contract, data completeness, gaps and "
                 "meter changes — JSON, or CSV with format=csv",
         responses={200: ResponseSpec(Bill, description="The export (format=csv: text/csv)", generate_examples=False),
                    **problems(400, 401, 403, 422)})
    async def bill(
        self, request: ColoRequest, month: Month, tenant_id: FromQuery[UUID | None] = None,
        fmt: Annotated[ExportFormat, QueryParameter(name="format")] = ExportFormat.JSON,
    ) -> Response[Any]:
        tenant = tenant_for_write(request.principal, tenant_id)  # a tenant: its own; staff name one
        bill = await billing.monthly_bill(tenant_id=tenant, month=month)
        if fmt is ExportFormat.CSV:
            return Response(billing.as_csv(bill), media_type="text/csv", headers={
                "Content-Disposition": f'attachment; filename="power-{month}.csv"'})
        return Response(bill)

    @get("/alerts", operation_id="list_metering_alerts",
         summary="Power and environment alerts for ops: feed load, redundancy at risk, tenants over contract, "
                 "inlet temperature and humidity, silent meters", responses=problems(400, 401, 403, 422), **PAGED)
    async def list_alerts(
        self, request: ColoRequest, open_only: FromQuery[bool] = True,
        kind: FromQuery[AlertKind | None] = None, limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[Page[AlertRead]]:
        page = keyset_request(cursor, limit=limit, keyset=alerts.ALERT_KEYS)
        return respond(request, await alerts.list_alerts(open_only=open_only, kind=kind, page=page))

    @post("/alerts/{alert_id:uuid}/acknowledge", operation_id="acknowledge_metering_alert", status_code=200,
          summary="Mark a power or environment alert as handled", responses=problems(401, 403, 404))
    async def acknowledge(self, request: ColoRequest, alert_id: FromPath[UUID]) -> AlertRead:
        return await alerts.acknowledge(principal=request.principal, alert_id=alert_id)

    @post("/readings", operation_id="ingest_readings", status_code=200,
          summary="A BMS pushes readings in a batch: idempotent per meter, channel, metric and instant",
          responses=problems(400, 401, 403, 422))
    async def ingest(self, request: ColoRequest, data: JSONBody[ReadingBatch]) -> IngestResult:
        return await ingest.push(data.readings, config=request.services.metering.config)
