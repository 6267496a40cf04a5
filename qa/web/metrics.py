"""Prometheus metrics: request counts and latency by endpoint and status, index size gauges.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set before prometheus_client is imported, see gunicorn_conf)
makes every worker write its samples to files there; a scrape of any worker then sums them all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from qa.models import IndexInfo

METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class IndexCollector(Collector):
    """Gauges describing the loaded index, read at scrape time from whichever worker answers."""

    def __init__(self, info: Callable[[], IndexInfo | None]) -> None:
        self._info = info

    def collect(self) -> Iterator[Metric]:
        info = self._info()
        yield GaugeMetricFamily("qa_index_ready", "1 when an index is loaded and serving", value=int(bool(info)))
        if info is None:
            return
        sizes = {
            "documents": (info.documents, "Documents in the loaded index"),
            "passages": (info.passages, "Passages (body passages and reference entries) in the index"),
            "references": (info.references, "Parsed references in the index"),
            "terms": (info.terms, "Vocabulary size of the index"),
            "size_bytes": (info.size_bytes, "Bytes on disk of the index files"),
            "stale": (int(info.stale), "1 when the corpus changed since the index was built"),
        }
        for name, (value, help_text) in sizes.items():
            yield GaugeMetricFamily(f"qa_index_{name}", help_text, value=value)
        labels = GaugeMetricFamily(
            "qa_index_info",
            "The loaded index version (labels)",
            labels=["version", "built_at", "format_version"],
        )
        labels.add_metric([info.version, info.built_at, str(info.format_version)], 1)
        yield labels


class Metrics:
    """The app's request metrics and the index gauges, in a registry of their own (one per app)."""

    def __init__(self, info: Callable[[], IndexInfo | None]) -> None:
        self.registry = CollectorRegistry()
        self.index = IndexCollector(info)
        self.registry.register(self.index)
        self.requests = Counter(
            "qa_http_requests",
            "HTTP requests served",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "qa_http_request_duration_seconds",
            "Time to serve a request, by endpoint and status",
            ["endpoint", "method", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Count one request; unknown methods share one label so clients cannot blow up cardinality."""
        labels = (endpoint, method if method in METHODS else "OTHER", str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type; sums all workers' files in multiprocess mode."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            registry.register(self.index)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
