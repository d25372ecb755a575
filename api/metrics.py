"""Gauges people alert on, computed when Prometheus scrapes /metrics (of `colo serve` and
`colo worker`) rather than by loops that would keep them fresh between scrapes.

A prometheus_client Collector, registered once per process in the default registry (which
litestar's PrometheusController serves).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from colo import leader

_installed: list[Collector] = []


class ColoCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        leading = GaugeMetricFamily(
            "colo_leader", "1 when this process leads the cluster-wide singleton (colo/leader.py), else 0",
            labels=["singleton"])
        held: set[str] = set()
        contending = False
        for election in leader.live():
            contending = True
            held |= election.held()
        if contending:
            for name in leader.SINGLETONS:
                leading.add_metric([name], 1.0 if name in held else 0.0)
        yield leading


def install_collector() -> None:
    """Register the collector in the default registry (once per process; app factories call it)."""
    if not _installed:
        collector = ColoCollector()
        REGISTRY.register(collector)
        _installed.append(collector)
