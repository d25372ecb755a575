"""Gauges people alert on, at /metrics of `colo serve` and `colo worker`, computed when Prometheus
scrapes rather than by loops that would keep them fresh between scrapes.

The scrape handler (MetricsController) first measures (a few cheap queries, each bounded and
skipped when it fails: a database outage must not make /metrics fail), then a prometheus_client
Collector, registered once per process in the default registry, reports what was measured:

- colo_leader{singleton}: 1 when this process leads that cluster-wide singleton (colo/leader.py)
- colo_access_log_queue_depth: access-log entries accepted but not yet committed (this process)
- colo_access_log_checkpoint_age_seconds: since the newest signed checkpoint
- colo_readmodel_data_age_seconds{sync="full"|"event"}: since the last full sync / webhook refresh
- colo_readmodel_queue_depth, colo_readmodel_queue_oldest_seconds: webhook work not yet applied
- colo_orders_waiting_for_netbox: orders whose last attempt found NetBox unavailable
- colo_outbox_backlog: outbox events not yet dispatched to notification deliveries
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get
from litestar.plugins.prometheus import PrometheusController
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from colo import leader
from colo.logging import get_logger
from colo.outbox import OutboxEvent
from dcim.orders.worker import waiting_for_netbox
from dcim.readmodel import queue, store

log = get_logger(__name__)
QUERY_SECONDS = 2.0
_installed: list[Collector] = []
# The latest measurement of this process (name → value, or (label, value) pairs for labelled gauges).
_measured: dict[str, float | list[tuple[str, float]]] = {}

HELP = {
    "colo_access_log_queue_depth": "access-log entries accepted by this process and not yet committed",
    "colo_access_log_checkpoint_age_seconds": "seconds since the access log's newest signed checkpoint",
    "colo_readmodel_data_age_seconds": "seconds since the read model's last successful sync of this kind",
    "colo_readmodel_queue_depth": "NetBox webhook work queued for the read model and not yet applied",
    "colo_readmodel_queue_oldest_seconds": "seconds the oldest queued webhook work has waited (0: none)",
    "colo_orders_waiting_for_netbox": "orders whose last attempt found NetBox unavailable (retried when it answers)",
    "colo_outbox_backlog": "outbox events not yet dispatched to notification deliveries",
}


def _age(moment: datetime | str | None, now: datetime) -> float | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (now - moment).total_seconds())


async def _bounded[T](name: str, work: Awaitable[T]) -> T | None:
    try:
        return await asyncio.wait_for(work, QUERY_SECONDS)
    except Exception as exc:  # the database away: this gauge is left out of this scrape
        log.debug("metric not measured", metric=name, error=type(exc).__name__)
        return None


async def measure(services: Any) -> None:
    """Measure every gauge for the next collect() (`services`: the app's AppServices, or None)."""
    now = datetime.now(UTC)
    found: dict[str, float | list[tuple[str, float]]] = {}
    access_log = getattr(services, "access_log", None) if services is not None else None
    if access_log is not None:
        found["colo_access_log_queue_depth"] = float(access_log.sequencer.pending)
        latest = await _bounded("checkpoint", access_log.store.latest_checkpoint())
        if latest is not None:
            found["colo_access_log_checkpoint_age_seconds"] = max(0.0, now.timestamp() - latest.signed_at_us / 1e6)
    syncs = await _bounded("readmodel", store.last_sync())
    if syncs is not None:
        found["colo_readmodel_data_age_seconds"] = [
            (kind, age) for kind in ("full", "event") if (age := _age(syncs.get(kind), now)) is not None]
    depth = await _bounded("queue", queue.depth())
    if depth is not None:
        found["colo_readmodel_queue_depth"] = float(depth)
        oldest: float | None = await _bounded("queue", queue.oldest(now))
        found["colo_readmodel_queue_oldest_seconds"] = oldest or 0.0
    waiting = await _bounded("orders", waiting_for_netbox())
    if waiting is not None:
        found["colo_orders_waiting_for_netbox"] = float(waiting)
    backlog = await _bounded("outbox", OutboxEvent.count().where(OutboxEvent.dispatched_at.is_null()).run())
    if backlog is not None:
        found["colo_outbox_backlog"] = float(backlog)
    _measured.clear()
    _measured.update(found)


class ColoCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        elections = list(leader.live())
        if elections:  # only processes that run background loops contend
            held = frozenset().union(*(e.held() for e in elections))
            leading = GaugeMetricFamily(
                "colo_leader", "1 when this process leads the cluster-wide singleton (colo/leader.py), else 0",
                labels=["singleton"])
            for name in leader.SINGLETONS:
                leading.add_metric([name], 1.0 if name in held else 0.0)
            yield leading
        for name, value in list(_measured.items()):
            if isinstance(value, list):
                family = GaugeMetricFamily(name, HELP[name], labels=["sync"])
                for label, number in value:
                    family.add_metric([label], number)
                yield family
            else:
                yield GaugeMetricFamily(name, HELP[name], value=value)


def install_collector() -> None:
    """Register the collector in the default registry (once per process; app factories call it)."""
    if not _installed:
        collector = ColoCollector()
        REGISTRY.register(collector)
        _installed.append(collector)


class MetricsController(PrometheusController):
    """/metrics: measure, then Prometheus's text format of the default registry."""

    path = "/metrics"
    include_in_schema = False
    opt = {"public": True}

    @get()
    async def get(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await measure(getattr(request.app.state, "services", None))
        return Response(generate_latest(REGISTRY), status_code=200, headers={"Content-Type": CONTENT_TYPE_LATEST})
