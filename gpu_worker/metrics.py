"""Prometheus metrics of the worker (GET /metrics), and the queue loop's `WorkerMetrics` on
them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gluekb.ports.worker_metrics import FailureKind

registry = CollectorRegistry()

queue_visible = Gauge(
    "gluekb_worker_queue_visible_messages", "Index jobs waiting on the queue", registry=registry
)
queue_in_flight = Gauge(
    "gluekb_worker_queue_in_flight_messages",
    "Index jobs received, not yet deleted",
    registry=registry,
)
queue_lag = Histogram(
    "gluekb_worker_queue_lag_seconds",
    "Time from enqueue to the start of processing",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800),
    registry=registry,
)
batch_seconds = Histogram(
    "gluekb_worker_batch_seconds",
    "Latency of one batch: parse, fetch, chunk, embed, write",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
    registry=registry,
)
documents = Counter(
    "gluekb_worker_documents_total", "Index jobs by outcome", ["status"], registry=registry
)
chunks_written = Counter("gluekb_worker_chunks_written_total", "Chunks written", registry=registry)
embeddings = Counter(
    "gluekb_worker_embeddings_total", "Vectors computed or reused", ["source"], registry=registry
)
docs_per_second = Gauge(
    "gluekb_worker_documents_per_second",
    "Documents per second over the last batch",
    registry=registry,
)
failures = Counter(
    "gluekb_worker_failures_total", "Failed index jobs by kind", ["kind"], registry=registry
)
embed_request_seconds = Histogram(
    "gluekb_worker_embed_request_seconds",
    "POST /embed latency",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1),
    registry=registry,
)


class PrometheusWorkerMetrics:
    """The queue loop's measurements (`gluekb.ports.worker_metrics`) as the metrics above."""

    def message_received(self, lag_s: float) -> None:
        queue_lag.observe(lag_s)

    def job_finished(self, status: str) -> None:
        documents.labels(status).inc()

    def job_failed(self, kind: FailureKind) -> None:
        failures.labels(kind).inc()

    def batch_done(
        self, seconds: float, jobs: int, chunks: int, embedded: int, reused: int
    ) -> None:
        batch_seconds.observe(seconds)
        chunks_written.inc(chunks)
        embeddings.labels("index").inc(embedded)
        embeddings.labels("reused").inc(reused)
        docs_per_second.set(jobs / seconds if seconds > 0 else 0)

    def queue_depth(self, visible: int, in_flight: int) -> None:
        queue_visible.set(visible)
        queue_in_flight.set(in_flight)
