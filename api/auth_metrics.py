"""The API key cache at /metrics: hits, misses, entries, and whether its invalidation listener is up.

`colo_auth_key_cache_listening` at 0 for long means every request looks its key up in the
database again (correct, only slower): the LISTEN connection to PostgreSQL is down. Kept apart
from api/metrics.py (the cluster gauges) so each collector stays with the code it reports on.
A prometheus_client Collector registered once per process in the default registry (which
litestar's PrometheusController serves); it reads the caches of the apps built in this process.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from tenants.key_cache import KeyCache

_caches: weakref.WeakSet[KeyCache] = weakref.WeakSet()
_installed: list[Collector] = []


class KeyCacheCollector(Collector):
    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = [cache.stats() for cache in list(_caches)]
        hits = CounterMetricFamily("colo_auth_key_cache_hits", "API key lookups answered from the cache")
        hits.add_metric([], float(sum(s.hits for s in stats)))
        misses = CounterMetricFamily("colo_auth_key_cache_misses",
                                     "API key lookups that went to the database while the cache was listening")
        misses.add_metric([], float(sum(s.misses for s in stats)))
        entries = GaugeMetricFamily("colo_auth_key_cache_entries", "API keys held in the cache now")
        entries.add_metric([], float(sum(s.entries for s in stats)))
        listening = GaugeMetricFamily(
            "colo_auth_key_cache_listening",
            "1 when the cache's LISTEN colo_auth connection is up (else nothing is cached)")
        listening.add_metric([], 1.0 if stats and all(s.listening for s in stats) else 0.0)
        yield from (hits, misses, entries, listening)


def report_key_cache(cache: KeyCache) -> None:
    """Include this app's cache at /metrics (the collector is registered on first call)."""
    _caches.add(cache)
    if not _installed:
        collector = KeyCacheCollector()
        REGISTRY.register(collector)
        _installed.append(collector)
