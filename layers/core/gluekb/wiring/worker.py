"""The embedding worker's composition, built from `WorkerSettings`: the model, the index it
writes, the device gate and the index-side encoder behind it, the indexing pipeline, the
index-queue loop and the health probes. `python -m gpu_worker` runs what this builds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.sentence_embedder import SentenceTransformerEmbedder
from gluekb.adapters.sqs_work_queue import SqsWorkQueue
from gluekb.adapters.state_store import StateStore
from gluekb.ports.search_index import SearchIndex
from gluekb.ports.work_queue import WorkQueue
from gluekb.ports.worker_metrics import WorkerMetrics
from gluekb.services.health import check_health
from gluekb.services.indexing.encoding import gated_encoder
from gluekb.services.indexing.gate import PriorityGate
from gluekb.services.indexing.index_worker import IndexWorker, LoopConfig, NoWorkerMetrics
from gluekb.services.indexing.pipeline import IndexingService
from gluekb.settings import WorkerSettings
from gluekb.wiring.search_index import open_search_index

CPU_SUB_BATCH = 16


@dataclass
class WorkerServices:
    embedder: SentenceTransformerEmbedder
    index: SearchIndex
    gate: PriorityGate  # query embeddings (POST /embed) go before index sub-batches
    loop: IndexWorker
    health: Callable[[], dict[str, Any]]

    def close(self) -> None:
        self.index.close()


def worker_services(
    settings: WorkerSettings, metrics: WorkerMetrics | None = None
) -> WorkerServices:
    metrics = metrics or NoWorkerMetrics()
    embedder = SentenceTransformerEmbedder(
        settings.model_path, settings.device, settings.encode_batch_size, settings.cpu_threads
    )
    index = open_search_index(settings, dimension=embedder.dimension, writer=True)
    clients = AwsClients.from_settings(settings)
    gate = PriorityGate()
    indexing = IndexingService(
        index,
        gated_encoder(embedder, gate, index_sub_batch(settings, embedder)),
        PayloadStore(clients.s3, settings.raw_bucket),
    )
    queue = SqsWorkQueue(clients.sqs, settings.index_queue_url)
    loop = IndexWorker(
        queue,
        indexing,
        loop_config(settings, queue),
        StateStore(clients.dynamodb, settings.state_table),
        metrics,
    )
    health = partial(worker_health, embedder, index, queue, loop, metrics)
    return WorkerServices(embedder, index, gate, loop, health)


def index_sub_batch(settings: WorkerSettings, embedder: SentenceTransformerEmbedder) -> int:
    """On a CPU a sub-batch holds the device for seconds: keep them small, so a query
    embedding (which goes first) never waits long."""
    return settings.encode_batch_size if embedder.device == "cuda" else CPU_SUB_BATCH


def loop_config(settings: WorkerSettings, queue: WorkQueue) -> LoopConfig:
    """The loop's settings; the redrive limit is the queue's own (its redrive policy)."""
    return LoopConfig(
        poll_wait_s=settings.poll_wait_s,
        batch_max_messages=settings.batch_max_messages,
        gather_window_s=settings.gather_window_s,
        visibility_timeout_s=settings.visibility_timeout_s,
        max_receive_count=queue.max_receive_count(),
    )


def worker_health(
    embedder: SentenceTransformerEmbedder,
    index: SearchIndex,
    queue: WorkQueue,
    loop: IndexWorker,
    metrics: WorkerMetrics,
) -> dict[str, Any]:
    """GET /health: the model, the index, the queue's depth and the loop."""

    def queue_probe() -> dict[str, Any]:
        depth = queue.depth()
        metrics.queue_depth(depth.visible, depth.in_flight)
        return {"visible": depth.visible, "in_flight": depth.in_flight}

    report = check_health(
        {
            "model": lambda: {
                "name": embedder.model_name,
                "device": embedder.device,
                "dimension": embedder.dimension,
            },
            "index": lambda: {"chunks": index.count()},
            "queue": queue_probe,
            "loop": loop.health,
        }
    )
    body = report.as_json()
    body.update({"model": embedder.model_name, "device": embedder.device})
    return body
